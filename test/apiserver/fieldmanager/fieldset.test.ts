import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FieldSet,
  fieldElement,
  indexElement,
  keyElement,
  pathString,
  valueElement,
  type FieldPath,
} from '../../../src/apiserver/fieldmanager/fieldset.js';
import {
  compare,
  createdFieldsV1,
  merge,
  toFieldSet,
  typeOf,
} from '../../../src/apiserver/fieldmanager/typed.js';

const f = fieldElement;
const container = (name: string): FieldPath => [
  f('spec'),
  f('template'),
  f('spec'),
  f('containers'),
  keyElement([['name', name]]),
];

test('FieldsV1: "." first for a member with children, then children in path-element order', () => {
  const set = FieldSet.fromPaths([
    [f('spec'), f('replicas')],
    container('web'),
    [...container('web'), f('image')],
    [...container('api'), f('name')],
    [f('metadata'), f('finalizers'), valueElement('b')],
    [f('metadata'), f('finalizers'), valueElement('a')],
    [f('spec'), f('args'), indexElement(1)],
  ]);
  assert.equal(
    JSON.stringify(set.toFieldsV1()),
    '{"f:metadata":{"f:finalizers":{"v:\\"a\\"":{},"v:\\"b\\"":{}}},' +
      '"f:spec":{"f:args":{"i:1":{}},"f:replicas":{},"f:template":{"f:spec":{"f:containers":{' +
      '"k:{\\"name\\":\\"api\\"}":{"f:name":{}},"k:{\\"name\\":\\"web\\"}":{".":{},"f:image":{}}}}}}}',
  );
  // Round trip, including the "." membership and key order inside k: tokens.
  const back = FieldSet.fromFieldsV1(JSON.parse(JSON.stringify(set.toFieldsV1())));
  assert.ok(back.equals(set));
  assert.ok(back.has(container('web')));
  assert.ok(!back.has(container('api')));
  assert.ok(back.hasPrefix(container('api')));
});

test('list-map keys are sorted by name in k: tokens; numbers sort before strings', () => {
  const a = keyElement([
    ['containerPort', 80],
    ['protocol', 'TCP'],
  ]);
  assert.equal(a.token, 'k:{"containerPort":80,"protocol":"TCP"}');
  const set = FieldSet.fromPaths([
    [f('ports'), keyElement([['port', 'x']])],
    [f('ports'), keyElement([['port', 443]])],
    [f('ports'), keyElement([['port', 80]])],
  ]);
  assert.deepEqual(Object.keys(set.toFieldsV1()['f:ports'] as object), [
    'k:{"port":80}',
    'k:{"port":443}',
    'k:{"port":"x"}',
  ]);
});

test('union, intersection and difference prune empty nodes and keep members', () => {
  const x = FieldSet.fromPaths([[f('a'), f('b')], [f('a'), f('c')], [f('d')]]);
  const y = FieldSet.fromPaths([[f('a'), f('b')], [f('e')]]);
  assert.deepEqual(x.union(y).toFieldsV1(), {
    'f:a': { 'f:b': {}, 'f:c': {} },
    'f:d': {},
    'f:e': {},
  });
  assert.deepEqual(x.intersection(y).toFieldsV1(), { 'f:a': { 'f:b': {} } });
  assert.deepEqual(x.difference(y).toFieldsV1(), { 'f:a': { 'f:c': {} }, 'f:d': {} });
  assert.ok(y.difference(y).empty());
});

test('conflict paths print as upstream fieldpath.Path.String()', () => {
  assert.equal(pathString([f('spec'), f('replicas')]), '.spec.replicas');
  assert.equal(
    pathString([
      f('spec'),
      f('ports'),
      keyElement([
        ['port', 80],
        ['protocol', 'TCP'],
      ]),
      f('name'),
    ]),
    '.spec.ports[port=80,protocol="TCP"].name',
  );
  assert.equal(pathString([f('finalizers'), valueElement('x')]), '.finalizers[="x"]');
  assert.equal(pathString([f('args'), indexElement(2)]), '.args[2]');
});

const deployType = typeOf({ group: 'apps', kind: 'Deployment' });
const deployment = {
  metadata: { labels: { app: 'web' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'web', image: 'nginx', ports: [{ containerPort: 80 }], resources: {} },
        ],
        tolerations: [{ key: 'a', operator: 'Exists' }],
      },
    },
  },
};

test('toFieldSet: selectors and tolerations are atomic, ports keyed with defaulted protocol', () => {
  assert.deepEqual(toFieldSet(deployment, deployType).toFieldsV1(), {
    'f:metadata': { 'f:labels': { 'f:app': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:selector': {},
      'f:template': {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:containers': {
            'k:{"name":"web"}': {
              'f:image': {},
              'f:name': {},
              'f:ports': {
                'k:{"containerPort":80,"protocol":"TCP"}': { 'f:containerPort': {}, '.': {} },
              },
              'f:resources': {},
              '.': {},
            },
          },
          'f:tolerations': {},
        },
      },
    },
  });
});

test('compare: new subtrees are added whole, with "." on maps that did not exist before', () => {
  const zero = { metadata: {}, spec: { template: { metadata: {}, spec: { containers: [] } } } };
  const c = compare(zero, deployment, deployType);
  assert.ok(c.modified.empty() && c.removed.empty());
  const fields = c.added.toFieldsV1() as Record<string, Record<string, unknown>>;
  assert.deepEqual(fields['f:metadata'], { 'f:labels': { 'f:app': {}, '.': {} } });
  // spec existed in the zero object: no "." on it; the container element and its ports are new.
  const spec = fields['f:spec'] as Record<string, unknown>;
  assert.equal(Object.hasOwn(spec, '.'), false);
  assert.deepEqual(
    (
      (
        (spec['f:template'] as Record<string, Record<string, unknown>>)['f:spec'] as Record<
          string,
          Record<string, unknown>
        >
      )['f:containers'] as Record<string, unknown>
    )['k:{"name":"web"}'],
    {
      'f:image': {},
      'f:name': {},
      'f:ports': {
        'k:{"containerPort":80,"protocol":"TCP"}': { 'f:containerPort': {}, '.': {} },
        '.': {},
      },
      'f:resources': {},
      '.': {},
    },
  );
  // createdFieldsV1 is the same set, built in one pass, byte for byte.
  assert.equal(
    JSON.stringify(createdFieldsV1(zero, deployment, deployType)),
    JSON.stringify(c.added.toFieldsV1()),
  );

  const next = structuredClone(deployment);
  next.spec.replicas = 3;
  next.spec.template.spec.containers[0]!.image = 'nginx:2';
  delete (next.metadata.labels as { app?: string }).app;
  const d = compare(deployment, next, deployType);
  assert.deepEqual(d.modified.toFieldsV1(), {
    'f:spec': {
      'f:replicas': {},
      'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } } },
    },
  });
  assert.deepEqual(d.removed.toFieldsV1(), { 'f:metadata': { 'f:labels': { 'f:app': {} } } });
  assert.ok(d.added.empty());
});

test('createdFieldsV1 equals compare(zero, pod).added: key order, escapes, list-maps, sets', () => {
  const podType = typeOf({ group: '', kind: 'Pod' });
  const zero = { metadata: {}, spec: { containers: [] } };
  // Keys whose code-unit order differs from locale order, upper case, digits, escapes.
  const labels = { Zeta: '1', alpha: '2', 'a.b/c': '3', a_b: '4', '9x': '5', é: '6', 'a"q': '7' };
  const pod = {
    metadata: { labels, annotations: { B: '', a: 'x' }, finalizers: ['b', 'a'] },
    spec: {
      nodeSelector: { disk: 'ssd' },
      tolerations: [{ key: 'k', operator: 'Exists' }],
      containers: [
        {
          name: 'web',
          image: 'nginx',
          ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }],
          env: [
            { name: 'B', value: 'x' },
            { name: 'A', valueFrom: { fieldRef: { fieldPath: 'x' } } },
          ],
          resources: { requests: { cpu: '1' }, limits: {} },
        },
        { name: 'side', image: 'busybox', args: ['a', 'b'] },
      ],
      securityContext: {},
    },
  };
  assert.equal(
    JSON.stringify(createdFieldsV1(zero, pod, podType)),
    JSON.stringify(compare(zero, pod, podType).added.toFieldsV1()),
  );
});

test('merge: list-maps merge by key (live order, new elements appended), atomic lists replace', () => {
  const live = {
    spec: {
      template: {
        spec: {
          containers: [
            { name: 'a', image: 'x', env: [{ name: 'E', value: '1' }] },
            { name: 'b', image: 'y' },
          ],
          tolerations: [{ key: 'old' }],
        },
      },
    },
  };
  const config = {
    spec: {
      template: {
        spec: {
          containers: [
            { name: 'c', image: 'z' },
            { name: 'a', image: 'x2', env: [{ name: 'F', value: '2' }] },
          ],
          tolerations: [{ key: 'new' }],
        },
      },
    },
  };
  assert.deepEqual(merge(live, config, deployType), {
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: 'a',
              image: 'x2',
              env: [
                { name: 'E', value: '1' },
                { name: 'F', value: '2' },
              ],
            },
            { name: 'b', image: 'y' },
            { name: 'c', image: 'z' },
          ],
          tolerations: [{ key: 'new' }],
        },
      },
    },
  });
});
