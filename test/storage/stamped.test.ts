import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import type { Storage } from '../../src/storage/interface.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { StampedReads } from '../../src/storage/stamped.js';

function ns(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

test('StampedReads keeps reads until a key under the prefix changes', (t) => {
  const s = new SqliteStorage({ path: ':memory:' });
  t.after(() => s.close());
  const reads = new StampedReads(s, '/core/namespaces/');
  assert.equal(reads.get('/core/namespaces/a'), undefined);
  s.create('/core/namespaces/a', ns('a'));
  const a = reads.get('/core/namespaces/a');
  assert.equal(a?.metadata.name, 'a');
  assert.ok(Object.isFrozen(a?.metadata));
  // Writes elsewhere keep it; reads elsewhere hit the cache.
  s.create('/core/pods/a/p', { metadata: { name: 'p' } });
  assert.equal(reads.get('/core/namespaces/a'), a);
  assert.equal(reads.list(), reads.list());
  s.update('/core/namespaces/a', (c) => c && ns('a', { x: 'y' }));
  assert.deepEqual(reads.get('/core/namespaces/a')?.metadata.labels, { x: 'y' });
  assert.deepEqual(
    reads.list().map((o) => o.metadata.name),
    ['a'],
  );
  s.delete('/core/namespaces/a');
  assert.equal(reads.get('/core/namespaces/a'), undefined);
  assert.deepEqual(reads.list(), []);
});

test('StampedReads forgets what a rolled-back transaction let it read', (t) => {
  const s = new SqliteStorage({ path: ':memory:' });
  t.after(() => s.close());
  const reads = new StampedReads(s, '/core/namespaces/');
  assert.throws(() =>
    s.transaction(() => {
      s.create('/core/namespaces/b', ns('b'));
      assert.equal(reads.get('/core/namespaces/b')?.metadata.name, 'b');
      throw new Error('abort');
    }),
  );
  assert.equal(reads.get('/core/namespaces/b'), undefined);
});

test('StampedReads reads through a storage without changeStamp', () => {
  const objects = new Map<string, KubeObject>([['/core/namespaces/a', ns('a')]]);
  let gets = 0;
  const storage = {
    get: (key: string) => {
      gets++;
      return objects.get(key);
    },
    list: () => ({ items: [...objects.values()], revision: 1 }),
  } as unknown as Storage;
  const reads = new StampedReads(storage, '/core/namespaces/');
  reads.get('/core/namespaces/a');
  reads.get('/core/namespaces/a');
  assert.equal(gets, 2);
});
