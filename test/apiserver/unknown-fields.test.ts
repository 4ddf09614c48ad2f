// Unknown-field detection and pruning through the built-in schemas, and how the paths and values
// of fieldValidation's messages are written.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { typedPathString, typeOf } from '../../src/apiserver/fieldmanager/typed.js';
import { goValue } from '../../src/apiserver/fieldvalidation.js';
import { schemaNameOf, structuralSchemas, type Schema } from '../../src/apiserver/schemas.js';
import { hasDuplicateKeys, jsonKeys } from '../../src/apiserver/json-keys.js';
import { decoderPath, unknownFields } from '../../src/apiserver/unknown-fields.js';

function kindSchema(group: string, kind: string): Schema {
  const name = schemaNameOf(group, 'v1', kind);
  assert.ok(name);
  const s = structuralSchemas()[name];
  assert.ok(s);
  return s;
}

function check(group: string, kind: string, value: unknown, prune = true): string[] {
  return unknownFields(structuralSchemas(), kindSchema(group, kind), value, prune).map(decoderPath);
}

test('unknown fields in nested objects and lists, in document order, are pruned', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', bogus: true },
    spec: {
      containers: [
        { name: 'a', image: 'i' },
        { name: 'b', image: 'i', foo: 1, ports: [{ containerPort: 80, x: 'y' }] },
      ],
      bar: {},
    },
  };
  assert.deepEqual(check('', 'Pod', pod), [
    'metadata.bogus',
    'spec.containers[1].foo',
    'spec.containers[1].ports[0].x',
    'spec.bar',
  ]);
  assert.deepEqual(pod, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: {
      containers: [
        { name: 'a', image: 'i' },
        { name: 'b', image: 'i', ports: [{ containerPort: 80 }] },
      ],
    },
  });
});

test('without pruning the value is left as it was', () => {
  const cm = { data: { a: 'b' }, extra: 1 };
  assert.deepEqual(check('', 'ConfigMap', cm, false), ['extra']);
  assert.deepEqual(cm, { data: { a: 'b' }, extra: 1 });
});

test('map keys are free; map values of objects are checked, with `.key` paths', () => {
  const pod = {
    metadata: { labels: { 'app.kubernetes.io/name': 'x' }, annotations: { anything: 'v' } },
    spec: {
      containers: [{ name: 'c', resources: { limits: { cpu: '1', memory: 5 } } }],
      nodeSelector: { zone: 'a' },
    },
  };
  assert.deepEqual(check('', 'Pod', pod), []);
  const sa = { secrets: [{ name: 's', nope: 1 }], imagePullSecrets: [{ name: 'r' }] };
  assert.deepEqual(check('', 'ServiceAccount', sa), ['secrets[0].nope']);
  // A map of objects: a Service's selector is strings, an EndpointSlice's topology-free ports
  // are objects in a list; Secret data is a map of strings.
  const schemas = { obj: { type: 'object', properties: { a: { type: 'string' } } } };
  const mapOfObjects: Schema = {
    type: 'object',
    properties: {
      m: { type: 'object', additionalProperties: { $ref: '#/components/schemas/obj' } },
    },
  };
  assert.deepEqual(
    unknownFields(schemas, mapOfObjects, { m: { k1: { a: 'x' }, k2: { b: 1 } } }, true).map(
      decoderPath,
    ),
    ['m.k2.b'],
  );
});

test('int-or-string and quantity values are scalars, not objects to descend into', () => {
  const svc = {
    spec: {
      ports: [
        { port: 80, targetPort: 'http' },
        { port: 81, targetPort: 8081 },
      ],
      selector: { app: 'x' },
    },
  };
  assert.deepEqual(check('', 'Service', svc), []);
  const deploy = {
    spec: { strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 0, oops: 1 } } },
  };
  assert.deepEqual(check('apps', 'Deployment', deploy), ['spec.strategy.rollingUpdate.oops']);
});

test('RawExtension, FieldsV1 and other preserve-unknown places are not checked', () => {
  const rev = { data: { spec: { anything: { goes: [1, { here: true }] } } }, revision: 1 };
  assert.deepEqual(check('apps', 'ControllerRevision', rev), []);
  const cm = {
    metadata: {
      managedFields: [
        {
          manager: 'm',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:data': { 'f:a': {} } },
          wrong: 1,
        },
      ],
    },
  };
  assert.deepEqual(check('', 'ConfigMap', cm), ['metadata.managedFields[0].wrong']);
  assert.deepEqual(cm.metadata.managedFields[0]?.fieldsV1, { 'f:data': { 'f:a': {} } });
});

test('server-side apply paths name list-map elements by key, as structured-merge-diff does', () => {
  const pod = {
    spec: {
      containers: [{ name: 'web', ports: [{ containerPort: 80, bad: 1 }] }],
      tolerations: [{ key: 'k', bad: 2 }],
    },
  };
  const paths = unknownFields(structuralSchemas(), kindSchema('', 'Pod'), pod, false);
  const type = typeOf({ group: '', kind: 'Pod' });
  assert.deepEqual(
    paths.map((p) => typedPathString(type, p)),
    [
      '.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"].bad',
      '.spec.tolerations[0].bad',
    ],
  );
});

test('goValue prints decoded JSON as Go %+v does', () => {
  assert.equal(
    goValue({ spec: { b: [1, 'x', true, null], a: 1.5 }, m: {} }),
    'map[m:map[] spec:map[a:1.5 b:[1 x true <nil>]]]',
  );
  assert.equal(goValue(1234567.5), '1.2345675e+06');
  assert.equal(goValue(0.00001), '1e-05');
  assert.equal(goValue(100), '100');
});

test('jsonKeys finds repeated keys with their paths, and where each path starts', () => {
  const text = '{"a":1, "b":{"c":[{"d":"x\\"y","d":2}],"c":3}, "a":[1,{"e":null}] ,"a":4, "f":{}}';
  const keys = jsonKeys(text);
  assert.deepEqual(
    keys.duplicates.map((d) => d.path),
    ['b.c[0].d', 'b.c', 'a'],
  );
  assert.equal(keys.offsets.get('a'), 1);
  assert.equal(keys.offsets.get('b.c[0].d'), text.indexOf('"d"'));
  assert.equal(keys.offsets.get('a[1].e'), text.indexOf('"e"'));
  assert.equal(keys.duplicates[2]?.offset, text.indexOf('"a":[1'));
  assert.deepEqual(jsonKeys('{"a":1,"a"').duplicates, [{ path: 'a', offset: 7 }]);
});

test('hasDuplicateKeys agrees with jsonKeys on repeats, escapes, strings and long objects', () => {
  const many = (n: number, repeat: string): string =>
    `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}${repeat}}`;
  const texts = [
    '{"a":1, "b":{"c":[{"d":"x\\"y","d":2}],"c":3}, "a":[1,{"e":null}] ,"a":4, "f":{}}',
    '{"a":1,"b":{"a":1},"c":[{"a":1},{"a":2}]}',
    // A string value that looks like a key, brackets inside strings, an escaped quote.
    '{"a":"\\"a\\":1","b":"{[}]","c":["a","a"]}',
    '{"a":"x:","b":1}',
    // The same key spelt with and without an escape.
    '{"a":1,"\\u0061":2}',
    '{"\\u0061":1,"b":2}',
    ' { "a" : 1 ,\n "b" : { "a" : [ ] } , "a" : 2 } ',
    '[{"a":1},{"a":2},[{"b":1,"b":1}]]',
    '{"metadata":{"labels":{"a":"1","b":"2"},"annotations":{"a":"1"}},"a":{}}',
    many(100, ''),
    many(100, ',"k7":1'),
    many(100, ',"k99":1'),
  ];
  for (const text of texts) {
    assert.equal(hasDuplicateKeys(text), jsonKeys(text).duplicates.length > 0, text);
  }
  assert.equal(hasDuplicateKeys(texts[0] ?? ''), true);
  assert.equal(hasDuplicateKeys(texts[1] ?? ''), false);
  assert.equal(hasDuplicateKeys(texts[4] ?? ''), true);
  assert.equal(hasDuplicateKeys(many(100, ',"k99":1')), true);
});
