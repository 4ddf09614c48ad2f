// The StatefulSet controller, run by the controller manager against a real API server: pods come
// up one ordinal at a time as the test marks each Ready (through pods/status), with their PVCs,
// revisions and status checked exactly; a rolling update replaces pods from the highest ordinal
// down while the real `kubectl rollout status` watches; a partition stops it; scale-down goes in
// reverse order; Parallel creates all at once; deleting the set collects its pods and revisions.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { KubeClient, type ResourceRef } from '../../src/client/rest.js';
import { startControllerManager } from '../../src/controllers/manager.js';
import { KUBECTL, startTestApi, type TestApi } from '../support/apiserver.js';

const core = (resource: string): ResourceRef => ({
  group: '',
  version: 'v1',
  resource,
  namespaced: true,
});
const apps = (resource: string): ResourceRef => ({
  group: 'apps',
  version: 'v1',
  resource,
  namespaced: true,
});
const PODS = core('pods');
const PVCS = core('persistentvolumeclaims');
const EVENTS = core('events');
const STS = apps('statefulsets');
const REVISIONS = apps('controllerrevisions');

let api: TestApi;
let client: KubeClient;
let manager: { stop(): Promise<void> };

before(async () => {
  api = await startTestApi();
  client = new KubeClient({ server: api.url, timeoutMs: 5000 });
  manager = await startControllerManager(client, () => undefined, {
    volumesDir: join(tmpdir(), `kbox-statefulset-test-${process.pid}`),
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

/** `kubectl rollout status` in the background: its first line, then all it printed and its code. */
function watchRollout(target: string): {
  first: Promise<string>;
  done: Promise<{ stdout: string; code: number }>;
} {
  const child = spawn(KUBECTL, [
    '--kubeconfig',
    api.kubeconfig,
    'rollout',
    'status',
    target,
    '--timeout=30s',
  ]);
  let stdout = '';
  let resolveFirst: (line: string) => void = () => undefined;
  const first = new Promise<string>((r) => (resolveFirst = r));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    if (stdout.includes('\n')) resolveFirst(stdout.slice(0, stdout.indexOf('\n') + 1));
  });
  const done = new Promise<{ stdout: string; code: number }>((resolve) =>
    child.on('close', (code) => {
      resolveFirst(stdout);
      resolve({ stdout, code: code ?? 1 });
    }),
  );
  return { first, done };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const podNames = async (app: string): Promise<string[]> =>
  (await client.list(PODS, 'default', { labelSelector: `app=${app}` })).items
    .map((p) => p.metadata.name ?? '')
    .sort();

async function setReady(name: string): Promise<void> {
  const pod = await client.get(PODS, 'default', name);
  pod.status = {
    ...(pod.status ?? {}),
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }],
  };
  await client.update(PODS, pod, 'status');
}

const revisionOf = async (name: string): Promise<string> =>
  (await client.get(PODS, 'default', name)).metadata.labels?.['controller-revision-hash'] ?? '';

const status = async (name: string): Promise<Record<string, unknown>> =>
  ((await client.get(STS, 'default', name)).status ?? {}) as Record<string, unknown>;

async function messages(name: string): Promise<string[]> {
  const events = (await client.list(EVENTS, 'default')).items as Array<
    KubeObject & { involvedObject?: { name?: string; kind?: string }; message?: string }
  >;
  return (
    events
      .filter((e) => e.involvedObject?.kind === 'StatefulSet' && e.involvedObject.name === name)
      // Written in order; the store's revisions order them finer than the one-second timestamps.
      .sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion))
      .map((e) => `${(e as { reason?: string }).reason ?? ''}: ${e.message ?? ''}`)
  );
}

const web = (image: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web' },
  spec: {
    replicas: 3,
    serviceName: 'web',
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', image }] },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    ],
    ...extra,
  },
});

test('OrderedReady: pods, claims, revisions, status, rolling update, partition, scale-down', async () => {
  const set = await client.create(STS, 'default', web('busybox:1'));
  const uid = set.metadata.uid ?? '';

  // web-0 alone until it is Running and Ready.
  await eventually(
    'web-0',
    () => podNames('web'),
    (n) => n.length === 1,
  );
  await sleep(300);
  assert.deepEqual(await podNames('web'), ['web-0']);
  const pod0 = await client.get(PODS, 'default', 'web-0');
  const rev1 = pod0.metadata.labels?.['controller-revision-hash'] ?? '';
  assert.match(rev1, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.deepEqual(pod0.metadata.labels, {
    app: 'web',
    'statefulset.kubernetes.io/pod-name': 'web-0',
    'apps.kubernetes.io/pod-index': '0',
    'controller-revision-hash': rev1,
  });
  assert.deepEqual(pod0.metadata.ownerReferences, [
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      name: 'web',
      uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  const spec0 = pod0.spec as {
    hostname?: string;
    subdomain?: string;
    volumes?: Array<{ name: string }>;
  };
  assert.equal(spec0.hostname, 'web-0');
  assert.equal(spec0.subdomain, 'web');
  // The claim's volume from the template, then the service account token volume admission adds.
  assert.deepEqual(spec0.volumes?.[0], {
    name: 'data',
    persistentVolumeClaim: { claimName: 'data-web-0' },
  });
  assert.match(spec0.volumes?.[1]?.name ?? '', /^kube-api-access-[a-z0-9]{5}$/);
  assert.equal(spec0.volumes?.length, 2);
  const pvc0 = await client.get(PVCS, 'default', 'data-web-0');
  assert.deepEqual(pvc0.metadata.labels, { app: 'web' });
  assert.equal(pvc0.metadata.ownerReferences, undefined);
  assert.deepEqual((pvc0.spec as { resources?: unknown }).resources, {
    requests: { storage: '1Gi' },
  });

  // Each next ordinal only after the previous one is Ready.
  await setReady('web-0');
  await eventually(
    'web-1',
    () => podNames('web'),
    (n) => n.length === 2,
  );
  await sleep(300);
  assert.deepEqual(await podNames('web'), ['web-0', 'web-1']);
  await setReady('web-1');
  await eventually(
    'web-2',
    () => podNames('web'),
    (n) => n.length === 3,
  );
  await setReady('web-2');

  let st = await eventually(
    'status after scale-up',
    () => status('web'),
    (s) => s.readyReplicas === 3 && s.currentReplicas === 3,
  );
  assert.deepEqual(st, {
    observedGeneration: 1,
    replicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
    currentReplicas: 3,
    updatedReplicas: 3,
    currentRevision: rev1,
    updateRevision: rev1,
    collisionCount: 0,
  });
  const cr1 = await client.get(REVISIONS, 'default', rev1);
  assert.equal((cr1 as { revision?: number }).revision, 1);
  assert.deepEqual(cr1.metadata.labels, {
    app: 'web',
    'controller.kubernetes.io/hash': rev1.slice('web-'.length),
  });
  const data = (cr1 as { data?: { spec?: { template?: Record<string, unknown> } } }).data;
  assert.deepEqual(Object.keys(data ?? {}), ['spec']);
  assert.equal(data?.spec?.template?.$patch, 'replace');
  assert.equal(
    (data?.spec?.template?.spec as { containers: Array<{ image: string }> }).containers[0]?.image,
    'busybox:1',
  );
  assert.deepEqual((await client.list(PVCS, 'default')).items.map((p) => p.metadata.name).sort(), [
    'data-web-0',
    'data-web-1',
    'data-web-2',
  ]);
  assert.deepEqual(await messages('web'), [
    'SuccessfulCreate: create Claim data-web-0 Pod web-0 in StatefulSet web success',
    'SuccessfulCreate: create Pod web-0 in StatefulSet web successful',
    'SuccessfulCreate: create Claim data-web-1 Pod web-1 in StatefulSet web success',
    'SuccessfulCreate: create Pod web-1 in StatefulSet web successful',
    'SuccessfulCreate: create Claim data-web-2 Pod web-2 in StatefulSet web success',
    'SuccessfulCreate: create Pod web-2 in StatefulSet web successful',
  ]);
  // Defaulted like upstream to a RollingUpdate with partition 0, which kubectl reports so.
  assert.deepEqual(
    ((await client.get(STS, 'default', 'web')).spec as { updateStrategy?: unknown }).updateStrategy,
    {
      type: 'RollingUpdate',
      rollingUpdate: { partition: 0 },
    },
  );
  let out = await api.kubectl(['rollout', 'status', 'statefulset/web', '--timeout=10s']);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, 'partitioned roll out complete: 3 new pods have been updated...\n');
  out = await api.kubectl(['get', 'controllerrevisions']);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, new RegExp(`^${rev1}\\s+statefulset.apps/web\\s+1\\s+`, 'm'));

  // A template change: replaced from web-2 down to web-0, each after the one above is Ready,
  // while kubectl rollout status watches.
  await client.patch(STS, 'default', 'web', {
    spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } },
  });
  const rev2 = await eventually(
    'update revision',
    async () => String((await status('web')).updateRevision),
    (r) => r !== rev1 && r !== 'undefined',
  );
  const watching = watchRollout('statefulset/web');
  assert.match(
    await watching.first,
    /^Waiting for (partitioned roll out to finish: 0 out of 3 new pods have been updated|1 pods to be ready)\.\.\.\n$/,
  );
  for (const name of ['web-2', 'web-1', 'web-0']) {
    await eventually(
      `${name} at the new revision`,
      () => revisionOf(name),
      (r) => r === rev2,
    );
    for (const other of ['web-0', 'web-1', 'web-2'].filter((n) => n < name)) {
      assert.equal(await revisionOf(other), rev1, `${other} still at the old revision`);
    }
    await setReady(name);
  }
  const watched = await watching.done;
  assert.equal(watched.code, 0);
  assert.ok(
    watched.stdout.endsWith('partitioned roll out complete: 3 new pods have been updated...\n'),
    watched.stdout,
  );
  st = await eventually(
    'rolled out',
    () => status('web'),
    (s) => s.currentRevision === rev2,
  );
  assert.equal(st.updatedReplicas, 3);
  assert.equal(st.currentReplicas, 3);
  assert.equal(st.observedGeneration, 2);
  assert.equal(
    ((await client.get(REVISIONS, 'default', rev2)) as { revision?: number }).revision,
    2,
  );
  const deletes = (await messages('web')).filter((m) => m.startsWith('SuccessfulDelete'));
  assert.deepEqual(deletes, [
    'SuccessfulDelete: delete Pod web-2 in StatefulSet web successful',
    'SuccessfulDelete: delete Pod web-1 in StatefulSet web successful',
    'SuccessfulDelete: delete Pod web-0 in StatefulSet web successful',
  ]);

  // A partition of 2: only web-2 moves to the third revision.
  await client.patch(STS, 'default', 'web', {
    spec: {
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
      template: { spec: { containers: [{ name: 'c', image: 'busybox:3' }] } },
    },
  });
  const rev3 = await eventually(
    'third revision',
    async () => String((await status('web')).updateRevision),
    (r) => r !== rev2,
  );
  await eventually(
    'web-2 at rev3',
    () => revisionOf('web-2'),
    (r) => r === rev3,
  );
  await setReady('web-2');
  st = await eventually(
    'partitioned status',
    () => status('web'),
    (s) => s.updatedReplicas === 1 && s.readyReplicas === 3,
  );
  assert.equal(st.currentRevision, rev2);
  assert.equal(st.currentReplicas, 2);
  assert.equal(await revisionOf('web-1'), rev2);
  assert.equal(await revisionOf('web-0'), rev2);
  out = await api.kubectl(['rollout', 'status', 'statefulset/web', '--timeout=10s']);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, 'partitioned roll out complete: 1 new pods have been updated...\n');
  // Rolling back to the second template reuses its revision, renumbered as the newest.
  await client.patch(STS, 'default', 'web', {
    spec: {
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } },
    },
  });
  await eventually(
    'rollback to rev2',
    () => revisionOf('web-2'),
    (r) => r === rev2,
  );
  await setReady('web-2');
  st = await eventually(
    'back at rev2',
    () => status('web'),
    (s) => s.updateRevision === rev2 && s.readyReplicas === 3 && s.currentRevision === rev2,
  );
  assert.equal(
    ((await client.get(REVISIONS, 'default', rev2)) as { revision?: number }).revision,
    4,
  );

  out = await api.kubectl(['rollout', 'history', 'statefulset/web']);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(
    out.stdout,
    'statefulset.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n3         <none>\n4         <none>\n\n',
  );

  // Scale down through the scale subresource: web-2 first, then web-1; the claims stay.
  out = await api.kubectl(['scale', 'statefulset/web', '--replicas=1']);
  assert.equal(out.code, 0, out.stderr);
  await eventually(
    'scaled down',
    () => podNames('web'),
    (n) => n.length === 1,
  );
  assert.deepEqual(await podNames('web'), ['web-0']);
  assert.deepEqual(
    (await messages('web')).filter((m) => m.startsWith('SuccessfulDelete')).slice(-2),
    [
      'SuccessfulDelete: delete Pod web-2 in StatefulSet web successful',
      'SuccessfulDelete: delete Pod web-1 in StatefulSet web successful',
    ],
  );
  st = await eventually(
    'status after scale-down',
    () => status('web'),
    (s) => s.replicas === 1,
  );
  assert.equal(st.readyReplicas, 1);
  assert.equal((await client.list(PVCS, 'default')).items.length, 3);

  // Deleting the set: the garbage collector removes its pods and revisions, claims stay.
  await client.delete(STS, 'default', 'web');
  await eventually(
    'pods collected',
    () => podNames('web'),
    (n) => n.length === 0,
  );
  await eventually(
    'revisions collected',
    async () =>
      (await client.list(REVISIONS, 'default')).items.filter((r) =>
        r.metadata.name?.startsWith('web-'),
      ),
    (l) => l.length === 0,
  );
  assert.equal((await client.list(PVCS, 'default')).items.length, 3);
});

test('Parallel creates every ordinal at once; claims follow the retention policy', async () => {
  const set = await client.create(STS, 'default', {
    ...web('busybox:1'),
    metadata: { name: 'par' },
    spec: {
      ...(web('busybox:1').spec as Record<string, unknown>),
      selector: { matchLabels: { app: 'par' } },
      template: {
        metadata: { labels: { app: 'par' } },
        spec: { containers: [{ name: 'c', image: 'busybox:1' }] },
      },
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate' },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' },
    },
  });
  await eventually(
    'three pods',
    () => podNames('par'),
    (n) => n.length === 3,
  );
  assert.deepEqual(await podNames('par'), ['par-0', 'par-1', 'par-2']);
  const pvc = await client.get(PVCS, 'default', 'data-par-1');
  assert.deepEqual(pvc.metadata.ownerReferences, [
    { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'par', uid: set.metadata.uid },
  ]);
  assert.deepEqual(pvc.metadata.labels, { app: 'par' });
  const st = await eventually(
    'status',
    () => status('par'),
    (s) => s.replicas === 3,
  );
  assert.equal(st.readyReplicas, 0);
  let out = await api.kubectl(['rollout', 'status', 'statefulset/par', '--timeout=1s']);
  assert.notEqual(out.code, 0);
  assert.match(out.stdout, /^Waiting for 3 pods to be ready\.\.\.\n/);
  for (const n of ['par-0', 'par-1', 'par-2']) await setReady(n);
  const ready = await eventually(
    'ready',
    () => status('par'),
    (s) => s.readyReplicas === 3,
  );
  const done = await api.kubectl(['rollout', 'status', 'statefulset/par', '--timeout=10s']);
  assert.equal(done.code, 0, done.stderr);
  assert.equal(
    done.stdout,
    `statefulset rolling update complete 3 pods at revision ${String(ready.updateRevision)}...\n`,
  );
  // The first revision is named after the template's data hash, as upstream names it.
  assert.match(String(ready.updateRevision), /^par-[bcdfghjklmnpqrstvwxz2456789]{8,10}$/);

  // Identity labels removed by hand come back.
  await client.patch(PODS, 'default', 'par-0', {
    metadata: { labels: { 'apps.kubernetes.io/pod-index': null } },
  });
  await eventually(
    'identity restored',
    async () => (await client.get(PODS, 'default', 'par-0')).metadata.labels,
    (l) => l?.['apps.kubernetes.io/pod-index'] === '0',
  );
  assert.ok(
    (await messages('par')).includes(
      'SuccessfulUpdate: update Pod par-0 in StatefulSet par successful',
    ),
  );

  // whenScaled Delete: a scaled-down pod's claim is handed to the pod and collected with it.
  const par2 = await client.get(PODS, 'default', 'par-2');
  out = await api.kubectl(['scale', 'statefulset/par', '--replicas=2']);
  assert.equal(out.code, 0, out.stderr);
  await eventually(
    'par-2 gone',
    () => podNames('par'),
    (n) => n.length === 2,
  );
  await eventually(
    'data-par-2 collected',
    async () => (await client.list(PVCS, 'default')).items.map((p) => p.metadata.name).sort(),
    (l) => JSON.stringify(l).includes('data-par-1') && !l.includes('data-par-2'),
  );
  assert.ok(par2.metadata.uid);
  assert.deepEqual((await client.get(PVCS, 'default', 'data-par-1')).metadata.ownerReferences, [
    { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'par', uid: set.metadata.uid },
  ]);

  await client.delete(STS, 'default', 'par');
  await eventually(
    'pods collected',
    () => podNames('par'),
    (n) => n.length === 0,
  );
  await eventually(
    'claims collected',
    async () =>
      (await client.list(PVCS, 'default')).items.filter(
        (p) => p.metadata.name?.endsWith('-par-0') || p.metadata.name?.includes('-par-'),
      ),
    (l) => l.length === 0,
  );
});
