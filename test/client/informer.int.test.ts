// The informer against a real API server: it lists, follows changes, and survives both a lost
// connection and a 410 (its revision compacted away while it was disconnected) by re-listing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { ApiServer } from '../../src/apiserver/server.js';
import { Informer, objectKey } from '../../src/client/informer.js';
import { KubeClient, type ResourceRef } from '../../src/client/rest.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';

const CM: ResourceRef = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cm = (name: string, v: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { v },
});

test('an informer follows changes and re-lists after a 410', async () => {
  const storage = new SqliteStorage({ path: ':memory:', retainRevisions: 3 });
  let server = new ApiServer({ storage, port: 0 });
  const url = await server.start();
  const port = Number(new URL(url).port);
  const client = new KubeClient({ server: url, timeoutMs: 2000 });
  try {
    await client.create(CM, 'default', cm('before', '1'));
    const informer = new Informer(client, CM, { namespace: 'default', onError: () => {} });
    const seen: string[] = [];
    informer.addHandlers({
      add: (o) => seen.push(`add ${objectKey(o)}`),
      update: (_, o) => seen.push(`update ${objectKey(o)} ${String((o.data as { v: string }).v)}`),
      delete: (o) => seen.push(`delete ${objectKey(o)}`),
    });
    await informer.start();
    assert.deepEqual(seen, ['add default/before']);

    await client.create(CM, 'default', cm('live', '1'));
    await client.patch(CM, 'default', 'live', { data: { v: '2' } });
    await client.delete(CM, 'default', 'before');
    await until(() => seen.length === 4, 'live events');
    assert.deepEqual(seen.slice(1), [
      'add default/live',
      'update default/live 2',
      'delete default/before',
    ]);
    assert.throws(
      () => {
        (informer.get('default/live') as unknown as { data: { v: string } }).data.v = 'x';
      },
      TypeError,
      'cached objects are frozen',
    );

    // Cut the connection, let history move on and be compacted, then come back on the same port.
    await server.stop();
    const store = server.store('', 'configmaps');
    assert.ok(store);
    for (let i = 0; i < 10; i++) store.create('default', cm(`offline-${i}`, String(i)));
    store.delete('default', 'live');
    storage.compact();
    server = new ApiServer({ storage, port });
    await server.start();

    await until(() => informer.list().length === 10 && !informer.get('default/live'), 're-list');
    assert.ok(seen.includes('delete default/live'), 'the re-list reports what vanished');
    assert.ok(seen.includes('add default/offline-9'));
    await informer.stop();
  } finally {
    await client.close();
    await server.stop();
    storage.close();
  }
});
