import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { nodeInfoOf, SchedulerCache } from '../../src/scheduler/cache.js';
import type { CycleState, NodeInfo } from '../../src/scheduler/framework.js';
import {
  moreImportantPod,
  pickOneNodeForPreemption,
  preempt,
  selectVictimsOnNode,
} from '../../src/scheduler/preemption.js';
import { failureMessage, runFilters, schedulePod } from '../../src/scheduler/scheduler.js';

function node(name: string, cpu = '2', taints?: object[]): KubeObject {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: taints ? { taints } : {},
    status: {
      allocatable: { cpu, memory: '8Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

function pod(
  name: string,
  cpu: string,
  priority: number,
  opts: { node?: string; started?: string; policy?: string; deleting?: boolean } = {},
): KubeObject {
  return {
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      creationTimestamp: '2026-01-01T00:00:00Z',
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:01:00Z' } : {}),
    },
    spec: {
      containers: [{ name: 'c', image: 'x', resources: { requests: { cpu } } }],
      priority,
      ...(opts.policy ? { preemptionPolicy: opts.policy } : {}),
      ...(opts.node ? { nodeName: opts.node } : {}),
    },
    status: {
      phase: opts.node ? 'Running' : 'Pending',
      ...(opts.started ? { startTime: opts.started } : {}),
    },
  };
}

function state(nodes: KubeObject[], pods: KubeObject[]): CycleState {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.setNode(n);
  for (const p of pods) cache.updatePod(p);
  return { nodes: cache.nodeInfos(), claim: () => undefined, storageClass: () => undefined };
}

const names = (pods: readonly KubeObject[]): string[] => pods.map((p) => p.metadata.name ?? '');

function info(s: CycleState, name: string): NodeInfo {
  return s.nodes.find((n) => n.node.metadata.name === name) as NodeInfo;
}

test('moreImportantPod: higher priority, then the earlier start', () => {
  const a = pod('a', '1', 10, { started: '2026-01-01T00:00:10Z' });
  const b = pod('b', '1', 5, { started: '2026-01-01T00:00:00Z' });
  const c = pod('c', '1', 10, { started: '2026-01-01T00:00:00Z' });
  assert.equal(moreImportantPod(a, b), true);
  assert.equal(moreImportantPod(b, a), false);
  assert.equal(moreImportantPod(c, a), true);
  assert.equal(moreImportantPod(a, c), false);
});

test('selectVictimsOnNode evicts the fewest, least important lower-priority pods', () => {
  // 2 cpu node, full: 500m (prio 1), 500m (prio 5), 1 (prio 3), and a 100 (prio 200) pod (kept).
  const pods = [
    pod('p1', '500m', 1, { node: 'n' }),
    pod('p5', '500m', 5, { node: 'n' }),
    pod('p3', '900m', 3, { node: 'n' }),
    pod('keep', '100m', 200, { node: 'n' }),
  ];
  const s = state([node('n')], pods);
  // Needs 1 cpu: with only `keep` left 1.1 is used; given back most important first, p5 fits
  // (1.6), p3 does not (2.5), p1 does not either (2.1).
  const victims = selectVictimsOnNode(pod('big', '1', 100), info(s, 'n'), s, runFilters);
  assert.deepEqual(names(victims as KubeObject[]), ['p3', 'p1']);
  // Needs 400m: p5 (1.0) and p3 (1.9) fit back; the least important, p1, goes.
  const small = selectVictimsOnNode(pod('half', '400m', 100), info(s, 'n'), s, runFilters);
  assert.deepEqual(names(small as KubeObject[]), ['p1']);
});

test('selectVictimsOnNode: no lower-priority pods, or not enough room even without them', () => {
  const s = state(
    [node('n')],
    [pod('a', '1', 500, { node: 'n' }), pod('b', '1', 5, { node: 'n' })],
  );
  assert.equal(
    selectVictimsOnNode(pod('x', '1', 1), info(s, 'n'), s, runFilters),
    'No preemption victims found for incoming pod',
  );
  assert.equal(
    selectVictimsOnNode(pod('x', '1500m', 100), info(s, 'n'), s, runFilters),
    'Insufficient cpu',
  );
});

test('pickOneNodeForPreemption: lowest top victim priority, then sum, then count, then latest start', () => {
  const n = (name: string): NodeInfo => nodeInfoOf(node(name), []);
  const v = (name: string, prio: number, started = '2026-01-01T00:00:00Z'): KubeObject =>
    pod(name, '1', prio, { started });
  assert.equal(
    pickOneNodeForPreemption([
      { node: n('a'), victims: [v('a1', 5)] },
      { node: n('b'), victims: [v('b1', 3), v('b2', 2), v('b3', 1)] },
    ])?.node.node.metadata.name,
    'b',
  );
  assert.equal(
    pickOneNodeForPreemption([
      { node: n('a'), victims: [v('a1', 5), v('a2', 4)] },
      { node: n('b'), victims: [v('b1', 5), v('b2', 1)] },
    ])?.node.node.metadata.name,
    'b',
  );
  assert.equal(
    pickOneNodeForPreemption([
      { node: n('a'), victims: [v('a1', 5), v('a2', 5)] },
      { node: n('b'), victims: [v('b1', 5)] },
    ])?.node.node.metadata.name,
    'b',
  );
  assert.equal(
    pickOneNodeForPreemption([
      { node: n('a'), victims: [v('a1', 5, '2026-01-01T00:00:00Z')] },
      { node: n('b'), victims: [v('b1', 5, '2026-01-01T05:00:00Z')] },
    ])?.node.node.metadata.name,
    'b',
  );
  assert.equal(
    pickOneNodeForPreemption([
      { node: n('a'), victims: [v('a1', 5)] },
      { node: n('b'), victims: [] },
    ])?.node.node.metadata.name,
    'b',
  );
  assert.equal(pickOneNodeForPreemption([]), undefined);
});

test('preempt: picks the node, honours preemptionPolicy Never and terminating victims', () => {
  const nodes = [
    node('a'),
    node('b'),
    node('tainted', '2', [{ key: 'k', value: 'v', effect: 'NoSchedule' }]),
  ];
  const running = [
    pod('a-mid', '2', 50, { node: 'a' }),
    pod('b-low', '2', 10, { node: 'b' }),
    pod('t-low', '2', 1, { node: 'tainted' }),
  ];
  const s = state(nodes, running);
  const incoming = pod('vip', '1', 100);
  const r = schedulePod(incoming, s);
  assert.ok('failures' in r);
  const out = preempt(incoming, s, r.failed, r.failures, runFilters);
  assert.ok('candidate' in out, JSON.stringify(out));
  assert.equal(out.candidate.node.node.metadata.name, 'b');
  assert.deepEqual(names(out.candidate.victims), ['b-low']);

  const never = pod('polite', '1', 100, { policy: 'Never' });
  const rn = schedulePod(never, s);
  assert.ok('failures' in rn);
  const outNever = preempt(never, s, rn.failed, rn.failures, runFilters);
  assert.deepEqual(outNever, { message: 'not eligible due to preemptionPolicy=Never.' });
  assert.equal(
    failureMessage(3, rn.failures, outNever.message),
    '0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.',
  );

  // No one of lower priority anywhere: upstream's per-node reasons.
  const meek = pod('meek', '1', 0);
  const rm = schedulePod(meek, s);
  assert.ok('failures' in rm);
  const outMeek = preempt(meek, s, rm.failed, rm.failures, runFilters);
  assert.ok('message' in outMeek);
  assert.equal(
    failureMessage(3, rm.failures, outMeek.message),
    '0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
  );

  // Victims of an earlier preemption still terminating on the nominated node: wait for them.
  const s2 = state(nodes, [
    pod('a-mid', '2', 50, { node: 'a' }),
    pod('b-low', '2', 10, { node: 'b', deleting: true }),
    pod('t-low', '2', 1, { node: 'tainted' }),
  ]);
  const again: KubeObject = { ...incoming, status: { phase: 'Pending', nominatedNodeName: 'b' } };
  const ra = schedulePod(again, s2);
  assert.ok('failures' in ra);
  assert.deepEqual(preempt(again, s2, ra.failed, ra.failures, runFilters), {
    message: 'not eligible due to a terminating pod on the nominated node.',
  });
});

test('a nominated pod keeps its room from pods of lower priority, not from higher', () => {
  const s = state([node('a', '1')], []);
  const nominee = pod('nominee', '1', 100);
  s.nominatedPods = (name) => (name === 'a' ? [nominee] : []);
  assert.ok('failures' in schedulePod(pod('low', '500m', 10), s));
  assert.ok('node' in schedulePod(pod('high', '500m', 1000), s));
  assert.ok('node' in schedulePod(nominee, s));
});
