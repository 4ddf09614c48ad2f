// The DaemonSet controller, run by the controller manager against a real API server with Node
// objects the test creates: one pod per eligible node (selector, taints and the daemon default
// tolerations), pinned by node-name affinity; nodes joining, leaving and being tainted; a rolling
// update one node at a time within maxUnavailable while the real `kubectl rollout status` waits.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { KubeClient, type ResourceRef } from '../../src/client/rest.js';
import { startControllerManager } from '../../src/controllers/manager.js';
import { startTestApi, type TestApi } from '../support/apiserver.js';

const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };
const NODES: ResourceRef = { group: '', version: 'v1', resource: 'nodes', namespaced: false };
const EVENTS: ResourceRef = { group: '', version: 'v1', resource: 'events', namespaced: true };
const DS: ResourceRef = { group: 'apps', version: 'v1', resource: 'daemonsets', namespaced: true };
const REVISIONS: ResourceRef = {
  group: 'apps',
  version: 'v1',
  resource: 'controllerrevisions',
  namespaced: true,
};

let api: TestApi;
let client: KubeClient;
let manager: { stop(): Promise<void> };

before(async () => {
  api = await startTestApi();
  client = new KubeClient({ server: api.url, timeoutMs: 5000 });
  manager = await startControllerManager(client, () => undefined, {
    volumesDir: join(tmpdir(), `kbox-daemonset-test-${process.pid}`),
  });
});

after(async () => {
  await manager.stop();
  await client.close();
  await api.stop();
});

async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 10_000,
): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined;
  for (;;) {
    try {
      last = await probe();
      if (ok(last)) return last;
    } catch {
      // Not there yet.
    }
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function nodeOf(pod: KubeObject): string {
  const terms = (
    pod.spec as {
      affinity?: {
        nodeAffinity?: {
          requiredDuringSchedulingIgnoredDuringExecution?: {
            nodeSelectorTerms?: Array<{ matchFields?: Array<{ values?: string[] }> }>;
          };
        };
      };
    }
  ).affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return terms?.[0]?.matchFields?.[0]?.values?.[0] ?? '';
}

const pods = async (): Promise<KubeObject[]> =>
  (await client.list(PODS, 'default', { labelSelector: 'app=agent' })).items.filter(
    (p) => !p.metadata.deletionTimestamp,
  );
const placement = async (): Promise<string[]> =>
  (await pods())
    .map((p) => `${nodeOf(p)}:${p.metadata.labels?.['controller-revision-hash'] ?? ''}`)
    .sort();

async function setReady(pod: KubeObject): Promise<void> {
  const fresh = await client.get(PODS, 'default', pod.metadata.name ?? '');
  fresh.status = {
    ...(fresh.status ?? {}),
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }],
  };
  await client.update(PODS, fresh, 'status');
}

const status = async (): Promise<Record<string, unknown>> =>
  ((await client.get(DS, 'default', 'agent')).status ?? {}) as Record<string, unknown>;

async function node(name: string, spec: Record<string, unknown> = {}, labels = {}): Promise<void> {
  await client.create(NODES, undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec,
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  });
}

const DEFAULT_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

test('one pod per eligible node, following nodes, rolling update within maxUnavailable', async () => {
  await node('n1');
  await node('n2');
  // Tainted: not eligible. Cordoned (with the taint upstream's node controller adds): eligible.
  await node('n3', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] });
  await node('n4', {
    unschedulable: true,
    taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }],
  });
  // Not matching the node selector.
  await node('w1', {}, { role: 'windows' });

  const ds = await client.create(DS, 'default', {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: {
        metadata: { labels: { app: 'agent' } },
        spec: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'role', operator: 'DoesNotExist' }] },
                ],
              },
            },
          },
          containers: [{ name: 'c', image: 'busybox:1' }],
        },
      },
    },
  });
  assert.deepEqual((ds.spec as { updateStrategy?: unknown }).updateStrategy, {
    type: 'RollingUpdate',
    rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
  });
  let list = await eventually('three daemon pods', pods, (l) => l.length === 3);
  await sleep(300);
  list = await pods();
  assert.equal(list.length, 3);
  const hash1 = list[0]?.metadata.labels?.['controller-revision-hash'] ?? '';
  assert.match(hash1, /^[bcdfghjklmnpqrstvwxz2456789]{8,10}$/);
  assert.deepEqual(await placement(), [`n1:${hash1}`, `n2:${hash1}`, `n4:${hash1}`]);
  const p1 = list.find((p) => nodeOf(p) === 'n1');
  assert.ok(p1);
  assert.match(p1.metadata.name ?? '', /^agent-[a-z0-9]{5}$/);
  assert.deepEqual(p1.metadata.labels, {
    app: 'agent',
    'controller-revision-hash': hash1,
    'pod-template-generation': '1',
  });
  assert.deepEqual(p1.metadata.ownerReferences, [
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      name: 'agent',
      uid: ds.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  const spec1 = p1.spec as { tolerations?: unknown; affinity?: unknown };
  assert.deepEqual(spec1.tolerations, DEFAULT_TOLERATIONS);
  assert.deepEqual(spec1.affinity, {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] },
        ],
      },
    },
  });
  const rev1 = await client.get(REVISIONS, 'default', `agent-${hash1}`);
  assert.equal((rev1 as { revision?: number }).revision, 1);
  assert.deepEqual(rev1.metadata.labels, { app: 'agent', 'controller-revision-hash': hash1 });

  let st = await eventually('status', status, (s) => s.currentNumberScheduled === 3);
  assert.deepEqual(st, {
    currentNumberScheduled: 3,
    numberMisscheduled: 0,
    desiredNumberScheduled: 3,
    numberReady: 0,
    observedGeneration: 1,
    updatedNumberScheduled: 3,
    numberUnavailable: 3,
  });
  let out = await api.kubectl(['rollout', 'status', 'daemonset/agent', '--timeout=1s']);
  assert.notEqual(out.code, 0);
  assert.equal(
    out.stdout,
    'Waiting for daemon set "agent" rollout to finish: 0 of 3 updated pods are available...\n',
  );
  for (const p of list) await setReady(p);
  st = await eventually('ready', status, (s) => s.numberAvailable === 3);
  assert.deepEqual(st, {
    currentNumberScheduled: 3,
    numberMisscheduled: 0,
    desiredNumberScheduled: 3,
    numberReady: 3,
    observedGeneration: 1,
    updatedNumberScheduled: 3,
    numberAvailable: 3,
  });
  out = await api.kubectl(['rollout', 'status', 'daemonset/agent', '--timeout=10s']);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, 'daemon set "agent" successfully rolled out\n');
  out = await api.kubectl(['get', 'daemonset', 'agent']);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /^agent\s+3\s+3\s+3\s+3\s+3\s+<none>\s+/m);

  // The taint goes from n3: a pod follows. A NoExecute taint on n4 evicts its pod.
  await client.patch(NODES, undefined, 'n3', { spec: { taints: null } });
  await eventually('pod on n3', placement, (l) => l.includes(`n3:${hash1}`));
  await client.patch(NODES, undefined, 'n4', {
    spec: { taints: [{ key: 'evict', effect: 'NoExecute' }] },
  });
  await eventually('pod off n4', placement, (l) => !l.some((p) => p.startsWith('n4:')));
  // A node leaves: its pod goes too.
  await client.delete(NODES, undefined, 'n2');
  await eventually('pod off n2', placement, (l) => l.length === 2);
  assert.deepEqual(await placement(), [`n1:${hash1}`, `n3:${hash1}`]);
  for (const p of await pods()) await setReady(p);
  await eventually(
    'available again',
    status,
    (s) => s.numberAvailable === 2 && s.desiredNumberScheduled === 2,
  );

  // A new template: one node at a time (maxUnavailable 1), each after the last is available.
  await client.patch(DS, 'default', 'agent', {
    spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } },
  });
  const hash2 = await eventually(
    'second revision',
    async () =>
      (await client.list(REVISIONS, 'default')).items
        .map((r) => r.metadata.labels?.['controller-revision-hash'] ?? '')
        .filter((h) => h !== hash1),
    (l) => l.length === 1,
  ).then((l) => l[0] ?? '');
  const watching = api.kubectl(['rollout', 'status', 'daemonset/agent', '--timeout=30s']);
  for (let i = 0; i < 2; i++) {
    const l = await eventually(
      `update ${i + 1}`,
      placement,
      (x) => x.filter((p) => p.endsWith(hash2)).length === i + 1 && x.length === 2,
    );
    assert.equal(l.filter((p) => p.endsWith(hash1)).length, 1 - i);
    const fresh = (await pods()).find(
      (p) =>
        p.metadata.labels?.['controller-revision-hash'] === hash2 &&
        (p.status as { phase?: string }).phase !== 'Running',
    );
    assert.ok(fresh);
    assert.equal(fresh.metadata.labels?.['pod-template-generation'], '2');
    await sleep(200);
    // Still only one node changed until that pod is available.
    assert.equal((await placement()).filter((p) => p.endsWith(hash2)).length, i + 1);
    await setReady(fresh);
  }
  out = await watching;
  assert.equal(out.code, 0, out.stderr);
  assert.ok(out.stdout.endsWith('daemon set "agent" successfully rolled out\n'), out.stdout);
  st = await eventually(
    'rolled out',
    status,
    (s) => s.numberAvailable === 2 && s.updatedNumberScheduled === 2,
  );
  assert.equal(st.observedGeneration, 2);
  const rev2 = await client.get(REVISIONS, 'default', `agent-${hash2}`);
  assert.equal((rev2 as { revision?: number }).revision, 2);

  const events = (await client.list(EVENTS, 'default')).items as Array<
    KubeObject & { reason?: string; message?: string; involvedObject?: { kind?: string } }
  >;
  const created = events.filter(
    (e) => e.involvedObject?.kind === 'DaemonSet' && e.reason === 'SuccessfulCreate',
  );
  assert.equal(created.length, 6); // n1, n2, n4, then n3, then n1 and n3 again
  for (const e of created) assert.match(e.message ?? '', /^Created pod: agent-[a-z0-9]{5}$/);
  const deleted = events.filter(
    (e) => e.involvedObject?.kind === 'DaemonSet' && e.reason === 'SuccessfulDelete',
  );
  assert.equal(deleted.length, 4); // n4 (NoExecute), n2 (gone), n1 and n3 (update)
  for (const e of deleted) assert.match(e.message ?? '', /^Deleted pod: agent-[a-z0-9]{5}$/);

  // kubectl reads the history from the ControllerRevisions and rolls back with their data.
  out = await api.kubectl(['rollout', 'history', 'daemonset/agent']);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(
    out.stdout,
    'daemonset.apps/agent \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n',
  );
  out = await api.kubectl(['rollout', 'undo', 'daemonset/agent']);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, 'daemonset.apps/agent rolled back\n');
  // The first template is back: its revision becomes the newest and pods move back to it.
  await eventually(
    'revision renumbered',
    async () =>
      (await client.list(REVISIONS, 'default')).items
        .map((r) => `${r.metadata.name ?? ''}=${String((r as { revision?: number }).revision)}`)
        .sort(),
    (l) => JSON.stringify(l) === JSON.stringify([`agent-${hash1}=3`, `agent-${hash2}=2`]),
  );
  await eventually('one node back at the first template', placement, (l) =>
    l.some((p) => p.endsWith(hash1)),
  );

  // Deleting the DaemonSet collects its pods and revisions.
  await client.delete(DS, 'default', 'agent');
  await eventually('pods collected', pods, (l) => l.length === 0);
  await eventually(
    'revisions collected',
    async () => (await client.list(REVISIONS, 'default')).items,
    (l) => l.length === 0,
  );
});
