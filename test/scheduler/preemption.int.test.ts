// Preemption against a real API server: a high-priority pod that fits nowhere evicts the cheapest
// lower-priority pod through the API (DisruptionTarget condition, deletion, Preempted event), is
// nominated to the node, and binds there once the victim is gone; preemptionPolicy Never waits.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { KubeClient, type ResourceRef } from '../../src/client/rest.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { startTestApi, type TestApi } from '../support/apiserver.js';

const NODES: ResourceRef = { group: '', version: 'v1', resource: 'nodes', namespaced: false };
const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };
const EVENTS: ResourceRef = { group: '', version: 'v1', resource: 'events', namespaced: true };
const PCS: ResourceRef = {
  group: 'scheduling.k8s.io',
  version: 'v1',
  resource: 'priorityclasses',
  namespaced: false,
};

let api: TestApi;
let client: KubeClient;
let scheduler: Scheduler;

function node(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    status: {
      allocatable: { cpu: '1', memory: '8Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

function pod(name: string, cpu: string, priorityClassName?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      // No kubelet here: victims go at once instead of waiting for a graceful stop.
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'c', image: 'x', resources: { requests: { cpu } } }],
      ...(priorityClassName ? { priorityClassName } : {}),
    },
  };
}

async function until<T>(fn: () => Promise<T | undefined>, what: string): Promise<T> {
  const end = Date.now() + 20_000;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function nodeOf(name: string): Promise<string | undefined> {
  const p = await client.get(PODS, 'default', name);
  return (p.spec as { nodeName?: string }).nodeName;
}

async function events(name: string, reason: string): Promise<string[]> {
  const list = await client.list(EVENTS, 'default', {
    fieldSelector: `involvedObject.name=${name}`,
  });
  return list.items
    .filter((e) => (e as { reason?: string }).reason === reason)
    .map((e) => String((e as { message?: string }).message));
}

before(async () => {
  api = await startTestApi();
  client = new KubeClient({ server: api.url });
  for (const [name, value, policy] of [
    ['low', 10, 'PreemptLowerPriority'],
    ['mid', 100, 'PreemptLowerPriority'],
    ['high', 1000, 'PreemptLowerPriority'],
    ['polite', 1000, 'Never'],
  ] as const) {
    await client.create(PCS, undefined, {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name },
      value,
      preemptionPolicy: policy,
    });
  }
  await client.create(NODES, undefined, node('n1'));
  await client.create(NODES, undefined, node('n2'));
  scheduler = new Scheduler(client, () => {});
  await scheduler.start();
});

after(async () => {
  await scheduler.stop();
  await client.close();
  await api.stop();
});

test('a higher-priority pod preempts the cheapest victims and binds in their place', async () => {
  // n1: one mid pod (800m); n2: one low pod (800m). Both nodes are nearly full.
  await client.create(PODS, 'default', pod('mid-1', '800m', 'mid'));
  assert.ok(await until(() => nodeOf('mid-1'), 'mid-1 bound'));
  await client.create(PODS, 'default', pod('low-1', '800m', 'low'));
  assert.ok(await until(() => nodeOf('low-1'), 'low-1 bound'));
  const lowNode = (await nodeOf('low-1')) as string;

  // preemptionPolicy Never: waits, says why, evicts nobody.
  await client.create(PODS, 'default', pod('polite', '500m', 'polite'));
  const [politeMsg] = await until(
    async () =>
      (await events('polite', 'FailedScheduling')).length
        ? events('polite', 'FailedScheduling')
        : undefined,
    'polite FailedScheduling',
  );
  assert.equal(
    politeMsg,
    '0/2 nodes are available: 2 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.',
  );
  await client.delete(PODS, 'default', 'polite');

  const vip = await client.create(PODS, 'default', pod('vip', '500m', 'high'));
  const bound = await until(() => nodeOf('vip'), 'vip bound');
  assert.equal(bound, lowNode, 'the node whose victim has the lowest priority');
  const gone = await client.list(PODS, 'default');
  assert.deepEqual(gone.items.map((p) => p.metadata.name).sort(), ['mid-1', 'vip']);

  const preempted = await until(
    async () =>
      (await events('low-1', 'Preempted')).length ? events('low-1', 'Preempted') : undefined,
    'Preempted event',
  );
  assert.deepEqual(preempted, [`Preempted by pod ${vip.metadata.uid ?? ''} on node ${lowNode}`]);
  const failed = await events('vip', 'FailedScheduling');
  assert.deepEqual(failed, ['0/2 nodes are available: 2 Insufficient cpu.']);
  const current = await client.get(PODS, 'default', 'vip');
  assert.equal((current.status as { nominatedNodeName?: string }).nominatedNodeName, lowNode);
});

test('victims get the DisruptionTarget condition before they go', async () => {
  // A victim with a finalizer stays visible after deletion, so its condition can be read.
  const held = pod('held', '400m', 'low');
  held.metadata.finalizers = ['kbox.test/hold'];
  await client.create(PODS, 'default', held);
  const heldNode = await until(() => nodeOf('held'), 'held bound');
  assert.ok(heldNode);
  // Fill the other node's remaining room with a mid pod so only `held` can be preempted.
  await client.create(PODS, 'default', pod('vip-2', '500m', 'high'));
  const victim = await until(async () => {
    const p = await client.get(PODS, 'default', 'held');
    return p.metadata.deletionTimestamp ? p : undefined;
  }, 'held being deleted');
  const conditions =
    (victim.status as { conditions?: Array<Record<string, string>> }).conditions ?? [];
  const dt = conditions.find((c) => c.type === 'DisruptionTarget');
  assert.deepEqual(
    { status: dt?.status, reason: dt?.reason, message: dt?.message },
    {
      status: 'True',
      reason: 'PreemptionByScheduler',
      message: 'default-scheduler: preempting to accommodate a higher priority pod',
    },
  );
  // Releasing the finalizer lets the victim go and the preemptor in.
  await client.patch(PODS, 'default', 'held', { metadata: { finalizers: null } });
  assert.equal(await until(() => nodeOf('vip-2'), 'vip-2 bound'), heldNode);
});
