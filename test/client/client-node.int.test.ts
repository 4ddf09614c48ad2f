// The official JavaScript client (@kubernetes/client-node 2.x) against a real kbox API server:
// typed calls with the client's default content types, KubernetesObjectApi (discovery through
// the legacy APIResourceList), and a ListWatch informer that survives its resourceVersion being
// compacted away (410 Expired → relist), as it must after a long disconnection.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  ListWatch,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type V1ConfigMap,
  type V1ConfigMapList,
} from '@kubernetes/client-node';
import { ApiServer } from '../../src/apiserver/server.js';
import { generateClusterPki } from '../../src/apiserver/tls.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';

// As a kbox daemon serves it: TLS with the cluster's own CA and a bearer token.
const storage = new SqliteStorage({ path: ':memory:', retainRevisions: 5 });
let server: ApiServer;
const kc = new KubeConfig();

before(async () => {
  const pki = await generateClusterPki({ commonName: 'kbox-test', hosts: ['127.0.0.1'] });
  const token = 'client-node-test-token';
  server = new ApiServer({
    storage,
    port: 0,
    tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert },
    auth: { token },
  });
  const url = await server.start();
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
});

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('typed calls: create, list, JSON patch (the default), merge patch, delete', async () => {
  const core = kc.makeApiClient(CoreV1Api);
  const created = await core.createNamespacedConfigMap({
    namespace: 'default',
    body: { metadata: { name: 'typed', labels: { app: 'x' } }, data: { a: '1' } },
  });
  assert.equal(created.metadata?.name, 'typed');
  assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);

  const list = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'app=x' });
  assert.deepEqual(
    list.items.map((c) => c.metadata?.name),
    ['typed'],
  );

  const patched = await core.patchNamespacedConfigMap({
    name: 'typed',
    namespace: 'default',
    body: [{ op: 'add', path: '/data/b', value: '2' }],
  });
  assert.deepEqual(patched.data, { a: '1', b: '2' });

  const merged = await core.patchNamespacedConfigMap(
    { name: 'typed', namespace: 'default', body: { data: { a: null } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  assert.deepEqual(merged.data, { b: '2' });

  await core.deleteNamespacedConfigMap({ name: 'typed', namespace: 'default' });
  await assert.rejects(
    core.readNamespacedConfigMap({ name: 'typed', namespace: 'default' }),
    (err: { code?: number; body?: string }) => {
      assert.equal(err.code, 404);
      assert.equal(
        (JSON.parse(err.body ?? '{}') as { message?: string }).message,
        'configmaps "typed" not found',
      );
      return true;
    },
  );
});

test('KubernetesObjectApi resolves kinds through discovery and applies strategic merge', async () => {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  await objects.create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'busybox', env: [{ name: 'A', value: '1' }] }] },
      },
    },
  });
  // A strategic merge patch merges the containers list by name instead of replacing it.
  await objects.patch({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { template: { spec: { containers: [{ name: 'c', env: [{ name: 'B', value: '2' }] }] } } },
  });
  const read = (await objects.read({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
  })) as { spec: { template: { spec: { containers: Array<{ image: string; env: unknown }> } } } };
  const [c] = read.spec.template.spec.containers;
  assert.equal(c?.image, 'busybox');
  assert.deepEqual(JSON.parse(JSON.stringify(c?.env)), [
    { name: 'B', value: '2' },
    { name: 'A', value: '1' },
  ]);
});

test('a ListWatch informer relists after a 410 and goes on watching', async () => {
  const core = kc.makeApiClient(CoreV1Api);
  const ns = 'informer';
  await core.createNamespace({ body: { metadata: { name: ns } } });
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'cm-0' } } });

  const path = `/api/v1/namespaces/${ns}/configmaps`;
  let lists = 0;
  const informer = new ListWatch<V1ConfigMap>(
    path,
    new Watch(kc),
    (): Promise<V1ConfigMapList> => {
      lists++;
      return core.listNamespacedConfigMap({ namespace: ns });
    },
    false,
  );
  const added: string[] = [];
  const deleted: string[] = [];
  const errors: unknown[] = [];
  informer.on('add', (o) => added.push(o.metadata?.name ?? ''));
  informer.on('delete', (o) => deleted.push(o.metadata?.name ?? ''));
  informer.on('error', (e) => errors.push(e));
  await informer.start();
  await until('cm-0 in the cache', () => added.includes('cm-0'));
  const firstVersion = informer.latestResourceVersion();

  // Disconnected, the informer misses more than the server retains.
  await informer.stop();
  for (let i = 1; i <= 10; i++) {
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: `cm-${i}` } },
    });
  }
  await core.deleteNamespacedConfigMap({ name: 'cm-0', namespace: ns });
  storage.compact();
  assert.ok(storage.compactedRevision() > Number(firstVersion));

  // Watching from the compacted revision answers 410 Expired: the informer relists.
  await informer.start();
  await until(
    'the relisted cache',
    () => informer.list(ns).length === 10 && deleted.includes('cm-0'),
  );
  assert.deepEqual(
    informer
      .list(ns)
      .map((c) => c.metadata?.name)
      .sort(),
    Array.from({ length: 10 }, (_, i) => `cm-${i + 1}`).sort(),
  );
  assert.equal(lists, 2, 'a second list after the 410');
  // And it watches again from the new list's version.
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'late' } } });
  await until('a change after the relist', () => added.includes('late'));
  // Only the aborts of our own stop() calls reach the error handlers: no failed request.
  assert.deepEqual(
    errors.filter((e) => (e as Error).name !== 'AbortError'),
    [],
  );
  await informer.stop();
});
