// The REST client over both transports against one real API server: HTTPS with undici (the CLI)
// and plain HTTP on the daemon's private Unix socket (the daemon's own components). Both must
// behave identically: results, Status errors, watches (events, abort, 410), and authentication.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isStatusError } from '../../src/api/status.js';
import type { KubeObject, WatchEvent } from '../../src/api/types.js';
import { ApiServer } from '../../src/apiserver/server.js';
import { generateClusterPki } from '../../src/apiserver/tls.js';
import { KubeClient, type ClientConfig, type ResourceRef } from '../../src/client/rest.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';

const CM: ResourceRef = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };
const token = 'transport-test-token';
const dir = mkdtempSync(join(tmpdir(), 'kbox-transport-'));
const socketPath = join(dir, 'api.sock');
const storage = new SqliteStorage({ path: ':memory:', retainRevisions: 3 });
let server: ApiServer;
let https: ClientConfig;

before(async () => {
  // A socket file left behind by a killed daemon must not stop the next one from listening.
  writeFileSync(socketPath, 'stale');
  const pki = await generateClusterPki({ commonName: 'kbox-test', hosts: ['127.0.0.1'] });
  server = new ApiServer({
    storage,
    port: 0,
    tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert },
    auth: { token },
    socketPath,
  });
  const url = await server.start();
  https = { server: url, ca: pki.caCert, token, timeoutMs: 5000 };
});

after(async () => {
  await server.stop();
  assert.equal(existsSync(socketPath), false, 'the socket file is removed on stop');
  storage.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the socket is private to its owner', () => {
  assert.equal(statSync(socketPath).mode & 0o777, 0o600);
});

for (const transport of ['https', 'unix socket'] as const) {
  const config = (): ClientConfig => (transport === 'https' ? https : { ...https, socketPath });
  const ns = transport === 'https' ? 'over-https' : 'over-socket';

  test(`${transport}: CRUD, Status errors and watches`, async () => {
    const client = new KubeClient(config());
    try {
      await client.create(
        { group: '', version: 'v1', resource: 'namespaces', namespaced: false },
        undefined,
        {
          metadata: { name: ns },
        },
      );
      const created = await client.create(CM, ns, { metadata: { name: 'a' }, data: { v: '1' } });
      assert.equal(created.metadata.namespace, ns);
      const patched = await client.patch(CM, ns, 'a', { data: { v: '2' } });
      assert.deepEqual(patched.data, { v: '2' });
      const list = await client.list(CM, ns);
      assert.deepEqual(
        list.items.map((o) => o.metadata.name),
        ['a'],
      );

      await assert.rejects(client.get(CM, ns, 'missing'), (err: unknown) => {
        assert.ok(isStatusError(err, 'NotFound'));
        assert.equal((err as Error).message, 'configmaps "missing" not found');
        return true;
      });
      await assert.rejects(client.create(CM, ns, { metadata: { name: 'a' } }), (err: unknown) =>
        isStatusError(err, 'AlreadyExists'),
      );

      // A watch from the list's revision sees the next change; aborting ends it as 'closed'.
      const events: string[] = [];
      const abort = new AbortController();
      const watching = client.watch(
        CM,
        ns,
        { resourceVersion: list.metadata.resourceVersion },
        (ev: WatchEvent) => {
          events.push(`${ev.type} ${(ev.object as KubeObject).metadata.name ?? ''}`);
          if (events.length === 1) abort.abort();
        },
        abort.signal,
      );
      await client.create(CM, ns, { metadata: { name: 'b' } });
      assert.equal(await watching, 'closed');
      assert.deepEqual(events, ['ADDED b']);

      // A revision compacted away answers 410: the caller must re-list.
      const old = list.metadata.resourceVersion;
      for (let i = 0; i < 5; i++) await client.create(CM, ns, { metadata: { name: `c${i}` } });
      storage.compact();
      assert.equal(await client.watch(CM, ns, { resourceVersion: old }, () => {}), 'expired');
    } finally {
      await client.close();
    }
  });

  test(`${transport}: a wrong token is refused with 401`, async () => {
    const client = new KubeClient({ ...config(), token: 'wrong' });
    try {
      await assert.rejects(client.list(CM, ns), (err: unknown) =>
        isStatusError(err, 'Unauthorized'),
      );
    } finally {
      await client.close();
    }
  });
}
