// The node lifecycle controller against a real API server, with an injected clock: a silent node
// turns Unknown and gets the unreachable taints; intolerant pods go at once, pods with the
// default 300 s toleration after it; a node that reports again loses the taints.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { Informer } from '../../src/client/informer.js';
import { KubeClient, type ResourceRef } from '../../src/client/rest.js';
import { LEASES, NODES, PODS } from '../../src/controllers/common.js';
import {
  desiredTaints,
  evictionTime,
  NodeLifecycleController,
} from '../../src/controllers/nodelifecycle/controller.js';
import { startTestApi, type TestApi } from '../support/apiserver.js';

const EVENTS: ResourceRef = { group: '', version: 'v1', resource: 'events', namespaced: true };

let api: TestApi;
let client: KubeClient;
let informers: { nodes: Informer; leases: Informer; pods: Informer };
let controller: NodeLifecycleController;
let now = new Date(Math.floor(Date.now() / 1000) * 1000);
const ts = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

async function until<T>(fn: () => Promise<T | undefined>, what: string): Promise<T> {
  const end = Date.now() + 15_000;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) {
      const n = await client.get(NODES, undefined, 'quiet').catch(() => undefined);
      throw new Error(
        `timed out waiting for ${what}: node is ${JSON.stringify([n?.spec, n?.status])}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Writes the node's Ready condition, retrying when the controller got there first. */
async function reportReady(at: Date): Promise<void> {
  for (;;) {
    const n = await client.get(NODES, undefined, 'quiet');
    const status = {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          lastHeartbeatTime: ts(at),
          lastTransitionTime: ts(at),
        },
      ],
    };
    try {
      await client.update(NODES, { ...n, status }, 'status');
      return;
    } catch (err) {
      if (!String(err).includes('the object has been modified')) throw err;
    }
  }
}

before(async () => {
  api = await startTestApi();
  client = new KubeClient({ server: api.url });
  informers = {
    nodes: new Informer(client, NODES),
    leases: new Informer(client, LEASES, { namespace: 'kube-node-lease' }),
    pods: new Informer(client, PODS),
  };
  await Promise.all(Object.values(informers).map((i) => i.start()));
  controller = new NodeLifecycleController(client, informers, () => {}, {
    clock: () => now,
    monitorPeriodMs: 100,
  });
  controller.start();
});

after(async () => {
  await controller.stop();
  await Promise.all(Object.values(informers).map((i) => i.stop()));
  await client.close();
  await api.stop();
});

test('pure rules: taints follow conditions; eviction times follow tolerations', () => {
  const node = (ready: string, extra: object = {}) =>
    ({
      metadata: { name: 'n' },
      spec: extra,
      status: { conditions: [{ type: 'Ready', status: ready }] },
    }) as KubeObject;
  assert.deepEqual(desiredTaints(node('True')), []);
  assert.deepEqual(desiredTaints(node('False', { unschedulable: true })), [
    { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
  ]);
  const taint = {
    key: 'node.kubernetes.io/unreachable',
    effect: 'NoExecute' as const,
    timeAdded: '2026-12-02T10:00:00Z',
  };
  const pod = (tolerations: object[]) => ({ metadata: {}, spec: { tolerations } }) as KubeObject;
  assert.equal(evictionTime(pod([]), [taint]), 0);
  assert.equal(evictionTime(pod([{ operator: 'Exists' }]), [taint]), undefined);
  assert.equal(
    evictionTime(
      pod([{ key: taint.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]),
      [taint],
    ),
    Date.parse('2026-12-02T10:05:00Z'),
  );
});

test('a silent node goes Unknown and tainted; pods are evicted as their tolerations say', async () => {
  await client.create(NODES, undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'quiet' },
  });
  await reportReady(now);
  const pod = (name: string, tolerations?: object[]): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      nodeName: 'quiet',
      containers: [{ name: 'c', image: 'x' }],
      ...(tolerations ? { tolerations } : {}),
    },
  });
  await client.create(PODS, 'default', pod('patient')); // gets the default 300 s tolerations
  const defaulted = await client.get(PODS, 'default', 'patient');
  assert.deepEqual((defaulted.spec as { tolerations: unknown }).tolerations, [
    {
      key: 'node.kubernetes.io/not-ready',
      operator: 'Exists',
      effect: 'NoExecute',
      tolerationSeconds: 300,
    },
    {
      key: 'node.kubernetes.io/unreachable',
      operator: 'Exists',
      effect: 'NoExecute',
      tolerationSeconds: 300,
    },
  ]);
  await client.create(
    PODS,
    'default',
    pod('intolerant', [
      { key: 'other', operator: 'Exists', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/unreachable', operator: 'Equal', value: 'x', effect: 'NoExecute' },
    ]),
  );
  await client.create(PODS, 'default', pod('forever', [{ operator: 'Exists' }]));

  // 45 s without a heartbeat (creation may lag the clock by a second):
  now = new Date(now.getTime() + 45_000); // past the 40 s grace period
  const unknown = await until(async () => {
    const n = await client.get(NODES, undefined, 'quiet');
    const taints = (
      n.spec as { taints?: Array<{ key: string; effect: string; timeAdded?: string }> }
    ).taints;
    return taints && taints.length === 2 ? n : undefined;
  }, 'unreachable taints');
  const ready = (unknown.status as { conditions: Array<Record<string, string>> }).conditions.find(
    (c) => c.type === 'Ready',
  );
  assert.deepEqual(
    [ready?.status, ready?.reason, ready?.message],
    ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'],
  );
  assert.deepEqual((unknown.spec as { taints: unknown }).taints, [
    { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: ts(now) },
  ]);
  const deleting = (name: string) => async () => {
    const p = await client.get(PODS, 'default', name).catch(() => undefined);
    return p === undefined || p.metadata.deletionTimestamp ? true : undefined;
  };
  await until(deleting('intolerant'), 'the intolerant pod evicted');
  const patient = await client.get(PODS, 'default', 'patient');
  assert.equal(patient.metadata.deletionTimestamp, undefined, 'tolerates for 300 s');

  now = new Date(now.getTime() + 301_000);
  await until(deleting('patient'), 'the patient pod evicted after 300 s');
  const forever = await client.get(PODS, 'default', 'forever');
  assert.equal(forever.metadata.deletionTimestamp, undefined, 'tolerates forever');
  const events = await client.list(EVENTS, 'default', {
    fieldSelector: 'involvedObject.name=patient',
  });
  assert.deepEqual(
    events.items.map((e) => [
      (e as unknown as { reason: string }).reason,
      (e as unknown as { message: string }).message,
    ]),
    [['TaintManagerEviction', 'Marking for deletion Pod default/patient']],
  );

  // The kubelet reports again: the taints go.
  await reportReady(now);
  await until(async () => {
    const x = await client.get(NODES, undefined, 'quiet');
    return (x.spec as { taints?: unknown[] }).taints === undefined ? true : undefined;
  }, 'taints removed');
});
