// The scheduler against a real API server: binds through pods/binding, records Scheduled and
// FailedScheduling events, and places a waiting pod once a node that fits appears.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { KubeClient, type ResourceRef } from '../../src/client/rest.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { startTestApi, type TestApi } from '../support/apiserver.js';

const NODES: ResourceRef = { group: '', version: 'v1', resource: 'nodes', namespaced: false };
const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };
const EVENTS: ResourceRef = { group: '', version: 'v1', resource: 'events', namespaced: true };

let api: TestApi;
let client: KubeClient;
let scheduler: Scheduler;

function node(name: string, cpu: string, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
    status: {
      allocatable: { cpu, memory: '8Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True' }],
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

async function eventsFor(name: string): Promise<Array<{ reason: string; message: string }>> {
  const list = await client.list(EVENTS, 'default', {
    fieldSelector: `involvedObject.name=${name}`,
  });
  return list.items.map((e) => e as unknown as { reason: string; message: string });
}

before(async () => {
  api = await startTestApi();
  client = new KubeClient({ server: api.url });
  await client.create(NODES, undefined, node('small', '1'));
  scheduler = new Scheduler(client, () => {});
  await scheduler.start();
});

after(async () => {
  await scheduler.stop();
  await client.close();
  await api.stop();
});

test('binds pods that fit and waits with FailedScheduling for those that do not', async () => {
  const pod = (name: string, cpu: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu } } }] },
  });
  await client.create(PODS, 'default', pod('fits', '500m'));
  await client.create(PODS, 'default', pod('too-big', '2'));
  const bound = await until(async () => {
    const p = await client.get(PODS, 'default', 'fits');
    return (p.spec as { nodeName?: string }).nodeName;
  }, 'fits bound');
  assert.equal(bound, 'small');
  const scheduled = await until(
    async () => (await eventsFor('fits')).find((e) => e.reason === 'Scheduled'),
    'Scheduled',
  );
  assert.equal(scheduled.message, 'Successfully assigned default/fits to small');
  const failed = await until(
    async () => (await eventsFor('too-big')).find((e) => e.reason === 'FailedScheduling'),
    'FailedScheduling',
  );
  assert.equal(
    failed.message,
    '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
  );
  // As upstream's handleSchedulingFailure: the pod says why in its PodScheduled condition.
  const waiting = await until(async () => {
    const p = await client.get(PODS, 'default', 'too-big');
    return podScheduledOf(p)?.status === 'False' ? podScheduledOf(p) : undefined;
  }, 'PodScheduled False');
  assert.deepEqual(
    { ...waiting, lastTransitionTime: typeof waiting.lastTransitionTime },
    {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message: failed.message,
      lastTransitionTime: 'string',
    },
  );
  // The binding itself sets PodScheduled True (upstream's BindingREST), replacing the reason.
  const fitting = podScheduledOf(await client.get(PODS, 'default', 'fits'));
  assert.deepEqual(
    { ...fitting, lastTransitionTime: typeof fitting?.lastTransitionTime },
    { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: 'string' },
  );

  // A bigger node arrives: the waiting pod is placed there without further prompting.
  await client.create(NODES, undefined, node('big', '8'));
  const placed = await until(async () => {
    const p = await client.get(PODS, 'default', 'too-big');
    return (p.spec as { nodeName?: string }).nodeName;
  }, 'too-big bound');
  assert.equal(placed, 'big');
  const after = await client.get(PODS, 'default', 'too-big');
  assert.equal(podScheduledOf(after)?.status, 'True');
  assert.equal(podScheduledOf(after)?.reason, undefined);
  assert.equal(
    (after.status as { conditions: unknown[] }).conditions.length,
    1,
    'one PodScheduled condition, not two',
  );
});

function podScheduledOf(p: KubeObject): Record<string, unknown> | undefined {
  const conditions = (p.status as { conditions?: Array<Record<string, unknown>> } | undefined)
    ?.conditions;
  return conditions?.find((c) => c.type === 'PodScheduled');
}

test('a burst of pods is spread over the nodes without over-committing one', async () => {
  for (let i = 0; i < 12; i++) {
    await client.create(PODS, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `burst-${i}`, labels: { app: 'burst' } },
      spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '250m' } } }] },
    });
  }
  const placement = await until(async () => {
    const list = await client.list(PODS, 'default', { labelSelector: 'app=burst' });
    const nodes = list.items.map((p) => (p.spec as { nodeName?: string }).nodeName);
    return nodes.every((n) => n) ? nodes : undefined;
  }, 'all burst pods bound');
  const on = (n: string) => placement.filter((x) => x === n).length;
  // small has 1 cpu with 500m used: room for 2 more of 250m; the rest must go to big.
  assert.ok(on('small') <= 2, `small got ${on('small')}`);
  assert.equal(on('small') + on('big'), 12);
});
