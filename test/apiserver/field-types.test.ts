// Values of the wrong JSON type found through the built-in schemas, and upstream's words for them:
// the JSON decoder's (create, update, JSON and merge patches), the unstructured converter's
// (strategic merge patches) and structured-merge-diff's (server-side apply).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  appliedTypeErrors,
  converterTypeError,
  decoderTypeError,
} from '../../src/apiserver/field-types.js';
import { goValue } from '../../src/apiserver/fieldvalidation.js';
import { schemaNameOf, structuralSchemas } from '../../src/apiserver/schemas.js';
import { walkObject } from '../../src/apiserver/unknown-fields.js';

function rootOf(group: string, version: string, kind: string): string {
  const name = schemaNameOf(group, version, kind);
  assert.ok(name);
  return name;
}

function walk(group: string, version: string, kind: string, value: unknown) {
  const name = rootOf(group, version, kind);
  const schemas = structuralSchemas();
  const schema = schemas[name];
  assert.ok(schema);
  return { name, walked: walkObject(schemas, schema, value, false) };
}

function decoder(group: string, version: string, kind: string, value: unknown): string | undefined {
  const { name, walked } = walk(group, version, kind, value);
  return decoderTypeError(structuralSchemas(), name, walked.mismatches);
}

function converter(group: string, version: string, kind: string, value: unknown) {
  const { name, walked } = walk(group, version, kind, value);
  return converterTypeError(structuralSchemas(), name, walked.mismatches);
}

const pod = (spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'p' }) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata,
  spec,
});

const deployment = (spec: Record<string, unknown>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd' },
  spec,
});

test('valid objects, and null anywhere, have no mismatch', () => {
  const ok = pod({
    containers: [
      {
        name: 'c',
        image: 'i',
        ports: [{ containerPort: 80, protocol: null }],
        resources: { limits: { cpu: 1, memory: '1Gi' }, requests: null },
        livenessProbe: { httpGet: { port: 'http' } },
      },
    ],
    securityContext: { runAsUser: 9_007_199_254_740_991, supplementalGroups: [1, 2] },
    terminationGracePeriodSeconds: null,
  });
  assert.deepEqual(walk('', 'v1', 'Pod', ok).walked.mismatches, []);
});

test('the JSON decoder: innermost struct, field path without indices or map keys, Go type', () => {
  const cases: Array<[unknown, string]> = [
    [
      pod({ containers: [] }, { name: 5 }),
      'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string',
    ],
    [
      pod({ containers: 'x' }),
      'json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container',
    ],
    [
      pod({ containers: [{ name: 'c', ports: [{ containerPort: '80' }] }] }),
      'json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32',
    ],
    [
      pod({ containers: [{ name: 'c', env: [{ name: 'A', value: 7070 }] }] }),
      'json: cannot unmarshal number into Go struct field EnvVar.spec.containers.env.value of type string',
    ],
    [
      pod({ containers: [], securityContext: { runAsUser: 1.5 } }),
      'json: cannot unmarshal number 1.5 into Go struct field PodSecurityContext.spec.securityContext.runAsUser of type int64',
    ],
    [
      pod({ containers: [], nodeSelector: ['a'] }),
      'json: cannot unmarshal array into Go struct field PodSpec.spec.nodeSelector of type map[string]string',
    ],
    [
      pod({ containers: [{ name: 'c', stdin: 'yes' }] }),
      'json: cannot unmarshal string into Go struct field Container.spec.containers.stdin of type bool',
    ],
    [
      pod({ containers: [], affinity: 'x' }),
      'json: cannot unmarshal string into Go struct field PodSpec.spec.affinity of type v1.Affinity',
    ],
  ];
  for (const [value, message] of cases) assert.equal(decoder('', 'v1', 'Pod', value), message);
  assert.equal(
    decoder('', 'v1', 'ConfigMap', { metadata: { name: 'c' }, data: { a: { b: 1 } } }),
    'json: cannot unmarshal object into Go struct field ConfigMap.data of type string',
  );
  assert.equal(
    decoder('apps', 'v1', 'Deployment', deployment({ replicas: 3_000_000_000 })),
    'json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32',
  );
});

test('the JSON decoder reports the first mismatch, unless a self-decoding type fails later', () => {
  const two = pod({ containers: [{ name: 1, image: 2 }] });
  assert.match(decoder('', 'v1', 'Pod', two) ?? '', /Container\.spec\.containers\.name of/);
  // IntOrString and Quantity decode themselves: their error stops the decoding at once.
  const intOrString = deployment({
    replicas: 'x',
    strategy: { rollingUpdate: { maxSurge: true } },
  });
  assert.equal(
    decoder('apps', 'v1', 'Deployment', intOrString),
    'json: cannot unmarshal bool into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type int32',
  );
  assert.equal(
    decoder(
      '',
      'v1',
      'Pod',
      pod({ containers: [{ name: 'c', resources: { limits: { cpu: [] } } }] }),
    ),
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
  );
  assert.equal(
    decoder('', 'v1', 'Pod', pod({ containers: [] }, { name: 'p', creationTimestamp: 1 })),
    'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string',
  );
});

test('the unstructured converter (strategic merge patches) words it by Go kinds', () => {
  const cases: Array<[unknown, string | undefined]> = [
    [deployment({ replicas: '3' }), 'unrecognized type: int32'],
    [deployment({ replicas: 2.5 }), 'cannot convert float64 to int32'],
    // An out-of-range integer wraps silently there (validation sees what is left).
    [deployment({ replicas: 3_000_000_000 }), undefined],
    [deployment({ template: 'x' }), 'cannot restore struct from: string'],
    [deployment({ template: { spec: { containers: {} } } }), 'cannot restore slice from map'],
    [deployment({ selector: { matchLabels: 'a' } }), 'cannot restore map from string'],
    [
      deployment({ template: { metadata: { labels: { a: 5 } } } }),
      'cannot convert int64 to string',
    ],
    [deployment({ template: { metadata: { labels: { a: true } } } }), 'unrecognized type: string'],
    [deployment({ paused: 'yes' }), 'unrecognized type: bool'],
    [
      deployment({ strategy: { rollingUpdate: { maxSurge: 1.5 } } }),
      'json: cannot unmarshal number 1.5 into Go value of type int32',
    ],
  ];
  for (const [value, message] of cases) {
    assert.equal(converter('apps', 'v1', 'Deployment', value), message, JSON.stringify(value));
  }
});

test("structured-merge-diff's errors for an applied configuration", () => {
  const texts = (value: unknown) =>
    appliedTypeErrors(walk('apps', 'v1', 'Deployment', value).walked.mismatches, goValue).map(
      (e) => e.text,
    );
  assert.deepEqual(texts(deployment({ replicas: '3' })), [
    'expected numeric (int or float), got string',
  ]);
  // A fraction is numeric to smd: the conversion after the merge refuses it.
  assert.deepEqual(texts(deployment({ replicas: 2.5 })), []);
  assert.deepEqual(texts({ metadata: { labels: { a: { b: 1 } } } }), [
    'expected string, got &value.valueUnstructured{Value:map[string]interface {}{"b":1}}',
  ]);
  assert.deepEqual(texts(deployment({ paused: 'no', template: [1] })), [
    'expected boolean, got &{no}',
    'expected map, got &{[1]}',
  ]);
});

test('quantities written as numbers become their canonical strings, as upstream stores them', () => {
  const p = pod({
    containers: [
      {
        name: 'c',
        resources: { limits: { cpu: 0.5, memory: 2000 }, requests: { cpu: 1.5, memory: '1Mi' } },
      },
    ],
    overhead: { cpu: 1e-10 },
    volumes: [{ name: 'v', emptyDir: { sizeLimit: 1_000_000 } }],
  });
  assert.deepEqual(walk('', 'v1', 'Pod', p).walked.mismatches, []);
  assert.deepEqual(p.spec.containers, [
    {
      name: 'c',
      resources: {
        limits: { cpu: '500m', memory: '2k' },
        requests: { cpu: '1500m', memory: '1Mi' },
      },
    },
  ]);
  assert.deepEqual(p.spec.overhead, { cpu: '1n' });
  assert.deepEqual(p.spec.volumes, [{ name: 'v', emptyDir: { sizeLimit: '1M' } }]);
});

test('named Go types that are no struct print by their names (k8s.io/api types.go)', () => {
  const cases: Array<[unknown, string]> = [
    [
      pod({ containers: [{ name: 'c', ports: [{ containerPort: 80, protocol: 6 }] }] }),
      'json: cannot unmarshal number into Go struct field ContainerPort.spec.containers.ports.protocol of type v1.Protocol',
    ],
    [
      pod({ containers: [{ name: 'c', resources: { limits: 'lots' } }] }),
      'json: cannot unmarshal string into Go struct field ResourceRequirements.spec.containers.resources.limits of type v1.ResourceList',
    ],
    [
      pod({ containers: [{ name: 'c', securityContext: { capabilities: { add: 'NET_ADMIN' } } }] }),
      'json: cannot unmarshal string into Go struct field Capabilities.spec.containers.securityContext.capabilities.add of type []v1.Capability',
    ],
    [
      pod({ containers: [{ name: 'c', securityContext: { capabilities: { drop: [1] } } }] }),
      'json: cannot unmarshal number into Go struct field Capabilities.spec.containers.securityContext.capabilities.drop of type v1.Capability',
    ],
    [
      pod({ containers: [], restartPolicy: true }),
      'json: cannot unmarshal bool into Go struct field PodSpec.spec.restartPolicy of type v1.RestartPolicy',
    ],
    [
      pod({ containers: [] }, { name: 'p', uid: 5 }),
      'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.uid of type types.UID',
    ],
    [
      pod({ containers: [{ name: 'c', imagePullPolicy: 1 }] }),
      'json: cannot unmarshal number into Go struct field Container.spec.containers.imagePullPolicy of type v1.PullPolicy',
    ],
  ];
  for (const [value, text] of cases) assert.equal(decoder('', 'v1', 'Pod', value), text);
  // A map of a named element type, and a named slice type within it.
  assert.equal(
    decoder('authorization.k8s.io', 'v1', 'SubjectAccessReview', {
      spec: { extra: { scopes: [1] } },
    }),
    'json: cannot unmarshal number into Go struct field SubjectAccessReviewSpec.spec.extra of type string',
  );
  assert.equal(
    decoder('authorization.k8s.io', 'v1', 'SubjectAccessReview', { spec: { extra: { a: 'x' } } }),
    'json: cannot unmarshal string into Go struct field SubjectAccessReviewSpec.spec.extra of type v1.ExtraValue',
  );
  // The unstructured converter names the type it cannot convert an int64 to.
  assert.equal(
    converter('', 'v1', 'Pod', pod({ containers: [{ name: 'c', ports: [{ protocol: 6 }] }] })),
    'cannot convert int64 to v1.Protocol',
  );
});
