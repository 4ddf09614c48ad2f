import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { KubeObject } from '../../src/api/types.js';
import { StorageError, type Storage, type StoredEvent } from '../../src/storage/interface.js';
import { SqliteStorage, type Durability } from '../../src/storage/sqlite.js';
import { runStorageConformance, type RetentionOptions } from './conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'kbox-storage-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function tempPath(): string {
  return join(dir, `db-${++files}.sqlite`);
}

runStorageConformance('SqliteStorage :memory:', {
  open: (opts?: RetentionOptions) => new SqliteStorage({ path: ':memory:', ...opts }),
});

const paths = new WeakMap<Storage, string>();
runStorageConformance('SqliteStorage file', {
  open(opts?: RetentionOptions) {
    const path = tempPath();
    const s = new SqliteStorage({ path, ...opts });
    paths.set(s, path);
    return s;
  },
  reopen(previous: Storage, opts?: RetentionOptions) {
    const path = paths.get(previous);
    assert.ok(path);
    const s = new SqliteStorage({ path, ...opts });
    paths.set(s, path);
    return s;
  },
});

runStorageConformance('SqliteStorage file, group commit', {
  open(opts?: RetentionOptions) {
    const path = tempPath();
    const s = new SqliteStorage({ path, groupCommit: true, ...opts });
    paths.set(s, path);
    return s;
  },
  reopen(previous: Storage, opts?: RetentionOptions) {
    const path = paths.get(previous);
    assert.ok(path);
    const s = new SqliteStorage({ path, groupCommit: true, ...opts });
    paths.set(s, path);
    return s;
  },
});

function cm(name: string, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, data };
}

function memory(
  t: TestContext,
  opts: Partial<ConstructorParameters<typeof SqliteStorage>[0]> = {},
) {
  const s = new SqliteStorage({ path: ':memory:', ...opts });
  t.after(() => s.close());
  return s;
}

async function take(w: AsyncIterable<StoredEvent>, n: number): Promise<StoredEvent[]> {
  const it = w[Symbol.asyncIterator]();
  const out: StoredEvent[] = [];
  while (out.length < n) {
    const r = await it.next();
    assert.equal(r.done, false);
    out.push(r.value as StoredEvent);
  }
  return out;
}

describe('SqliteStorage', () => {
  test(
    'one event instance, serialised once and frozen, is shared by all watchers',
    {
      timeout: 10_000,
    },
    async (t) => {
      const s = memory(t);
      const w1 = s.watch('/cm/', 0);
      const w2 = s.watch('/cm/ns/', 0);
      const stored = s.create('/cm/ns/a', cm('a', { k: 'v' }));
      const [e1] = await take(w1, 1);
      const [e2] = await take(w2, 1);
      assert.ok(e1 && e2);
      assert.equal(e1, e2);
      assert.equal(e1.json, JSON.stringify(stored));
      assert.equal(e1.object, e2.object);
      assert.ok(Object.isFrozen(e1.object));
      assert.ok(Object.isFrozen(e1.object.metadata));
      assert.ok(Object.isFrozen(e1.object.data));
      // The caller's copy is not the frozen event object.
      stored.metadata.name = 'changed';
      assert.equal(e1.object.metadata.name, 'a');
      w1.stop();
      w2.stop();
    },
  );

  test(
    'transaction commits several writes and emits their events after commit',
    {
      timeout: 10_000,
    },
    async (t) => {
      const s = memory(t);
      const w = s.watch('/cm/', 0);
      // Overflows as soon as it is handed two events, which makes "when" observable.
      const probe = s.watch('/cm/', 0, { bufferSize: 1 });
      const result = s.transaction(() => {
        s.create('/cm/ns/a', cm('a'));
        s.create('/cm/ns/b', cm('b'));
        s.update('/cm/ns/a', (cur) => ({ ...cur!, data: { v: '3' } }));
        assert.equal(probe.closeReason, undefined, 'no event before commit');
        return 'done';
      });
      assert.equal(result, 'done');
      assert.equal(probe.closeReason, 'overflow');
      const events = await take(w, 3);
      assert.deepEqual(
        events.map((e) => `${e.type} ${e.revision}`),
        ['ADDED 1', 'ADDED 2', 'MODIFIED 3'],
      );
      assert.equal(s.currentRevision(), 3);
      w.stop();
    },
  );

  test(
    'a failed transaction writes nothing, emits nothing, and frees its revisions',
    {
      timeout: 10_000,
    },
    async (t) => {
      const s = memory(t);
      const w = s.watch('/cm/', 0);
      assert.throws(
        () =>
          s.transaction(() => {
            s.create('/cm/ns/a', cm('a'));
            s.create('/cm/ns/b', cm('b'));
            throw new Error('abort');
          }),
        /abort/,
      );
      assert.equal(s.currentRevision(), 0);
      assert.equal(s.count('/cm/'), 0);
      // A failing write caught inside the transaction is rolled back alone.
      s.transaction(() => {
        s.create('/cm/ns/a', cm('a'));
        assert.throws(() => s.create('/cm/ns/a', cm('a')), { code: 'KeyExists' });
        s.create('/cm/ns/b', cm('b'));
      });
      const events = await take(w, 2);
      assert.deepEqual(
        events.map((e) => `${e.key} ${e.revision}`),
        ['/cm/ns/a 1', '/cm/ns/b 2'],
      );
      w.stop();
    },
  );

  test('watch and compact refuse to run inside a transaction', (t) => {
    const s = memory(t);
    s.transaction(() => {
      assert.throws(() => s.watch('/cm/', 0), /inside a write transaction/);
      assert.throws(() => s.compact(), /inside a write transaction/);
    });
  });

  test('compact deletes superseded rows and tombstones, and truncates the WAL', (t) => {
    const path = tempPath();
    const s = new SqliteStorage({ path, retainRevisions: 0, retainSeconds: 1e9 });
    t.after(() => s.close());
    s.create('/cm/ns/a', cm('a')); // 1
    s.update('/cm/ns/a', (cur) => ({ ...cur!, data: { v: '2' } })); // 2
    s.create('/cm/ns/b', cm('b')); // 3
    s.delete('/cm/ns/b'); // 4
    s.create('/cm/ns/c', cm('c')); // 5
    s.compact();
    const db = new Database(path, { readonly: true });
    t.after(() => db.close());
    assert.deepEqual(db.prepare('SELECT id, key, deleted FROM log ORDER BY id').all(), [
      { id: 2, key: '/cm/ns/a', deleted: 0 },
      { id: 5, key: '/cm/ns/c', deleted: 0 },
    ]);
    assert.deepEqual(db.prepare('SELECT key, id FROM current ORDER BY key').all(), [
      { key: '/cm/ns/a', id: 2 },
      { key: '/cm/ns/c', id: 5 },
    ]);
    assert.deepEqual(db.prepare("SELECT value FROM meta WHERE name = 'compacted'").get(), {
      value: 5,
    });
    assert.equal(statSync(`${path}-wal`).size, 0);
  });

  test('the stored JSON carries its own resourceVersion', (t) => {
    const path = tempPath();
    const s = new SqliteStorage({ path });
    t.after(() => s.close());
    s.create('/cm/ns/a', cm('a'));
    s.delete('/cm/ns/a');
    const db = new Database(path, { readonly: true });
    t.after(() => db.close());
    const rows = db
      .prepare('SELECT id, created, deleted, prev_id, value FROM log ORDER BY id')
      .all() as {
      id: number;
      created: number;
      deleted: number;
      prev_id: number | null;
      value: string;
    }[];
    assert.deepEqual(
      rows.map((r) => [
        r.id,
        r.created,
        r.deleted,
        r.prev_id,
        (JSON.parse(r.value) as KubeObject).metadata.resourceVersion,
      ]),
      [
        [1, 1, 0, null, '1'],
        [2, 0, 1, 1, '2'],
      ],
    );
  });

  test('an update is stored as JSON.stringify of the object at its new revision', (t) => {
    const path = tempPath();
    const s = new SqliteStorage({ path });
    t.after(() => s.close());
    // resourceVersion first, last and absent: the revision goes where the object has it.
    s.create('/cm/ns/a', cm('a'));
    s.update('/cm/ns/a', (c) => c && { ...c, data: { k: 'v "resourceVersion":"1"' } });
    s.update(
      '/cm/ns/a',
      (c) => c && { metadata: { resourceVersion: 'x', ...c.metadata }, data: {} },
    );
    const same = s.update('/cm/ns/a', (c) => c);
    assert.equal(same.changed, false);
    const db = new Database(path, { readonly: true });
    t.after(() => db.close());
    const rows = db.prepare('SELECT id, value FROM log ORDER BY id').all() as {
      id: number;
      value: string;
    }[];
    assert.equal(rows.length, 3);
    for (const r of rows) {
      const obj = JSON.parse(r.value) as KubeObject;
      assert.equal(obj.metadata.resourceVersion, String(r.id));
      assert.equal(JSON.stringify(obj), r.value);
    }
    assert.deepEqual(JSON.parse(rows[1]?.value ?? '').data, { k: 'v "resourceVersion":"1"' });
    assert.equal(
      Object.keys(JSON.parse(rows[2]?.value ?? '').metadata as object)[0],
      'resourceVersion',
    );
  });

  test('storedJson gives the text of the newest write only', (t) => {
    const s = memory(t);
    const a = s.create('/cm/ns/a', cm('a'));
    assert.equal(s.storedJson(a), JSON.stringify(a));
    const b = s.update('/cm/ns/a', (c) => c && { ...c, data: { x: '1' } }).object;
    assert.ok(b);
    assert.equal(s.storedJson(b), JSON.stringify(b));
    assert.equal(s.storedJson(a), undefined);
    assert.equal(s.storedJson(s.get('/cm/ns/a') ?? cm('x')), undefined);
    const gone = s.delete('/cm/ns/a');
    assert.equal(s.storedJson(gone), JSON.stringify(gone));
  });

  test('changeStamp changes with every write under its resource and every rollback', (t) => {
    const s = memory(t);
    const pcs = '/scheduling.k8s.io/priorityclasses/';
    const first = s.changeStamp(pcs);
    s.create('/core/pods/ns/p', cm('p'));
    assert.equal(s.changeStamp(pcs), first);
    s.create(`${pcs}a`, cm('a'));
    const created = s.changeStamp(pcs);
    assert.notEqual(created, first);
    s.update(`${pcs}a`, (c) => c && { ...c, data: { x: '1' } });
    const updated = s.changeStamp(pcs);
    assert.notEqual(updated, created);
    assert.throws(() =>
      s.transaction(() => {
        s.create('/core/pods/ns/q', cm('q'));
        throw new Error('abort');
      }),
    );
    assert.notEqual(s.changeStamp(pcs), updated);
  });

  test('startCompactor compacts on an interval until stopped', (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const s = memory(t, { retainRevisions: 1 });
    s.create('/cm/ns/a', cm('a'));
    s.create('/cm/ns/b', cm('b'));
    s.create('/cm/ns/c', cm('c'));
    s.startCompactor(1000);
    t.mock.timers.tick(999);
    assert.equal(s.compactedRevision(), 0);
    t.mock.timers.tick(1);
    assert.equal(s.compactedRevision(), 2);
    s.stopCompactor();
    s.create('/cm/ns/d', cm('d'));
    t.mock.timers.tick(5000);
    assert.equal(s.compactedRevision(), 2);
  });

  test('startCompactor passes failures to onError', (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const s = new SqliteStorage({ path: ':memory:', retainRevisions: 0 });
    const errors: unknown[] = [];
    s.startCompactor(10, (err) => errors.push(err));
    // Simulate a failure by compacting inside an open transaction.
    s.transaction(() => t.mock.timers.tick(10));
    assert.equal(errors.length, 1);
    s.close();
    t.mock.timers.tick(100);
    assert.equal(errors.length, 1, 'close stops the compactor');
  });

  test('the store and its WAL files are readable by their owner only', (t) => {
    const path = tempPath();
    writeFileSync(path, ''); // an existing file with a wider mode is narrowed too
    const s = new SqliteStorage({ path });
    t.after(() => s.close());
    s.create('/cm/ns/a', cm('a'));
    for (const f of [path, `${path}-wal`, `${path}-shm`]) {
      assert.equal(statSync(f).mode & 0o777, 0o600, f);
    }
  });

  test('a store opened with durability fsync reads and writes', (t) => {
    const path = tempPath();
    const s = new SqliteStorage({ path, durability: 'fsync' });
    t.after(() => s.close());
    assert.equal(s.create('/cm/ns/a', cm('a')).metadata.resourceVersion, '1');
  });

  test('a write past the quota fails as Full, writes nothing and leaves the store usable', async (t) => {
    const path = tempPath();
    const s = new SqliteStorage({ path, quotaBytes: 256 * 1024 });
    const w = s.watch('/cm/', 0);
    const big = 'x'.repeat(16 * 1024);
    let n = 0;
    let failure: unknown;
    for (; n < 1000; n++) {
      try {
        s.create(`/cm/ns/c${n}`, cm(`c${n}`, { big }));
      } catch (err) {
        failure = err;
        break;
      }
    }
    assert.ok(n > 0 && n < 1000, `quota reached after ${n} writes`);
    assert.ok(failure instanceof StorageError);
    assert.equal(failure.code, 'Full');
    assert.match(failure.message, /has no room for the write .*; free disk space and retry$/);
    assert.ok(failure.message.includes(path));
    // Nothing of the failed write is visible: not its key, not its revision, not an event.
    assert.equal(s.currentRevision(), n);
    assert.equal(s.get(`/cm/ns/c${n}`), undefined);
    const events = await take(w, n);
    assert.deepEqual(
      events.map((e) => e.object.metadata.name),
      Array.from({ length: n }, (_, i) => `c${i}`),
    );
    // Reads go on; once there is room again the next write takes the next revision.
    assert.equal(s.list('/cm/').items.length, n);
    s.close();
    const roomy = new SqliteStorage({ path });
    t.after(() => roomy.close());
    assert.equal(roomy.create('/cm/ns/small', cm('small')).metadata.resourceVersion, String(n + 1));
  });

  test('group commit: the writes of one turn commit together, then publish and settle', async (t) => {
    const path = tempPath();
    const s = new SqliteStorage({ path, groupCommit: true });
    t.after(() => s.close());
    const w = s.watch('/cm/', 0);
    const other = new Database(path, { readonly: true });
    t.after(() => other.close());
    const committedRows = () =>
      (other.prepare('SELECT COUNT(*) AS n FROM log').get() as { n: number }).n;
    assert.equal(s.settled(), undefined);
    s.create('/cm/ns/a', cm('a'));
    s.create('/cm/ns/b', cm('b'));
    s.update('/cm/ns/a', (o) => ({ ...(o as KubeObject), data: { v: '2' } }));
    // Visible to this store at once, to nobody else until the commit.
    assert.equal(s.get('/cm/ns/a')?.metadata.resourceVersion, '3');
    assert.equal(committedRows(), 0);
    const settled = s.settled();
    assert.ok(settled);
    await settled;
    assert.equal(committedRows(), 3);
    assert.equal(s.settled(), undefined);
    const events = await take(w, 3);
    assert.deepEqual(
      events.map((e) => [e.type, e.object.metadata.name, e.revision]),
      [
        ['ADDED', 'a', 1],
        ['ADDED', 'b', 2],
        ['MODIFIED', 'a', 3],
      ],
    );
  });

  test('group commit: a failing write fails alone; a watch commits the open group first', async (t) => {
    const path = tempPath();
    const s = new SqliteStorage({ path, groupCommit: true });
    t.after(() => s.close());
    s.create('/cm/ns/a', cm('a'));
    assert.throws(
      () => s.create('/cm/ns/a', cm('a')),
      (e: unknown) => e instanceof StorageError && e.code === 'KeyExists',
    );
    s.create('/cm/ns/b', cm('b'));
    assert.equal(s.currentRevision(), 2);
    const w = s.watch('/cm/', 0);
    assert.equal(s.settled(), undefined, 'watch() committed the group');
    const other = new Database(path, { readonly: true });
    t.after(() => other.close());
    assert.equal((other.prepare('SELECT COUNT(*) AS n FROM current').get() as { n: number }).n, 2);
    assert.deepEqual(
      (await take(w, 2)).map((e) => [e.object.metadata.name, e.revision]),
      [
        ['a', 1],
        ['b', 2],
      ],
    );
  });

  test('group commit: a full store fails the write, and what the group kept agrees with its events', async (t) => {
    const path = tempPath();
    const s = new SqliteStorage({ path, quotaBytes: 256 * 1024, groupCommit: true });
    t.after(() => s.close());
    const w = s.watch('/cm/', 0);
    const big = 'x'.repeat(16 * 1024);
    let n = 0;
    let failure: unknown;
    for (; n < 1000; n++) {
      try {
        s.create(`/cm/ns/c${n}`, cm(`c${n}`, { big }));
      } catch (err) {
        failure = err;
        break;
      }
    }
    assert.ok(failure instanceof StorageError && failure.code === 'Full', String(failure));
    // The earlier writes of the group either commit or fail together with it (SQLite may roll
    // back the whole transaction on a full disk); either way the store, its revision and its
    // events agree.
    await s.settled()?.catch(() => undefined);
    const kept = s.list('/cm/').items.length;
    assert.ok(kept === 0 || kept === n, `kept ${kept} of ${n}`);
    assert.equal(s.currentRevision(), kept);
    if (kept > 0) assert.equal((await take(w, kept)).length, kept);
    const small = s.create('/cm/ns/small', cm('small'));
    assert.equal(small.metadata.resourceVersion, String(kept + 1));
  });

  test('a damaged or foreign database file is refused as Corrupt and left untouched', () => {
    const path = tempPath();
    const garbage = Buffer.alloc(8192, 0x5a);
    writeFileSync(path, garbage);
    assert.throws(
      () => new SqliteStorage({ path }),
      (err: unknown) =>
        err instanceof StorageError &&
        err.code === 'Corrupt' &&
        err.message.startsWith(`the cluster store ${path} is damaged (file is not a database)`),
    );
    assert.deepEqual(readFileSync(path), garbage);
  });

  test('methods throw after close', () => {
    const s = new SqliteStorage({ path: ':memory:' });
    s.close();
    assert.throws(() => s.get('/cm/ns/a'));
    assert.throws(() => s.create('/cm/ns/a', cm('a')));
    assert.throws(() => s.watch('/cm/', 0));
  });

  test('checkpointThread: a worker thread checkpoints the WAL into the database file', async () => {
    const sizes = async (checkpointThread: boolean): Promise<{ db: number; wal: boolean }> => {
      const path = tempPath();
      const s = new SqliteStorage({ path, groupCommit: true, checkpointThread });
      const initial = statSync(path).size;
      // About 2 MB of WAL: below SQLite's own automatic checkpoint (1000 pages, 4 MB), above
      // the thread's request interval (500 writes).
      for (let i = 0; i < 600; i++) {
        s.create(`/cm/ns/c${i}`, { ...cm(`c${i}`), data: { x: 'y'.repeat(3000) } });
        if (i % 16 === 15) await s.settled();
      }
      await s.settled();
      let grown = statSync(path).size;
      // The thread's checkpoint writes the file page by page: a size read in the middle of it
      // shows part of the growth, so wait for all of it (the plain store's must stay at 0).
      const expected = checkpointThread ? 1_000_000 : 0;
      for (let waited = 0; grown - initial <= expected && waited < 5000; waited += 50) {
        await new Promise((r) => setTimeout(r, 50));
        grown = statSync(path).size;
      }
      s.close();
      const reopened = new SqliteStorage({ path });
      try {
        assert.equal(reopened.count('/cm/ns/'), 600);
      } finally {
        reopened.close();
      }
      let wal = true;
      try {
        statSync(`${path}-wal`);
      } catch {
        wal = false;
      }
      return { db: grown - initial, wal };
    };
    const threaded = await sizes(true);
    assert.ok(threaded.db > 1_000_000, `the database file grew by ${threaded.db} bytes only`);
    // The last connection's close checkpoints and removes the WAL, as without the thread.
    assert.equal(threaded.wal, false);
    const plain = await sizes(false);
    assert.equal(plain.db, 0, 'without the thread, nothing is checkpointed below 1000 pages');
  });

  for (const [durability, mode] of [
    ['process', 'single'],
    ['fsync', 'single'],
    ['process', 'group'],
    ['process', 'group-thread'],
  ] as [Durability, string][]) {
    test(
      `SIGKILL mid-write keeps every acknowledged write (durability ${durability}${mode === 'group' ? ', group commit' : mode === 'group-thread' ? ', group commit, checkpoint thread' : ''})`,
      {
        timeout: 60_000,
      },
      async () => {
        const path = tempPath();
        const child = fileURLToPath(new URL('./durability-child.js', import.meta.url));
        const proc = spawn(process.execPath, [child, path, durability, '1000000', mode], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const acked: { revision: number; key: string }[] = [];
        let buffer = '';
        // With the checkpoint thread, enough writes that it checkpoints several times.
        const target = mode === 'group-thread' ? 3000 : 300;
        const exited = new Promise<NodeJS.Signals | null>((resolve, reject) => {
          proc.on('error', reject);
          proc.on('exit', (_code, signal) => resolve(signal));
        });
        proc.stdout.setEncoding('utf8');
        proc.stdout.on('data', (chunk: string) => {
          buffer += chunk;
          const lines = buffer.split('\n');
          buffer = lines.pop() ?? '';
          for (const line of lines) {
            const [revision, key] = line.split(' ');
            assert.ok(revision !== undefined && key !== undefined);
            acked.push({ revision: Number(revision), key });
          }
          if (acked.length >= target && proc.exitCode === null) proc.kill('SIGKILL');
        });
        assert.equal(await exited, 'SIGKILL');
        assert.ok(acked.length >= target, `only ${acked.length} writes acknowledged`);

        const s = new SqliteStorage({ path });
        try {
          const last = acked[acked.length - 1];
          assert.ok(last);
          assert.ok(s.currentRevision() >= last.revision);
          for (const { revision, key } of acked) {
            const got = s.get(key);
            assert.equal(got?.metadata.resourceVersion, String(revision), key);
          }
          // The reopened store continues the sequence.
          const next = s.create('/configmaps/default/after', cm('after'));
          assert.equal(next.metadata.resourceVersion, String(s.currentRevision()));
          assert.ok(Number(next.metadata.resourceVersion) > last.revision);
        } finally {
          s.close();
        }
      },
    );
  }
});
