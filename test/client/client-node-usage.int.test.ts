// What users of the official JavaScript client (@kubernetes/client-node 1.x) commonly do, against
// a real kbox API server: the Watch class (bookmarks, server-side timeout, 410 as an ERROR event),
// informers with selectors, server-side apply and its conflicts, typed calls on subresources,
// collection deletes and paging, error shapes, the Metrics class and kubeconfig files.
// Exec, Attach and PortForward need a kubelet that runs containers (Docker), so they are left to
// the e2e tests; their refusals reach client-node only as the WebSocket library's
// "Unexpected server response: <code>", as they do from a real API server.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  ListWatch,
  Metrics,
  PatchStrategy,
  Watch,
  makeInformer,
  setHeaderOptions,
  type ApiException,
  type V1Pod,
  type V1Status,
} from '@kubernetes/client-node';
import { ApiServer } from '../../src/apiserver/server.js';
import { generateClusterPki, type ClusterPki } from '../../src/apiserver/tls.js';
import { renderKubeconfig, standaloneKubeconfig } from '../../src/cli/kubeconfig.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';

const storage = new SqliteStorage({ path: ':memory:', retainRevisions: 5 });
let server: ApiServer;
let url: string;
let pki: ClusterPki;
const token = 'client-node-usage-token';
const kc = new KubeConfig();
const dir = mkdtempSync(join(tmpdir(), 'kbox-client-node-'));

before(async () => {
  pki = await generateClusterPki({ commonName: 'kbox-test', hosts: ['127.0.0.1'] });
  server = new ApiServer({
    storage,
    port: 0,
    tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert },
    auth: { token },
    kubeletToken: 'kubelet-token',
  });
  url = await server.start();
  kc.loadFromOptions({
    clusters: [{ name: 'kbox', server: url, caData: Buffer.from(pki.caCert).toString('base64') }],
    users: [{ name: 'kbox', token }],
    contexts: [{ name: 'kbox', cluster: 'kbox', user: 'kbox' }],
    currentContext: 'kbox',
  });
});
after(async () => {
  await server.stop();
  storage.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The ApiException a typed call rejects with: its code and its body parsed as a Status. */
async function failure(p: Promise<unknown>): Promise<{ code: number; status: V1Status }> {
  try {
    await p;
  } catch (err) {
    const e = err as ApiException<string>;
    assert.equal(typeof e.code, 'number', String(err));
    return { code: e.code, status: JSON.parse(e.body) as V1Status };
  }
  throw new Error('the call succeeded');
}

/** A request with the test's credentials, answered as is (no client-node parsing). */
async function raw(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; contentType: string | undefined; body: string }> {
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const target = new URL(path, url);
  return new Promise((resolve, reject) => {
    const headers = { ...opts.headers, 'content-type': 'application/json' };
    const req = httpsRequest(target, { ...opts, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body }),
      );
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function namespace(name: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
}

const pod = (name: string, labels: Record<string, string> = {}, nodeName?: string): V1Pod => ({
  metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...(nodeName ? { nodeName } : {}) },
});

test('Watch: ADDED, MODIFIED, DELETED, a BOOKMARK 2s before the deadline, then done()', async () => {
  const core = kc.makeApiClient(CoreV1Api);
  await namespace('watch');
  const list = await core.listNamespacedConfigMap({ namespace: 'watch' });
  const events: Array<{ phase: string; at: number; kind?: string; name?: string; rv?: string }> =
    [];
  const start = Date.now();
  const done = new Promise<unknown>((resolve) => {
    void new Watch(kc).watch(
      '/api/v1/namespaces/watch/configmaps',
      {
        resourceVersion: list.metadata?.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: 4,
      },
      (phase, obj: { kind?: string; apiVersion?: string; metadata?: Record<string, string> }) => {
        events.push({
          phase,
          at: Date.now() - start,
          kind: obj.kind,
          name: obj.metadata?.name,
          rv: obj.metadata?.resourceVersion,
        });
      },
      resolve,
    );
  });
  await core.createNamespacedConfigMap({ namespace: 'watch', body: { metadata: { name: 'a' } } });
  await core.patchNamespacedConfigMap({
    name: 'a',
    namespace: 'watch',
    body: [{ op: 'add', path: '/data', value: { k: 'v' } }],
  });
  await core.deleteNamespacedConfigMap({ name: 'a', namespace: 'watch' });
  assert.equal(await done, null, 'done() without an error when the server ends the watch');
  assert.ok(Date.now() - start >= 3900, 'not before timeoutSeconds');
  assert.deepEqual(
    events.map((e) => `${e.phase} ${e.kind ?? ''} ${e.name ?? ''}`),
    ['ADDED ConfigMap a', 'MODIFIED ConfigMap a', 'DELETED ConfigMap a', 'BOOKMARK ConfigMap '],
  );
  // The cacher's nextBookmarkTime: 2s before a watch's deadline, at the latest revision seen.
  const [, , deleted, bookmark] = events;
  assert.ok(bookmark && deleted);
  assert.ok(bookmark.at >= 1900 && bookmark.at < 3500, `bookmark at ${bookmark.at}ms`);
  assert.equal(bookmark.rv, deleted.rv);
});

test('Watch: a compacted resourceVersion is an ERROR event carrying a 410 Expired Status', async () => {
  const core = kc.makeApiClient(CoreV1Api);
  await namespace('watch-gone');
  const rv = (await core.listNamespacedConfigMap({ namespace: 'watch-gone' })).metadata
    ?.resourceVersion;
  for (let i = 0; i < 8; i++) {
    await core.createNamespacedConfigMap({
      namespace: 'watch-gone',
      body: { metadata: { name: `cm-${i}` } },
    });
  }
  storage.compact();
  const events: Array<[string, V1Status]> = [];
  const err = await new Promise<unknown>((resolve) => {
    void new Watch(kc).watch(
      '/api/v1/namespaces/watch-gone/configmaps',
      { resourceVersion: rv, allowWatchBookmarks: true },
      (phase, obj: V1Status) => events.push([phase, obj]),
      resolve,
    );
  });
  assert.equal(err, null);
  assert.equal(events.length, 1);
  const [phase, status] = events[0] ?? [];
  assert.equal(phase, 'ERROR');
  assert.equal(status?.kind, 'Status');
  assert.equal(status?.apiVersion, 'v1');
  assert.equal(status?.status, 'Failure');
  assert.equal(status?.reason, 'Expired');
  assert.equal(status?.code, 410);
  assert.match(status?.message ?? '', /^too old resource version: \d+ \(\d+\)$/);
});

test('makeInformer with a label selector, and a ListWatch with a field selector: add, update, delete, stop and start', async () => {
  const core = kc.makeApiClient(CoreV1Api);
  const ns = 'informers';
  await namespace(ns);
  await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'in', labels: { app: 'x' } } },
  });
  await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'out', labels: { app: 'y' } } },
  });
  const path = `/api/v1/namespaces/${ns}/configmaps`;
  const informer = makeInformer(
    kc,
    path,
    () => core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'app=x' }),
    'app=x',
  );
  const seen: string[] = [];
  const errors: unknown[] = [];
  informer.on('add', (o) => seen.push(`add ${o.metadata?.name ?? ''}`));
  informer.on('update', (o) => seen.push(`update ${o.metadata?.name ?? ''} ${o.data?.v ?? ''}`));
  informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name ?? ''}`));
  informer.on('error', (e) => errors.push(e));
  await informer.start();
  await until('the first list', () => seen.includes('add in'));
  await core.patchNamespacedConfigMap(
    { name: 'in', namespace: ns, body: { data: { v: '1' } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await core.patchNamespacedConfigMap(
    { name: 'out', namespace: ns, body: { data: { v: '1' } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await until('the update', () => seen.includes('update in 1'));
  // Relabelled out of the selector: a watch sends DELETED for it.
  await core.patchNamespacedConfigMap(
    { name: 'in', namespace: ns, body: { metadata: { labels: { app: 'z' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await until('the delete', () => seen.includes('delete in'));
  await informer.stop();
  await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'later', labels: { app: 'x' } } },
  });
  await informer.start();
  await until('the add after a restart', () => seen.includes('add later'));
  assert.deepEqual(seen, ['add in', 'update in 1', 'delete in', 'add later']);
  assert.deepEqual(
    informer.list(ns).map((c) => c.metadata?.name),
    ['later'],
  );
  await informer.stop();
  assert.deepEqual(
    errors.filter((e) => (e as Error).name !== 'AbortError'),
    [],
  );

  // Field selectors (metadata.name) on both the list and the watch.
  const byName = new ListWatch(
    path,
    new Watch(kc),
    () => core.listNamespacedConfigMap({ namespace: ns, fieldSelector: 'metadata.name=out' }),
    false,
    undefined,
    'metadata.name=out',
  );
  const names: string[] = [];
  byName.on('add', (o) => names.push(`add ${o.metadata?.name ?? ''}`));
  byName.on('delete', (o) => names.push(`delete ${o.metadata?.name ?? ''}`));
  await byName.start();
  await until('the field-selected list', () => names.includes('add out'));
  await core.deleteNamespacedConfigMap({ name: 'later', namespace: ns });
  await core.deleteNamespacedConfigMap({ name: 'out', namespace: ns });
  await until('the field-selected delete', () => names.includes('delete out'));
  assert.deepEqual(names, ['add out', 'delete out']);
  await byName.stop();
});

test('server-side apply through client-node: fieldManager, conflicts as a 409 Status with causes, force', async () => {
  const core = kc.makeApiClient(CoreV1Api);
  const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa' }, data: { a: '1' } };
  const created = await core.patchNamespacedConfigMap(
    { name: 'ssa', namespace: 'default', body, fieldManager: 'first' },
    apply,
  );
  assert.deepEqual(created.data, { a: '1' });
  assert.deepEqual(
    created.metadata?.managedFields?.map((m) => [m.manager, m.operation]),
    [['first', 'Apply']],
  );
  const { code, status } = await failure(
    core.patchNamespacedConfigMap(
      {
        name: 'ssa',
        namespace: 'default',
        body: { ...body, data: { a: '2' } },
        fieldManager: 'second',
      },
      apply,
    ),
  );
  assert.equal(code, 409);
  assert.equal(status.reason, 'Conflict');
  assert.equal(status.code, 409);
  assert.equal(status.message, 'Apply failed with 1 conflict: conflict with "first": .data.a');
  assert.deepEqual(status.details?.causes, [
    { reason: 'FieldManagerConflict', message: 'conflict with "first"', field: '.data.a' },
  ]);
  const forced = await core.patchNamespacedConfigMap(
    {
      name: 'ssa',
      namespace: 'default',
      body: { ...body, data: { a: '2' } },
      fieldManager: 'second',
      force: true,
    },
    apply,
  );
  assert.deepEqual(forced.data, { a: '2' });
  // Without a fieldManager an apply is refused.
  const missing = await failure(
    core.patchNamespacedConfigMap({ name: 'ssa', namespace: 'default', body }, apply),
  );
  assert.equal(missing.code, 422);
  assert.equal(missing.status.reason, 'Invalid');
  assert.equal(
    missing.status.message,
    'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
  );
});

test('typed calls on subresources: scale, pod status, binding, eviction, log', async () => {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const ns = 'subresources';
  await namespace(ns);
  await apps.createNamespacedDeployment({
    namespace: ns,
    body: {
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        },
      },
    },
  });
  const scale = await apps.readNamespacedDeploymentScale({ name: 'web', namespace: ns });
  assert.equal(scale.kind, 'Scale');
  assert.equal(scale.apiVersion, 'autoscaling/v1');
  assert.equal(scale.spec?.replicas, 1);
  assert.equal(scale.status?.selector, 'app=web');
  const replaced = await apps.replaceNamespacedDeploymentScale({
    name: 'web',
    namespace: ns,
    body: { metadata: { name: 'web', namespace: ns }, spec: { replicas: 3 } },
  });
  assert.equal(replaced.spec?.replicas, 3);
  const patched = await apps.patchNamespacedDeploymentScale(
    { name: 'web', namespace: ns, body: { spec: { replicas: 2 } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  assert.equal(patched.spec?.replicas, 2);
  assert.equal(
    (await apps.readNamespacedDeployment({ name: 'web', namespace: ns })).spec?.replicas,
    2,
  );

  await core.createNamespacedPod({ namespace: ns, body: pod('p') });
  const read = await core.readNamespacedPod({ name: 'p', namespace: ns });
  const withStatus = await core.replaceNamespacedPodStatus({
    name: 'p',
    namespace: ns,
    body: { ...read, status: { ...read.status, phase: 'Running', podIP: '10.0.0.9' } },
  });
  assert.equal(withStatus.status?.phase, 'Running');
  assert.equal(withStatus.status?.podIP, '10.0.0.9');

  // A pod not on a node has no log yet: upstream's LogLocation gives no location and the API
  // server answers 204 No Content without a Content-Type, which client-node 1.4 cannot parse.
  assert.deepEqual(await raw('GET', `/api/v1/namespaces/${ns}/pods/p/log`), {
    status: 204,
    contentType: undefined,
    body: '',
  });
  await assert.rejects(core.readNamespacedPodLog({ name: 'p', namespace: ns }), {
    message: 'Cannot parse content. No Content-Type defined.',
  });

  // BindingREST and EvictionREST refuse a body naming another pod (or none).
  const otherBinding = await failure(
    core.createNamespacedPodBinding({
      name: 'p',
      namespace: ns,
      body: { metadata: { name: 'q' }, target: { kind: 'Node', name: 'node-1' } },
    }),
  );
  assert.equal(otherBinding.code, 400);
  assert.equal(otherBinding.status.message, 'name in URL does not match name in Binding object');
  const unnamedEviction = await failure(
    core.createNamespacedPodEviction({ name: 'p', namespace: ns, body: { metadata: {} } }),
  );
  assert.equal(unnamedEviction.code, 400);
  assert.equal(
    unnamedEviction.status.message,
    'name in URL does not match name in Eviction object',
  );
  assert.equal(
    (await core.readNamespacedPod({ name: 'p', namespace: ns })).spec?.nodeName,
    undefined,
  );

  await core.createNamespacedPodBinding({
    name: 'p',
    namespace: ns,
    body: { metadata: { name: 'p' }, target: { kind: 'Node', name: 'node-1' } },
  });
  assert.equal(
    (await core.readNamespacedPod({ name: 'p', namespace: ns })).spec?.nodeName,
    'node-1',
  );
  // Bound to a node that does not exist: the log's NodeConnectionInfoGetter answers its 404.
  const noNode = await failure(core.readNamespacedPodLog({ name: 'p', namespace: ns }));
  assert.equal(noNode.code, 404);
  assert.equal(noNode.status.message, 'nodes "node-1" not found');
  assert.deepEqual(noNode.status.details, { name: 'node-1', kind: 'nodes' });
  const again = await failure(
    core.createNamespacedPodBinding({
      name: 'p',
      namespace: ns,
      body: { metadata: { name: 'p' }, target: { kind: 'Node', name: 'node-2' } },
    }),
  );
  assert.equal(again.code, 409);
  // upstream's assignPod turns its plain error into a Conflict on pods/binding.
  assert.deepEqual(again.status, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message:
      'Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "node-1"',
    reason: 'Conflict',
    details: { name: 'p', kind: 'pods/binding' },
    code: 409,
  });

  await core.createNamespacedPodEviction({
    name: 'p',
    namespace: ns,
    body: { metadata: { name: 'p', namespace: ns } },
  });
  // On a node, the evicted pod is deleted gracefully: its kubelet has the last word.
  const evicting = await core.readNamespacedPod({ name: 'p', namespace: ns });
  assert.ok(evicting.metadata?.deletionTimestamp);
  assert.equal(evicting.metadata?.deletionGracePeriodSeconds, 30);

  // What binding and eviction answer (client-node reads it as V1Binding / V1Eviction): the bare
  // Success Status their REST Create returns, with the create handler's code.
  const success = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
  await core.createNamespacedPod({ namespace: ns, body: pod('q') });
  const bound = await raw('POST', `/api/v1/namespaces/${ns}/pods/q/binding`, {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: 'q' },
    target: { kind: 'Node', name: 'node-1' },
  });
  assert.equal(bound.status, 201);
  assert.deepEqual(JSON.parse(bound.body), success);
  const evicted = await raw('POST', `/api/v1/namespaces/${ns}/pods/q/eviction`, {
    apiVersion: 'policy/v1',
    kind: 'Eviction',
    metadata: { name: 'q', namespace: ns },
  });
  assert.equal(evicted.status, 201);
  assert.deepEqual(JSON.parse(evicted.body), success);
});

test('deleteCollection with a label selector; paging all pods with limit and continue; NotOlderThan', async () => {
  const core = kc.makeApiClient(CoreV1Api);
  for (const ns of ['page-a', 'page-b']) {
    await namespace(ns);
    for (let i = 0; i < 5; i++) {
      await core.createNamespacedPod({
        namespace: ns,
        body: pod(`p${i}`, { tier: i % 2 === 0 ? 'even' : 'odd' }),
      });
    }
  }
  await core.deleteCollectionNamespacedPod({ namespace: 'page-a', labelSelector: 'tier=odd' });
  assert.deepEqual(
    (await core.listNamespacedPod({ namespace: 'page-a' })).items.map((p) => p.metadata?.name),
    ['p0', 'p2', 'p4'],
  );

  const total = (await core.listPodForAllNamespaces()).items.length;
  const names: string[] = [];
  let pages = 0;
  let _continue: string | undefined;
  let firstVersion: string | undefined;
  do {
    const page = await core.listPodForAllNamespaces({ limit: 3, _continue });
    pages++;
    firstVersion ??= page.metadata?.resourceVersion;
    assert.equal(page.metadata?.resourceVersion, firstVersion, 'every page at the first snapshot');
    names.push(...page.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`));
    _continue = page.metadata?._continue;
    if (_continue) assert.equal(page.metadata?.remainingItemCount, total - names.length);
  } while (_continue);
  assert.equal(pages, Math.ceil(total / 3));
  assert.equal(names.length, total);
  assert.deepEqual(
    names.filter((n) => n.startsWith('page-')),
    [
      'page-a/p0',
      'page-a/p2',
      'page-a/p4',
      'page-b/p0',
      'page-b/p1',
      'page-b/p2',
      'page-b/p3',
      'page-b/p4',
    ],
  );

  const notOlder = await core.listNamespacedPod({
    namespace: 'page-b',
    resourceVersion: firstVersion,
    resourceVersionMatch: 'NotOlderThan',
  });
  assert.equal(notOlder.items.length, 5);
  assert.ok(Number(notOlder.metadata?.resourceVersion) >= Number(firstVersion));
  const forbidden = await failure(
    core.listNamespacedPod({ namespace: 'page-b', resourceVersionMatch: 'NotOlderThan' }),
  );
  assert.equal(forbidden.code, 422);
  assert.equal(forbidden.status.reason, 'Invalid');
  assert.equal(
    forbidden.status.message,
    'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
  );
});

test('error shapes: ApiException code and a Status body for 404, 409 and 422', async () => {
  const core = kc.makeApiClient(CoreV1Api);
  const missing = await failure(core.readNamespacedPod({ name: 'nope', namespace: 'default' }));
  assert.equal(missing.code, 404);
  assert.deepEqual(missing.status, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'pods "nope" not found',
    reason: 'NotFound',
    details: { name: 'nope', kind: 'pods' },
    code: 404,
  });
  await core.createNamespacedConfigMap({
    namespace: 'default',
    body: { metadata: { name: 'dup' } },
  });
  const exists = await failure(
    core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'dup' } } }),
  );
  assert.equal(exists.code, 409);
  assert.deepEqual(exists.status, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'configmaps "dup" already exists',
    reason: 'AlreadyExists',
    details: { name: 'dup', kind: 'configmaps' },
    code: 409,
  });
  const invalid = await failure(
    core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'Bad_Name' } },
    }),
  );
  assert.equal(invalid.code, 422);
  assert.equal(invalid.status.reason, 'Invalid');
  assert.deepEqual(invalid.status.details, {
    name: 'Bad_Name',
    kind: 'ConfigMap',
    causes: [
      {
        reason: 'FieldValueInvalid',
        message:
          "Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        field: 'metadata.name',
      },
    ],
  });
});

test('Metrics: pod and node metrics from a kubelet summary; none without a kubelet', async () => {
  const core = kc.makeApiClient(CoreV1Api);
  const metrics = new Metrics(kc);
  await namespace('metrics');
  // Nothing runs yet: empty lists, not errors.
  assert.deepEqual((await metrics.getNodeMetrics()).items, []);
  assert.deepEqual((await metrics.getPodMetrics('metrics')).items, []);

  const created = await core.createNamespacedPod({
    namespace: 'metrics',
    body: pod('m', {}, 'n1'),
  });
  const time = '2026-01-01T00:00:10Z';
  const cpu = { time, usageNanoCores: 5_000_000, usageCoreNanoSeconds: 1, windowSeconds: 10 };
  const memory = { time, workingSetBytes: 2 * 1024 * 1024, usageBytes: 1 };
  const kubelet: Server = createServer((req, res) => {
    assert.equal(req.headers.authorization, 'Bearer kubelet-token');
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        node: { nodeName: 'n1', cpu, memory },
        pods: [
          {
            podRef: { name: 'm', namespace: 'metrics', uid: created.metadata?.uid },
            cpu,
            memory,
            containers: [{ name: 'c', cpu, memory }],
          },
        ],
      }),
    );
  });
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', r));
  const port = (kubelet.address() as { port: number }).port;
  try {
    await core.createNode({ body: { metadata: { name: 'n1' } } });
    await core.patchNodeStatus(
      { name: 'n1', body: { status: { daemonEndpoints: { kubeletEndpoint: { Port: port } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const nodes = await metrics.getNodeMetrics();
    assert.deepEqual(
      nodes.items.map((n) => [n.metadata.name, n.window, n.usage]),
      [['n1', '10s', { cpu: '5m', memory: '2Mi' }]],
    );
    const pods = await metrics.getPodMetrics('metrics');
    assert.deepEqual(
      pods.items.map((p) => [p.metadata.name, p.containers]),
      [['m', [{ name: 'c', usage: { cpu: '5m', memory: '2Mi' } }]]],
    );
  } finally {
    await new Promise((r) => kubelet.close(r));
  }
  // The kubelet gone: the node and its pods are left out, as metrics-server leaves them.
  assert.deepEqual((await metrics.getNodeMetrics()).items, []);
  assert.deepEqual((await metrics.getPodMetrics()).items, []);
});

test('KubeConfig.loadFromFile: a kbox kubeconfig (token) and one with the admin client certificate', async () => {
  const tokenFile = join(dir, 'token.yaml');
  writeFileSync(
    tokenFile,
    await renderKubeconfig(
      standaloneKubeconfig({ contextName: 'kbox-t', server: url, caPem: pki.caCert, token }),
    ),
  );
  const byToken = new KubeConfig();
  byToken.loadFromFile(tokenFile);
  const ns = await byToken.makeApiClient(CoreV1Api).readNamespace({ name: 'default' });
  assert.equal(ns.metadata?.name, 'default');

  const certFile = join(dir, 'cert.yaml');
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  writeFileSync(
    certFile,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: kbox\n  cluster:\n    server: ${url}\n    certificate-authority-data: ${b64(pki.caCert)}`,
      'users:',
      `- name: admin\n  user:\n    client-certificate-data: ${b64(pki.clientCert)}\n    client-key-data: ${b64(pki.clientKey)}`,
      'contexts:',
      '- name: kbox\n  context:\n    cluster: kbox\n    user: admin',
      'current-context: kbox',
      '',
    ].join('\n'),
  );
  const byCert = new KubeConfig();
  byCert.loadFromFile(certFile);
  const list = await byCert.makeApiClient(CoreV1Api).listNamespace();
  assert.ok(list.items.some((n) => n.metadata?.name === 'default'));

  // Neither: 401 with a Status.
  const anonymous = new KubeConfig();
  anonymous.loadFromOptions({
    clusters: [{ name: 'kbox', server: url, caData: b64(pki.caCert) }],
    users: [{ name: 'none' }],
    contexts: [{ name: 'kbox', cluster: 'kbox', user: 'none' }],
    currentContext: 'kbox',
  });
  // client-node 1.4 drops the body of a 401 (its generated code passes undefined).
  await assert.rejects(anonymous.makeApiClient(CoreV1Api).listNamespace(), {
    code: 401,
    body: undefined,
  });
});
