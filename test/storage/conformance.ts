// The Storage conformance suite: every implementation of src/storage/interface.ts runs it.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import {
  StorageError,
  type Storage,
  type StorageErrorCode,
  type StoredEvent,
} from '../../src/storage/interface.js';

export interface RetentionOptions {
  retainRevisions?: number;
  retainSeconds?: number;
  /** Milliseconds since the epoch. */
  clock?: () => number;
}

export interface StorageFixture {
  /** Opens a store on new, empty data. */
  open(opts?: RetentionOptions): Storage;
  /** Persistent stores only: opens the data of `previous` (already closed) again. */
  reopen?(previous: Storage, opts?: RetentionOptions): Storage;
}

const TIMEOUT = { timeout: 10_000 };

function obj(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    data: {},
    ...extra,
  };
}

function rv(o: { metadata: { resourceVersion?: string } } | undefined): string | undefined {
  return o?.metadata.resourceVersion;
}

function throwsCode(fn: () => unknown, code: StorageErrorCode, message?: string): StorageError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof StorageError, `expected StorageError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code);
  if (message !== undefined) assert.equal(caught.message, message);
  return caught;
}

/** Reads the next `n` events; fails (via the test timeout) if they never come. */
async function take(it: AsyncIterator<StoredEvent>, n: number): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  while (out.length < n) {
    const r = await it.next();
    assert.equal(r.done, false, `watch ended after ${out.length} of ${n} events`);
    out.push(r.value as StoredEvent);
  }
  return out;
}

function summary(events: StoredEvent[]): string[] {
  return events.map((e) => `${e.type} ${e.key} ${e.revision}`);
}

/** The next event, which must be for `key`: proves nothing was queued before it. */
async function nextIs(it: AsyncIterator<StoredEvent>, key: string): Promise<StoredEvent> {
  const [e] = await take(it, 1);
  assert.ok(e);
  assert.equal(e.key, key);
  return e;
}

export function runStorageConformance(name: string, fixture: StorageFixture): void {
  function open(t: TestContext, opts?: RetentionOptions): Storage {
    const s = fixture.open(opts);
    t.after(() => s.close());
    return s;
  }

  describe(`Storage conformance: ${name}`, () => {
    test('an empty store is at revision 0', (t) => {
      const s = open(t);
      assert.equal(s.currentRevision(), 0);
      assert.equal(s.compactedRevision(), 0);
      assert.equal(s.get('/x/default/a'), undefined);
      assert.deepEqual(s.list('/x/'), { items: [], revision: 0 });
      assert.equal(s.count('/x/'), 0);
    });

    test('create stores the object with resourceVersion = revision', (t) => {
      const s = open(t);
      const input = obj('a');
      const a = s.create('/cm/default/a', input);
      assert.equal(rv(a), '1');
      assert.equal(rv(input), undefined, 'the input object is not modified');
      assert.deepEqual(s.get('/cm/default/a'), {
        ...input,
        metadata: { ...input.metadata, resourceVersion: '1' },
      });
      assert.equal(rv(s.create('/cm/default/b', obj('b'))), '2');
      assert.equal(s.currentRevision(), 2);
    });

    test('create of an existing key throws KeyExists and consumes no revision', (t) => {
      const s = open(t);
      s.create('/cm/default/a', obj('a'));
      const err = throwsCode(() => s.create('/cm/default/a', obj('a')), 'KeyExists');
      assert.equal(err.key, '/cm/default/a');
      assert.equal(s.currentRevision(), 1);
      assert.equal(rv(s.create('/cm/default/b', obj('b'))), '2');
    });

    test('get returns a private copy', (t) => {
      const s = open(t);
      s.create('/cm/default/a', obj('a'));
      const got = s.get('/cm/default/a');
      assert.ok(got);
      got.metadata.name = 'changed';
      assert.equal(s.get('/cm/default/a')?.metadata.name, 'a');
    });

    test('update writes a new revision from a private copy', (t) => {
      const s = open(t);
      s.create('/cm/default/a', obj('a'));
      let seen: KubeObject | undefined;
      const r = s.update('/cm/default/a', (cur) => {
        assert.ok(cur);
        seen = cur;
        assert.equal(rv(cur), '1');
        cur.data = { k: 'v' };
        return cur;
      });
      assert.equal(r.changed, true);
      assert.equal(rv(r.object), '2');
      assert.deepEqual(r.object?.data, { k: 'v' });
      assert.deepEqual(s.get('/cm/default/a')?.data, { k: 'v' });
      assert.equal(rv(s.get('/cm/default/a')), '2');
      assert.ok(seen);
      seen.data = { mutated: 'later' };
      assert.deepEqual(s.get('/cm/default/a')?.data, { k: 'v' });
    });

    test('update returning undefined or an equal object is a no-op', (t) => {
      const s = open(t);
      s.create('/cm/default/a', obj('a', { data: { x: '1', y: '2' } }));
      const none = s.update('/cm/default/a', () => undefined);
      assert.equal(none.changed, false);
      assert.equal(rv(none.object), '1');
      const same = s.update('/cm/default/a', (cur) => cur);
      assert.equal(same.changed, false);
      assert.equal(rv(same.object), '1');
      // A stale or missing resourceVersion and a different key order still compare equal.
      const reordered = s.update('/cm/default/a', (cur) => {
        assert.ok(cur);
        const { metadata, ...rest } = cur;
        const { resourceVersion: _rv, ...meta } = metadata;
        return { data: { y: '2', x: '1' }, ...rest, metadata: { ...meta } } as KubeObject;
      });
      assert.equal(reordered.changed, false);
      assert.equal(rv(reordered.object), '1');
      assert.equal(s.currentRevision(), 1);
    });

    test('no-op updates emit no event', TIMEOUT, async (t) => {
      const s = open(t);
      s.create('/cm/default/a', obj('a'));
      const w = s.watch('/cm/', 1);
      const it = w[Symbol.asyncIterator]();
      s.update('/cm/default/a', (cur) => cur);
      s.update('/cm/default/a', () => undefined);
      s.create('/cm/default/b', obj('b'));
      const e = await nextIs(it, '/cm/default/b');
      assert.equal(e.revision, 2);
      w.stop();
    });

    test('update of a missing key: KeyNotFound unless update returns an object', (t) => {
      const s = open(t);
      throwsCode(() => s.update('/cm/default/a', () => undefined), 'KeyNotFound');
      throwsCode(
        () => s.update('/cm/default/a', () => obj('a'), { resourceVersion: '1' }),
        'KeyNotFound',
      );
      assert.equal(s.currentRevision(), 0);
      const r = s.update('/cm/default/a', (cur) => {
        assert.equal(cur, undefined);
        return obj('a');
      });
      assert.equal(r.changed, true);
      assert.equal(rv(r.object), '1');
      assert.equal(rv(s.get('/cm/default/a')), '1');
    });

    test('update preconditions: resourceVersion and uid', (t) => {
      const s = open(t);
      s.create('/cm/default/a', obj('a'));
      s.update('/cm/default/a', (cur) => ({ ...cur!, data: { n: '2' } }));
      const stale = throwsCode(
        () => s.update('/cm/default/a', (cur) => cur, { resourceVersion: '1' }),
        'Conflict',
        'the object has been modified; please apply your changes to the latest version and try again',
      );
      assert.equal(rv(stale.current), '2');
      assert.deepEqual(stale.current?.data, { n: '2' });
      throwsCode(
        () => s.update('/cm/default/a', (cur) => cur, { uid: 'other' }),
        'Conflict',
        'Precondition failed: UID in precondition: other, UID in object meta: uid-a',
      );
      const ok = s.update('/cm/default/a', (cur) => ({ ...cur!, data: { n: '3' } }), {
        resourceVersion: '2',
        uid: 'uid-a',
      });
      assert.equal(rv(ok.object), '3');
    });

    test('an exception thrown by update propagates and writes nothing', (t) => {
      const s = open(t);
      s.create('/cm/default/a', obj('a'));
      assert.throws(
        () =>
          s.update('/cm/default/a', () => {
            throw new Error('boom');
          }),
        /boom/,
      );
      assert.equal(s.currentRevision(), 1);
      assert.equal(rv(s.create('/cm/default/b', obj('b'))), '2');
    });

    test('delete returns the last state at the delete revision', (t) => {
      const s = open(t);
      s.create('/cm/default/a', obj('a', { data: { k: 'v' } }));
      const d = s.delete('/cm/default/a');
      assert.equal(rv(d), '2');
      assert.deepEqual(d.data, { k: 'v' });
      assert.equal(s.get('/cm/default/a'), undefined);
      assert.equal(s.currentRevision(), 2);
      throwsCode(() => s.delete('/cm/default/a'), 'KeyNotFound');
      // The key can be created again.
      assert.equal(rv(s.create('/cm/default/a', obj('a'))), '3');
    });

    test('delete preconditions', (t) => {
      const s = open(t);
      s.create('/cm/default/a', obj('a'));
      throwsCode(
        () => s.delete('/cm/default/a', { resourceVersion: '7' }),
        'Conflict',
        'the object has been modified; please apply your changes to the latest version and try again',
      );
      throwsCode(
        () => s.delete('/cm/default/a', { uid: 'x' }),
        'Conflict',
        'Precondition failed: UID in precondition: x, UID in object meta: uid-a',
      );
      assert.equal(rv(s.delete('/cm/default/a', { uid: 'uid-a', resourceVersion: '1' })), '2');
    });

    test('list: key order, prefix boundaries, count', (t) => {
      const s = open(t);
      s.create('/cm/ns/c', obj('c'));
      s.create('/cm/ns/a', obj('a'));
      s.create('/cm/nsx/b', obj('b'));
      s.create('/cm/n/z', obj('z'));
      s.create('/cmx/ns/a', obj('a'));
      const r = s.list('/cm/ns/');
      assert.deepEqual(
        r.items.map((o) => o.metadata.name),
        ['a', 'c'],
      );
      assert.equal(r.revision, 5);
      assert.equal(r.lastKey, undefined);
      assert.equal(r.remaining, undefined);
      assert.deepEqual(
        s.list('/cm/').items.map((o) => `${o.metadata.name}@${rv(o)}`),
        ['z@4', 'a@2', 'c@1', 'b@3'],
      );
      assert.equal(s.count('/cm/'), 4);
      assert.equal(s.count('/cm/ns/'), 2);
      assert.equal(s.count('/'), 5);
    });

    test('list pagination with limit, afterKey and remaining', (t) => {
      const s = open(t);
      for (const n of ['a', 'b', 'c', 'd', 'e']) s.create(`/cm/ns/${n}`, obj(n));
      s.create('/other/ns/a', obj('a'));
      const p1 = s.list('/cm/', { limit: 2 });
      assert.deepEqual(
        p1.items.map((o) => o.metadata.name),
        ['a', 'b'],
      );
      assert.equal(p1.lastKey, '/cm/ns/b');
      assert.equal(p1.remaining, 3);
      assert.equal(p1.revision, 6);
      const p2 = s.list('/cm/', { limit: 2, afterKey: p1.lastKey });
      assert.deepEqual(
        p2.items.map((o) => o.metadata.name),
        ['c', 'd'],
      );
      assert.equal(p2.lastKey, '/cm/ns/d');
      assert.equal(p2.remaining, 1);
      const p3 = s.list('/cm/', { limit: 2, afterKey: p2.lastKey });
      assert.deepEqual(
        p3.items.map((o) => o.metadata.name),
        ['e'],
      );
      assert.equal(p3.lastKey, undefined);
      assert.equal(p3.remaining, undefined);
      // Exactly `limit` items left: no lastKey.
      const exact = s.list('/cm/', { limit: 3, afterKey: '/cm/ns/b' });
      assert.equal(exact.items.length, 3);
      assert.equal(exact.lastKey, undefined);
      assert.equal(s.list('/cm/', { limit: 0 }).items.length, 5);
    });

    test('raw lists give the stored JSON bytes of the same pages as parsed lists', (t) => {
      const s = open(t);
      for (const n of ['a', 'b', 'c', 'd'])
        s.create(`/cm/ns/${n}`, obj(n, { data: { v: `é ${n} 🚀` } }));
      s.update('/cm/ns/b', (cur) => ({ ...cur!, data: { v: 'changed' } })); // 5
      s.delete('/cm/ns/c'); // 6
      for (const opts of [
        {},
        { limit: 2 },
        { limit: 2, afterKey: '/cm/ns/a' },
        { limit: 5 },
        { revision: 4 },
        { revision: 4, limit: 1, afterKey: '/cm/ns/b' },
      ]) {
        const parsed = s.list('/cm/', opts);
        const raw = s.list('/cm/', { ...opts, raw: true });
        assert.deepEqual(raw.items, []);
        const texts = (raw.json ?? []).map((b) => b.toString('utf8'));
        assert.deepEqual(
          texts,
          parsed.items.map((o) => JSON.stringify(o)),
          JSON.stringify(opts),
        );
        const { items: _i, json: _j, ...rawRest } = raw;
        const { items: _p, ...parsedRest } = parsed;
        assert.deepEqual(rawRest, parsedRest);
      }
      assert.equal(s.list('/cm/', { revision: 4, raw: true }).json?.length, 4);
    });

    test('historical get and list read an older revision', (t) => {
      const s = open(t);
      s.create('/cm/ns/a', obj('a', { data: { v: '1' } })); // 1
      s.create('/cm/ns/b', obj('b')); // 2
      s.update('/cm/ns/a', (cur) => ({ ...cur!, data: { v: '3' } })); // 3
      s.delete('/cm/ns/b'); // 4
      s.create('/cm/ns/c', obj('c')); // 5
      const at = (rev: number): string[] =>
        s.list('/cm/', { revision: rev }).items.map((o) => `${o.metadata.name}@${rv(o)}`);
      assert.deepEqual(at(1), ['a@1']);
      assert.deepEqual(at(2), ['a@1', 'b@2']);
      assert.deepEqual(at(3), ['a@3', 'b@2']);
      assert.deepEqual(at(4), ['a@3']);
      assert.deepEqual(at(5), ['a@3', 'c@5']);
      assert.equal(s.list('/cm/', { revision: 2 }).revision, 2);
      assert.deepEqual(s.get('/cm/ns/a', 2)?.data, { v: '1' });
      assert.equal(rv(s.get('/cm/ns/b', 3)), '2');
      assert.equal(s.get('/cm/ns/b', 4), undefined);
      assert.equal(s.get('/cm/ns/c', 4), undefined);
      assert.equal(rv(s.get('/cm/ns/c', 5)), '5');
      const page = s.list('/cm/', { revision: 3, limit: 1 });
      assert.deepEqual(
        page.items.map((o) => rv(o)),
        ['3'],
      );
      assert.equal(page.lastKey, '/cm/ns/a');
      assert.equal(page.remaining, 1);
      const next = s.list('/cm/', { revision: 3, limit: 1, afterKey: page.lastKey });
      assert.deepEqual(
        next.items.map((o) => `${o.metadata.name}@${rv(o)}`),
        ['b@2'],
      );
      assert.equal(next.lastKey, undefined);
    });

    test('a revision newer than current throws FutureRevision', (t) => {
      const s = open(t);
      s.create('/cm/ns/a', obj('a'));
      throwsCode(() => s.get('/cm/ns/a', 2), 'FutureRevision');
      const err = throwsCode(() => s.list('/cm/', { revision: 5 }), 'FutureRevision');
      assert.equal(err.key, '/cm/');
      assert.equal(s.list('/cm/', { revision: 1 }).items.length, 1);
    });

    test('watch replays the log, then streams live events in order', TIMEOUT, async (t) => {
      const s = open(t);
      s.create('/cm/ns/a', obj('a')); // 1
      s.create('/cm/ns/b', obj('b')); // 2
      s.create('/other/ns/x', obj('x')); // 3
      s.update('/cm/ns/a', (cur) => ({ ...cur!, data: { v: '4' } })); // 4
      const w = s.watch('/cm/', 1);
      const it = w[Symbol.asyncIterator]();
      s.delete('/cm/ns/b'); // 5
      s.create('/other/ns/y', obj('y')); // 6
      s.update('/cm/ns/a', (cur) => ({ ...cur!, data: { v: '7' } })); // 7
      const events = await take(it, 4);
      assert.deepEqual(summary(events), [
        'ADDED /cm/ns/b 2',
        'MODIFIED /cm/ns/a 4',
        'DELETED /cm/ns/b 5',
        'MODIFIED /cm/ns/a 7',
      ]);
      const [added, modified, deleted, live] = events;
      assert.ok(added && modified && deleted && live);
      assert.equal(rv(added.object), '2');
      assert.equal(added.prevObject, undefined);
      assert.equal(rv(modified.object), '4');
      assert.deepEqual(modified.object.data, { v: '4' });
      assert.equal(rv(modified.prevObject), '1');
      assert.equal(rv(deleted.object), '5');
      assert.equal(deleted.object.metadata.name, 'b');
      assert.equal(rv(deleted.prevObject), '2');
      assert.equal(rv(live.prevObject), '4');
      for (const e of events) assert.deepEqual(JSON.parse(e.json), e.object);
      w.stop();
      assert.equal(w.closeReason, 'stopped');
      assert.deepEqual(await it.next(), { done: true, value: undefined });
    });

    test('watch from the current revision sees only new events', TIMEOUT, async (t) => {
      const s = open(t);
      s.create('/cm/ns/a', obj('a'));
      const w = s.watch('/cm/', s.currentRevision());
      const it = w[Symbol.asyncIterator]();
      s.delete('/cm/ns/a');
      const [e] = await take(it, 1);
      assert.equal(e?.type, 'DELETED');
      assert.equal(e?.revision, 2);
      w.stop();
    });

    test('watch from a future revision waits for it', TIMEOUT, async (t) => {
      const s = open(t);
      const w = s.watch('/cm/', 2);
      const it = w[Symbol.asyncIterator]();
      s.create('/cm/ns/a', obj('a')); // 1
      s.create('/cm/ns/b', obj('b')); // 2
      s.create('/cm/ns/c', obj('c')); // 3
      assert.deepEqual(summary(await take(it, 1)), ['ADDED /cm/ns/c 3']);
      w.stop();
    });

    test('a pending next() is resolved by a later write', TIMEOUT, async (t) => {
      const s = open(t);
      const w = s.watch('/cm/', 0);
      const it = w[Symbol.asyncIterator]();
      const pending = it.next();
      s.create('/cm/ns/a', obj('a'));
      const r = await pending;
      assert.equal(r.done, false);
      assert.equal((r.value as StoredEvent).revision, 1);
      w.stop();
    });

    test('watchers on one prefix all receive the same events', TIMEOUT, async (t) => {
      const s = open(t);
      const w1 = s.watch('/cm/', 0);
      const w2 = s.watch('/cm/ns/', 0);
      const w3 = s.watch('/cm/nsx/', 0);
      s.create('/cm/ns/a', obj('a'));
      s.create('/cm/nsx/a', obj('a'));
      assert.deepEqual(summary(await take(w1[Symbol.asyncIterator](), 2)), [
        'ADDED /cm/ns/a 1',
        'ADDED /cm/nsx/a 2',
      ]);
      assert.deepEqual(summary(await take(w2[Symbol.asyncIterator](), 1)), ['ADDED /cm/ns/a 1']);
      assert.deepEqual(summary(await take(w3[Symbol.asyncIterator](), 1)), ['ADDED /cm/nsx/a 2']);
      for (const w of [w1, w2, w3]) w.stop();
    });

    test('a slow watcher is closed with overflow; others are unaffected', TIMEOUT, async (t) => {
      const s = open(t);
      const slow = s.watch('/cm/', 0, { bufferSize: 2 });
      const fast = s.watch('/cm/', 0, { bufferSize: 100 });
      s.create('/cm/ns/a', obj('a'));
      s.create('/cm/ns/b', obj('b'));
      // A store with group commit publishes when the group is committed.
      await s.settled?.();
      assert.equal(slow.closeReason, undefined, 'bufferSize events fit');
      s.create('/cm/ns/c', obj('c'));
      await s.settled?.();
      assert.equal(slow.closeReason, 'overflow');
      const it = slow[Symbol.asyncIterator]();
      assert.equal((await it.next()).done, true);
      assert.equal(fast.closeReason, undefined);
      assert.equal((await take(fast[Symbol.asyncIterator](), 3)).length, 3);
      fast.stop();
    });

    test('stop ends a pending iteration; break stops the watch', TIMEOUT, async (t) => {
      const s = open(t);
      const w = s.watch('/cm/', 0);
      const it = w[Symbol.asyncIterator]();
      const pending = it.next();
      w.stop();
      w.stop();
      assert.equal((await pending).done, true);
      assert.equal(w.closeReason, 'stopped');

      const w2 = s.watch('/cm/', 0);
      s.create('/cm/ns/a', obj('a'));
      for await (const e of w2) {
        assert.equal(e.revision, 1);
        break;
      }
      assert.equal(w2.closeReason, 'stopped');
    });

    test('close ends every watch with storage-closed', TIMEOUT, async () => {
      const s = fixture.open();
      const w = s.watch('/cm/', 0);
      const pending = w[Symbol.asyncIterator]().next();
      s.close();
      s.close();
      assert.equal((await pending).done, true);
      assert.equal(w.closeReason, 'storage-closed');
    });

    test('compact drops history beyond retainRevisions', TIMEOUT, async (t) => {
      const s = open(t, { retainRevisions: 2, retainSeconds: 1e9 });
      s.create('/cm/ns/a', obj('a')); // 1
      s.create('/cm/ns/b', obj('b')); // 2
      s.update('/cm/ns/a', (cur) => ({ ...cur!, data: { v: '3' } })); // 3
      s.delete('/cm/ns/b'); // 4
      s.update('/cm/ns/a', (cur) => ({ ...cur!, data: { v: '5' } })); // 5
      s.compact();
      assert.equal(s.compactedRevision(), 3);
      assert.equal(s.currentRevision(), 5);
      throwsCode(() => s.watch('/cm/', 2), 'Compacted');
      throwsCode(() => s.get('/cm/ns/a', 2), 'Compacted');
      const err = throwsCode(() => s.list('/cm/', { revision: 1 }), 'Compacted');
      assert.equal(err.key, '/cm/');
      assert.deepEqual(
        s.list('/cm/', { revision: 3 }).items.map((o) => `${o.metadata.name}@${rv(o)}`),
        ['a@3', 'b@2'],
      );
      assert.deepEqual(
        s.list('/cm/', { revision: 4 }).items.map((o) => `${o.metadata.name}@${rv(o)}`),
        ['a@3'],
      );
      const w = s.watch('/cm/', 3);
      const events = await take(w[Symbol.asyncIterator](), 2);
      assert.deepEqual(summary(events), ['DELETED /cm/ns/b 4', 'MODIFIED /cm/ns/a 5']);
      assert.equal(rv(events[0]?.prevObject), '2');
      assert.equal(rv(events[1]?.prevObject), '3');
      w.stop();
      // Compaction never goes backwards and never removes current state.
      s.compact();
      assert.equal(s.compactedRevision(), 3);
      assert.equal(rv(s.get('/cm/ns/a')), '5');
    });

    test('compact keeps current rows of keys not written for a long time', (t) => {
      const s = open(t, { retainRevisions: 0, retainSeconds: 1e9 });
      s.create('/cm/ns/old', obj('old')); // 1
      s.create('/cm/ns/x', obj('x')); // 2
      s.delete('/cm/ns/x'); // 3
      s.compact();
      assert.equal(s.compactedRevision(), 3);
      assert.deepEqual(
        s.list('/cm/').items.map((o) => `${o.metadata.name}@${rv(o)}`),
        ['old@1'],
      );
      assert.equal(rv(s.get('/cm/ns/old', 3)), '1');
      assert.equal(s.get('/cm/ns/x', 3), undefined);
      assert.equal(rv(s.create('/cm/ns/x', obj('x'))), '4');
    });

    test('compact drops history older than retainSeconds', (t) => {
      let now = 1_700_000_000_000;
      const s = open(t, { retainRevisions: 1_000_000, retainSeconds: 60, clock: () => now });
      s.create('/cm/ns/a', obj('a')); // 1
      s.create('/cm/ns/b', obj('b')); // 2
      now += 30_000;
      s.create('/cm/ns/c', obj('c')); // 3
      s.compact();
      assert.equal(s.compactedRevision(), 0);
      now += 31_000;
      s.create('/cm/ns/d', obj('d')); // 4
      s.compact();
      assert.equal(s.compactedRevision(), 2);
      throwsCode(() => s.watch('/cm/', 1), 'Compacted');
      now += 60_000;
      s.compact();
      assert.equal(s.compactedRevision(), 3, 'revision 4 is exactly 60s old: kept');
      now += 1;
      s.compact();
      assert.equal(s.compactedRevision(), 4, 'never beyond current');
      assert.equal(s.count('/cm/'), 4);
    });

    test('random histories match a model across compactions', TIMEOUT, async (t) => {
      const s = open(t, { retainRevisions: 7, retainSeconds: 1e9 });
      let seed = 42;
      const rand = (n: number): number => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return (seed >>> 16) % n;
      };
      // snapshots[r] = the state after revision r, as key -> resourceVersion.
      const snapshots: Map<string, string>[] = [new Map()];
      const events: string[] = [];
      const w = s.watch('/r/', 0, { bufferSize: 10_000 });
      for (let step = 0; step < 300; step++) {
        const key = `/r/ns/k${rand(6)}`;
        const state = new Map(snapshots[snapshots.length - 1]);
        if (!state.has(key)) {
          s.create(key, obj(key));
          events.push(`ADDED ${key}`);
          state.set(key, String(s.currentRevision()));
        } else if (rand(3) === 0) {
          s.delete(key);
          events.push(`DELETED ${key}`);
          state.delete(key);
        } else {
          s.update(key, (cur) => ({ ...cur!, data: { step: String(step) } }));
          events.push(`MODIFIED ${key}`);
          state.set(key, String(s.currentRevision()));
        }
        snapshots.push(state);
        assert.equal(s.currentRevision(), snapshots.length - 1);
        if (rand(10) === 0) s.compact();
        // Revision 0 means "current", so a historical read starts at 1.
        for (let r = Math.max(1, s.compactedRevision()); r <= s.currentRevision(); r++) {
          const want = [...(snapshots[r] ?? new Map<string, string>())].sort(([a], [b]) =>
            a < b ? -1 : 1,
          );
          const got = s
            .list('/r/', { revision: r })
            .items.map((o) => [String(o.metadata.name), String(rv(o))]);
          assert.deepEqual(got, want, `list at ${r}`);
        }
      }
      const live = await take(w[Symbol.asyncIterator](), events.length);
      assert.deepEqual(
        live.map((e) => `${e.type} ${e.key}`),
        events,
      );
      w.stop();
      const from = s.compactedRevision();
      assert.ok(from > 0, 'the history was compacted');
      const replay = s.watch('/r/', from);
      const replayed = await take(replay[Symbol.asyncIterator](), s.currentRevision() - from);
      assert.deepEqual(
        replayed.map((e) => `${e.type} ${e.key} ${e.revision}`),
        live.slice(from).map((e) => `${e.type} ${e.key} ${e.revision}`),
      );
      replay.stop();
    });

    test('restart keeps revisions, data and the compacted revision', TIMEOUT, async (t) => {
      if (fixture.reopen === undefined) {
        t.skip('not a persistent store');
        return;
      }
      const opts = { retainRevisions: 1, retainSeconds: 1e9 };
      const s1 = fixture.open(opts);
      s1.create('/cm/ns/a', obj('a')); // 1
      s1.update('/cm/ns/a', (cur) => ({ ...cur!, data: { v: '2' } })); // 2
      s1.create('/cm/ns/b', obj('b')); // 3
      s1.delete('/cm/ns/b'); // 4
      s1.compact();
      assert.equal(s1.compactedRevision(), 3);
      s1.close();
      const s2 = fixture.reopen(s1, opts);
      t.after(() => s2.close());
      assert.equal(s2.currentRevision(), 4);
      assert.equal(s2.compactedRevision(), 3);
      assert.deepEqual(s2.get('/cm/ns/a')?.data, { v: '2' });
      assert.equal(rv(s2.get('/cm/ns/a')), '2');
      assert.equal(s2.get('/cm/ns/b'), undefined);
      throwsCode(() => s2.watch('/cm/', 2), 'Compacted');
      const w = s2.watch('/cm/', 3);
      const it = w[Symbol.asyncIterator]();
      assert.equal(rv(s2.create('/cm/ns/c', obj('c'))), '5');
      assert.deepEqual(summary(await take(it, 2)), ['DELETED /cm/ns/b 4', 'ADDED /cm/ns/c 5']);
      w.stop();
    });

    test('restart after compacting away a trailing delete keeps the revision', (t) => {
      if (fixture.reopen === undefined) {
        t.skip('not a persistent store');
        return;
      }
      const opts = { retainRevisions: 0, retainSeconds: 1e9 };
      const s1 = fixture.open(opts);
      s1.create('/cm/ns/a', obj('a')); // 1
      s1.delete('/cm/ns/a'); // 2
      s1.compact();
      s1.close();
      const s2 = fixture.reopen(s1, opts);
      t.after(() => s2.close());
      assert.equal(s2.currentRevision(), 2);
      assert.equal(s2.compactedRevision(), 2);
      assert.equal(rv(s2.create('/cm/ns/a', obj('a'))), '3');
    });
  });
}
