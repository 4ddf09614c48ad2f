import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStatusError } from '../../../src/api/status.js';
import { strategicMergePatch } from '../../../src/apiserver/patch/strategic-merge.js';
import { patchSchemaFor, type PatchSchema } from '../../../src/apiserver/patch/strategies.js';

type Obj = Record<string, unknown>;

function schemaOf(group: string, kind: string): PatchSchema {
  const schema = patchSchemaFor({ group, kind });
  assert.ok(schema, `no schema for ${group}/${kind}`);
  return schema;
}

const deploymentSchema = schemaOf('apps', 'Deployment');

/** The live Deployment kubectl apply patches below: two containers, RollingUpdate. */
function liveDeployment(): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: 'u1',
      resourceVersion: '5',
      finalizers: ['a/x'],
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'OLD' },
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'nginx:1.0',
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
              ports: [{ containerPort: 80 }],
            },
            { name: 'sidecar', image: 'busybox:1.36', command: ['sleep', '1d'] },
          ],
        },
      },
    },
  };
}

test('kubectl apply: change image, drop env var, add port, remove container, strategy switch', () => {
  // Sent by kubectl 1.32 `apply` (client-side) against liveDeployment; annotation value elided.
  const patch = {
    metadata: {
      '$setElementOrder/finalizers': ['a/x', 'b/y'],
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'NEW' },
      finalizers: ['b/y'],
    },
    spec: {
      strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' },
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'app' }],
          containers: [
            {
              '$setElementOrder/env': [{ name: 'A' }],
              '$setElementOrder/ports': [{ containerPort: 80 }, { containerPort: 443 }],
              env: [{ $patch: 'delete', name: 'B' }],
              image: 'nginx:1.1',
              name: 'app',
              ports: [{ containerPort: 443 }],
            },
            { $patch: 'delete', name: 'sidecar' },
          ],
        },
      },
    },
  };
  const expected = liveDeployment();
  const expectedMeta = expected['metadata'] as Obj;
  expectedMeta['finalizers'] = ['a/x', 'b/y'];
  expectedMeta['annotations'] = { 'kubectl.kubernetes.io/last-applied-configuration': 'NEW' };
  const expectedSpec = expected['spec'] as Obj;
  expectedSpec['strategy'] = { type: 'Recreate' };
  expectedSpec['template'] = {
    metadata: { labels: { app: 'web' } },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'nginx:1.1',
          env: [{ name: 'A', value: '1' }],
          ports: [{ containerPort: 80 }, { containerPort: 443 }],
        },
      ],
    },
  };
  assert.deepEqual(strategicMergePatch(liveDeployment(), patch, deploymentSchema), expected);
});

test('kubectl apply: $deleteFromPrimitiveList on finalizers and an env value change', () => {
  // Sent by kubectl 1.32 `apply` when the manifest replaces finalizer a/x by b/y and sets A=9.
  const patch = {
    metadata: {
      '$deleteFromPrimitiveList/finalizers': ['a/x'],
      '$setElementOrder/finalizers': ['b/y'],
      finalizers: ['b/y'],
    },
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }],
          containers: [
            {
              '$setElementOrder/env': [{ name: 'A' }, { name: 'B' }],
              env: [{ name: 'A', value: '9' }],
              name: 'app',
            },
          ],
        },
      },
    },
  };
  const out = strategicMergePatch(liveDeployment(), patch, deploymentSchema);
  assert.deepEqual((out['metadata'] as Obj)['finalizers'], ['b/y']);
  const spec = ((out['spec'] as Obj)['template'] as Obj)['spec'] as Obj;
  assert.deepEqual(spec['containers'], [
    {
      name: 'app',
      image: 'nginx:1.0',
      env: [
        { name: 'A', value: '9' },
        { name: 'B', value: '2' },
      ],
      ports: [{ containerPort: 80 }],
    },
    { name: 'sidecar', image: 'busybox:1.36', command: ['sleep', '1d'] },
  ]);
});

test('kubectl rollout restart adds a template annotation and keeps everything else', () => {
  const patch = {
    spec: {
      template: {
        metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' } },
      },
    },
  };
  const out = strategicMergePatch(liveDeployment(), patch, deploymentSchema);
  const expected = liveDeployment();
  ((expected['spec'] as Obj)['template'] as Obj)['metadata'] = {
    labels: { app: 'web' },
    annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' },
  };
  assert.deepEqual(out, expected);
});

test('an env var is removed by $patch: delete, a key by null', () => {
  const patch = {
    spec: {
      replicas: null,
      template: {
        spec: { containers: [{ name: 'app', env: [{ name: 'A', $patch: 'delete' }] }] },
      },
    },
  };
  const out = strategicMergePatch(liveDeployment(), patch, deploymentSchema);
  const spec = out['spec'] as Obj;
  assert.equal(Object.hasOwn(spec, 'replicas'), false);
  const containers = ((spec['template'] as Obj)['spec'] as Obj)['containers'] as Obj[];
  assert.deepEqual(containers[0]?.['env'], [{ name: 'B', value: '2' }]);
});

test('a container added without $setElementOrder comes first, as upstream orders it', () => {
  const patch = {
    spec: { template: { spec: { containers: [{ name: 'new', image: 'redis:7', args: null }] } } },
  };
  const out = strategicMergePatch(liveDeployment(), patch, deploymentSchema);
  const containers = (((out['spec'] as Obj)['template'] as Obj)['spec'] as Obj)[
    'containers'
  ] as Obj[];
  assert.deepEqual(
    containers.map((c) => c['name']),
    ['new', 'app', 'sidecar'],
  );
  assert.deepEqual(containers[0], { name: 'new', image: 'redis:7' });
});

test('ports merge by containerPort and the patch order wins for named items', () => {
  const original = {
    spec: {
      containers: [
        {
          name: 'c',
          ports: [
            { containerPort: 80, name: 'http' },
            { containerPort: 9090, name: 'metrics' },
            { containerPort: 443, name: 'https' },
          ],
        },
      ],
    },
  };
  const patch = {
    spec: {
      containers: [
        {
          name: 'c',
          ports: [
            { containerPort: 443, protocol: 'TCP' },
            { containerPort: 80, protocol: 'TCP' },
          ],
        },
      ],
    },
  };
  const out = strategicMergePatch(original, patch, schemaOf('', 'Pod'));
  assert.deepEqual(out, {
    spec: {
      containers: [
        {
          name: 'c',
          ports: [
            { containerPort: 9090, name: 'metrics' },
            { containerPort: 443, name: 'https', protocol: 'TCP' },
            { containerPort: 80, name: 'http', protocol: 'TCP' },
          ],
        },
      ],
    },
  });
});

test('$setElementOrder interleaves server-only items by their live position', () => {
  // Upstream case "add map to merging list by pointer": live [1 (other a), 3], patch adds 2.
  const schema: PatchSchema = { items: { strategy: 'merge', mergeKey: 'name' } };
  const out = strategicMergePatch(
    { items: [{ name: 1, other: 'a' }, { name: 3 }] },
    { '$setElementOrder/items': [{ name: 1 }, { name: 2 }], items: [{ name: 2 }] },
    schema,
  );
  assert.deepEqual(out, { items: [{ name: 1, other: 'a' }, { name: 2 }, { name: 3 }] });
});

test('$setElementOrder disagreeing with the patch list is a 400', () => {
  const schema: PatchSchema = { items: { strategy: 'merge', mergeKey: 'name' } };
  assert.throws(
    () =>
      strategicMergePatch(
        { items: [{ name: 1 }, { name: 3 }, { name: 2 }] },
        {
          '$setElementOrder/items': [{ name: 1 }, { name: 2 }, { name: 3 }],
          items: [{ name: 3 }, { name: 1 }],
        },
        schema,
      ),
    (err) =>
      isStatusError(err, 'BadRequest') && /does not match its \$setElementOrder/.test(err.message),
  );
});

test('finalizers (a merged primitive list) are unioned, ownerReferences merge by uid', () => {
  const original = {
    metadata: {
      finalizers: ['kubernetes.io/pvc-protection'],
      ownerReferences: [{ uid: 'u1', kind: 'ReplicaSet', name: 'rs1', controller: true }],
    },
  };
  const patch = {
    metadata: {
      finalizers: ['example.com/hold', 'kubernetes.io/pvc-protection'],
      ownerReferences: [
        { uid: 'u1', blockOwnerDeletion: true },
        { uid: 'u2', kind: 'Job' },
      ],
    },
  };
  assert.deepEqual(strategicMergePatch(original, patch, schemaOf('', 'ConfigMap')), {
    metadata: {
      finalizers: ['example.com/hold', 'kubernetes.io/pvc-protection'],
      ownerReferences: [
        { uid: 'u1', kind: 'ReplicaSet', name: 'rs1', controller: true, blockOwnerDeletion: true },
        { uid: 'u2', kind: 'Job' },
      ],
    },
  });
});

test('tolerations (no strategy) and Endpoints subsets are replaced', () => {
  const pod = {
    spec: { tolerations: [{ key: 'a', operator: 'Exists' }], containers: [{ name: 'c' }] },
  };
  const out = strategicMergePatch(
    pod,
    { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } },
    schemaOf('', 'Pod'),
  );
  assert.deepEqual(out, {
    spec: { tolerations: [{ key: 'b', operator: 'Exists' }], containers: [{ name: 'c' }] },
  });
  const endpoints = { subsets: [{ addresses: [{ ip: '10.0.0.1' }] }] };
  assert.deepEqual(
    strategicMergePatch(
      endpoints,
      { subsets: [{ addresses: [{ ip: '10.0.0.2' }] }] },
      schemaOf('', 'Endpoints'),
    ),
    { subsets: [{ addresses: [{ ip: '10.0.0.2' }] }] },
  );
});

test('$patch: replace on a list and on a map; $patch: delete empties a map', () => {
  const pod = {
    spec: {
      containers: [{ name: 'a' }, { name: 'b' }],
      securityContext: { runAsUser: 1000, fsGroup: 2000 },
      nodeSelector: { disk: 'ssd' },
    },
  };
  const patch = {
    spec: {
      containers: [{ name: 'c', image: 'x' }, { $patch: 'replace' }],
      securityContext: { $patch: 'replace', runAsNonRoot: true },
      nodeSelector: { $patch: 'delete' },
    },
  };
  assert.deepEqual(strategicMergePatch(pod, patch, schemaOf('', 'Pod')), {
    spec: {
      containers: [{ name: 'c', image: 'x' }],
      securityContext: { runAsNonRoot: true },
      nodeSelector: {},
    },
  });
});

test('StatefulSet rollback data replaces the whole template', () => {
  const live = {
    spec: {
      template: {
        metadata: { labels: { app: 'db' }, annotations: { x: 'y' } },
        spec: { containers: [{ name: 'db', image: 'pg:16', env: [{ name: 'A', value: '1' }] }] },
      },
    },
  };
  const patch = {
    spec: {
      template: {
        $patch: 'replace',
        metadata: { labels: { app: 'db' } },
        spec: { containers: [{ name: 'db', image: 'pg:15' }] },
      },
    },
  };
  assert.deepEqual(strategicMergePatch(live, patch, schemaOf('apps', 'StatefulSet')), {
    spec: {
      template: {
        metadata: { labels: { app: 'db' } },
        spec: { containers: [{ name: 'db', image: 'pg:15' }] },
      },
    },
  });
});

test('$retainKeys on a volume switches its source', () => {
  const pod = {
    spec: {
      volumes: [
        { name: 'data', emptyDir: { medium: 'Memory' } },
        { name: 'cfg', configMap: { name: 'c' } },
      ],
    },
  };
  const patch = {
    spec: {
      volumes: [{ name: 'data', $retainKeys: ['hostPath', 'name'], hostPath: { path: '/srv' } }],
    },
  };
  assert.deepEqual(strategicMergePatch(pod, patch, schemaOf('', 'Pod')), {
    spec: {
      volumes: [
        { name: 'data', hostPath: { path: '/srv' } },
        { name: 'cfg', configMap: { name: 'c' } },
      ],
    },
  });
});

test('a field set but missing from $retainKeys is a 400', () => {
  assert.throws(
    () =>
      strategicMergePatch(
        { spec: { strategy: { type: 'RollingUpdate' } } },
        { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: {} } } },
        deploymentSchema,
      ),
    (err) => isStatusError(err, 'BadRequest') && /retainKeys/.test(err.message),
  );
});

test('Service ports merge by port; node conditions and addresses by type', () => {
  const svc = { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } };
  assert.deepEqual(
    strategicMergePatch(
      svc,
      { spec: { ports: [{ port: 80, name: 'http' }] } },
      schemaOf('', 'Service'),
    ),
    { spec: { ports: [{ port: 80, targetPort: 8080, name: 'http' }, { port: 443 }] } },
  );
  const node = {
    status: {
      conditions: [
        { type: 'Ready', status: 'False' },
        { type: 'MemoryPressure', status: 'False' },
      ],
      addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
    },
  };
  const out = strategicMergePatch(
    node,
    {
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [{ type: 'Hostname', address: 'n1' }],
      },
    },
    schemaOf('', 'Node'),
  );
  assert.deepEqual(out, {
    status: {
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'MemoryPressure', status: 'False' },
      ],
      addresses: [
        { type: 'Hostname', address: 'n1' },
        { type: 'InternalIP', address: '10.0.0.1' },
      ],
    },
  });
});

test('CronJob pod template inside jobTemplate merges containers by name', () => {
  const cron = {
    spec: {
      jobTemplate: {
        spec: { template: { spec: { containers: [{ name: 'job', image: 'a' }, { name: 'x' }] } } },
      },
    },
  };
  const out = strategicMergePatch(
    cron,
    {
      spec: {
        jobTemplate: {
          spec: { template: { spec: { containers: [{ name: 'job', image: 'b' }] } } },
        },
      },
    },
    schemaOf('batch', 'CronJob'),
  );
  assert.deepEqual(out, {
    spec: {
      jobTemplate: {
        spec: { template: { spec: { containers: [{ name: 'job', image: 'b' }, { name: 'x' }] } } },
      },
    },
  });
});

test('a merge-list element without its merge key is a 400', () => {
  assert.throws(
    () =>
      strategicMergePatch(
        { spec: { containers: [{ name: 'a' }] } },
        { spec: { containers: [{ image: 'x' }] } },
        schemaOf('', 'Pod'),
      ),
    (err) => isStatusError(err, 'BadRequest') && /merge key: name/.test(err.message),
  );
});

test('an unknown $patch value is a 400; lists of lists are a 422', () => {
  assert.throws(
    () => strategicMergePatch({ a: { b: 1 } }, { a: { $patch: 'explode' } }, {}),
    (err) => isStatusError(err, 'BadRequest') && /unknown patch type/.test(err.message),
  );
  const schema: PatchSchema = { l: { strategy: 'merge' } };
  assert.throws(
    () => strategicMergePatch({ l: [[1]] }, { l: [[2]] }, schema),
    (err) => isStatusError(err, 'Invalid'),
  );
});

test('new subtrees lose nulls and directives; inputs are not mutated', () => {
  const original = { metadata: { name: 'x' } };
  const patch = {
    spec: { a: null, b: { c: null, d: 1, '$setElementOrder/e': [] }, gone: { $patch: 'delete' } },
  };
  const before = structuredClone(patch);
  assert.deepEqual(strategicMergePatch(original, patch, {}), {
    metadata: { name: 'x' },
    spec: { b: { d: 1 } },
  });
  assert.deepEqual(patch, before);
  assert.deepEqual(original, { metadata: { name: 'x' } });
});

test('a __proto__ key is treated as data, not as a prototype', () => {
  const patch = JSON.parse('{"metadata":{"labels":{"__proto__":{"polluted":true}}}}') as Obj;
  const out = strategicMergePatch({ metadata: { labels: {} } }, patch, {});
  const labels = (out['metadata'] as Obj)['labels'] as Obj;
  assert.ok(Object.hasOwn(labels, '__proto__'));
  assert.equal(({} as Obj)['polluted'], undefined);
  assert.equal(Object.getPrototypeOf(labels), Object.prototype);
});
