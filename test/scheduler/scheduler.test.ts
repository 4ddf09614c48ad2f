import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { SchedulerCache } from '../../src/scheduler/cache.js';
import type { CycleState } from '../../src/scheduler/framework.js';
import { failureMessage, schedulePod } from '../../src/scheduler/scheduler.js';

function node(
  name: string,
  opts: { labels?: Record<string, string>; spec?: object; cpu?: string; ready?: boolean } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...opts.labels } },
    spec: opts.spec ?? {},
    status: {
      allocatable: { cpu: opts.cpu ?? '2', memory: '4Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}

let uid = 0;
function pod(
  name: string,
  spec: object = {},
  labels: Record<string, string> = {},
  nodeName?: string,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `u${++uid}`, labels },
    spec: { containers: [{ name: 'c', image: 'x' }], ...spec, ...(nodeName ? { nodeName } : {}) },
    status: { phase: nodeName ? 'Running' : 'Pending' },
  };
}

function state(
  nodes: KubeObject[],
  pods: KubeObject[] = [],
  claims: Record<string, KubeObject> = {},
): CycleState {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.setNode(n);
  for (const p of pods) cache.updatePod(p);
  return {
    nodes: cache.nodeInfos(),
    claim: (ns, name) => claims[`${ns}/${name}`],
    storageClass: () => undefined,
  };
}

function placed(p: KubeObject, s: CycleState): string {
  const r = schedulePod(p, s);
  assert.ok('node' in r, JSON.stringify(r));
  return r.node.node.metadata.name ?? '';
}

function failed(p: KubeObject, s: CycleState): string {
  const r = schedulePod(p, s);
  assert.ok('failures' in r, 'expected no node to fit');
  return failureMessage(s.nodes.length, r.failures);
}

const cpu = (c: string) => ({
  containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: c } } }],
});

describe('schedulePod', () => {
  test('spreads by least allocation and reports resource shortage as upstream words it', () => {
    const s = state([node('a'), node('b')], [pod('p1', cpu('1'), {}, 'a')]);
    assert.equal(placed(pod('new', cpu('500m')), s), 'b');
    const full = state(
      [
        node('a', { cpu: '1' }),
        node('b', { cpu: '1' }),
        node('c', { spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] } }),
      ],
      [pod('x', cpu('1'), {}, 'a'), pod('y', cpu('1'), {}, 'b')],
    );
    assert.equal(
      failed(pod('big', cpu('500m')), full),
      '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
  });

  test('the cache counts assumed pods until their binding shows, and forgets failed ones', () => {
    const cache = new SchedulerCache();
    cache.setNode(node('a', { cpu: '1' }));
    const p = pod('p', cpu('1'));
    cache.assume(p, 'a');
    assert.equal(cache.isAssumed('default/p'), true);
    assert.deepEqual(cache.nodeInfos()[0]?.requested, { cpu: 1000, memory: 0 });
    cache.updatePod(p); // the informer still shows it unbound: stays assumed
    assert.equal(cache.nodeInfos()[0]?.pods.length, 1);
    cache.forget(p);
    assert.deepEqual(cache.nodeInfos()[0]?.requested, { cpu: 0, memory: 0 });
    cache.assume(p, 'a');
    cache.updatePod({ ...p, spec: { ...(p.spec ?? {}), nodeName: 'a' } });
    assert.equal(cache.isAssumed('default/p'), false);
    assert.equal(cache.nodeInfos()[0]?.pods.length, 1);
    cache.updatePod({
      ...p,
      spec: { ...(p.spec ?? {}), nodeName: 'a' },
      status: { phase: 'Succeeded' },
    });
    assert.equal(cache.nodeInfos()[0]?.pods.length, 0, 'finished pods free their node');
  });

  test('host ports must be free', () => {
    const hp = {
      containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }] }],
    };
    const s = state([node('a'), node('b')], [pod('web', hp, {}, 'a')]);
    assert.equal(placed(pod('web2', hp), s), 'b');
    const one = state([node('a')], [pod('web', hp, {}, 'a')]);
    assert.match(
      failed(pod('web2', hp), one),
      /1 node\(s\) didn't have free ports for the requested pod ports\./,
    );
  });

  test('required pod anti-affinity keeps replicas apart; affinity brings them together', () => {
    const anti = {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            {
              labelSelector: { matchLabels: { app: 'db' } },
              topologyKey: 'kubernetes.io/hostname',
            },
          ],
        },
      },
    };
    const s = state([node('a'), node('b')], [pod('db-0', anti, { app: 'db' }, 'a')]);
    assert.equal(placed(pod('db-1', anti, { app: 'db' }), s), 'b');
    const s2 = state([node('a')], [pod('db-0', anti, { app: 'db' }, 'a')]);
    // Existing pods' anti-affinity is checked first, as upstream does; it also keeps away a
    // plain pod that the existing pod's term selects.
    assert.match(
      failed(pod('db-1', anti, { app: 'db' }), s2),
      /didn't satisfy existing pods anti-affinity rules/,
    );
    assert.match(
      failed(pod('other', {}, { app: 'db' }), s2),
      /didn't satisfy existing pods anti-affinity rules/,
    );
    const s2b = state([node('a')], [pod('db-0', {}, { app: 'db' }, 'a')]);
    assert.match(
      failed(pod('db-1', anti, { app: 'db' }), s2b),
      /1 node\(s\) didn't match pod anti-affinity rules\./,
    );

    const aff = {
      affinity: {
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            {
              labelSelector: { matchLabels: { app: 'cache' } },
              topologyKey: 'kubernetes.io/hostname',
            },
          ],
        },
      },
    };
    const s3 = state([node('a'), node('b')], [pod('cache', {}, { app: 'cache' }, 'b')]);
    assert.equal(placed(pod('web', aff), s3), 'b');
    assert.match(failed(pod('web', aff), state([node('a')])), /didn't match pod affinity rules/);
    // The first pod of a group that selects itself may start anywhere.
    assert.equal(placed(pod('cache-0', aff, { app: 'cache' }), state([node('a')])), 'a');
  });

  test('topology spread DoNotSchedule keeps the skew; ScheduleAnyway prefers the emptier zone', () => {
    const zone = (n: string, z: string) => node(n, { labels: { zone: z } });
    const spread = (when: string) => ({
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'zone',
          whenUnsatisfiable: when,
          labelSelector: { matchLabels: { app: 'w' } },
        },
      ],
    });
    const s = state([zone('a', 'z1'), zone('b', 'z2')], [pod('w1', {}, { app: 'w' }, 'a')]);
    assert.equal(placed(pod('w2', spread('DoNotSchedule'), { app: 'w' }), s), 'b');
    const tainted = node('b', {
      labels: { zone: 'z2' },
      spec: { taints: [{ key: 'busy', effect: 'NoSchedule' }] },
    });
    const s2 = state(
      [zone('a', 'z1'), tainted, node('nolabel')],
      [pod('w1', {}, { app: 'w' }, 'a'), pod('w2', {}, { app: 'w' }, 'a')],
    );
    assert.equal(
      failed(pod('w3', spread('DoNotSchedule'), { app: 'w' }), s2),
      "0/3 nodes are available: 1 node(s) didn't match pod topology spread constraints, 1 node(s) didn't match pod topology spread constraints (missing required label), 1 node(s) had untolerated taint {busy: }. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
    );
    const s3 = state(
      [zone('a', 'z1'), zone('b', 'z2')],
      [pod('w1', {}, { app: 'w' }, 'a'), pod('w2', {}, { app: 'w' }, 'a')],
    );
    assert.equal(placed(pod('w3', spread('ScheduleAnyway'), { app: 'w' }), s3), 'b');
  });

  test('preferred node affinity and PreferNoSchedule taints steer placement', () => {
    const prefer = {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 50,
              preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] },
            },
          ],
        },
      },
    };
    assert.equal(
      placed(pod('p', prefer), state([node('a'), node('b', { labels: { disk: 'ssd' } })])),
      'b',
    );
    const soft = { taints: [{ key: 'busy', effect: 'PreferNoSchedule' }] };
    assert.equal(placed(pod('p'), state([node('a', { spec: soft }), node('b')])), 'b');
    const pinned = {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }] },
            ],
          },
        },
      },
    };
    assert.equal(placed(pod('ds', pinned), state([node('a'), node('b')])), 'a');
  });

  test('PVCs must exist and immediate claims be bound', () => {
    const withClaim = { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] };
    assert.match(
      failed(pod('p', withClaim), state([node('a')])),
      /1 persistentvolumeclaim "data" not found\./,
    );
    const unbound: KubeObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'default' },
      spec: {},
    };
    assert.match(
      failed(pod('p', withClaim), state([node('a')], [], { 'default/data': unbound })),
      /1 pod has unbound immediate PersistentVolumeClaims\./,
    );
    const bound = { ...unbound, spec: { volumeName: 'pv1' } };
    assert.equal(
      placed(pod('p', withClaim), state([node('a')], [], { 'default/data': bound })),
      'a',
    );
  });

  test('not-ready and cordoned nodes take no pods', () => {
    assert.equal(
      failed(
        pod('p'),
        state([node('a', { ready: false }), node('b', { spec: { unschedulable: true } })]),
      ),
      '0/2 nodes are available: 1 node(s) were not ready, 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
    assert.equal(failureMessage(0, []), 'no nodes available to schedule pods');
  });
});
