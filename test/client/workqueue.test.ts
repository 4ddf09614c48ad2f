import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runWorkers, WorkQueue, type Clock } from '../../src/client/workqueue.js';

/** A manual clock: timers fire only when advance() passes them. */
function fakeClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  let timers: Array<{ at: number; fn: () => void; cancelled: boolean }> = [];
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const t = { at: now + ms, fn, cancelled: false };
      timers.push(t);
      return { cancel: () => (t.cancelled = true) };
    },
    advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.at <= now && !t.cancelled).sort((a, b) => a.at - b.at);
      timers = timers.filter((t) => !due.includes(t));
      for (const t of due) t.fn();
    },
  };
}

test('a key added many times is handed out once', async () => {
  const q = new WorkQueue();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(q.length, 0);
});

test('a key re-added while processing waits for done, never going to two workers', async () => {
  const q = new WorkQueue();
  q.add('a');
  const first = await q.get();
  q.add('a');
  assert.equal(q.length, 0, 'not handed out while processing');
  let second: string | undefined;
  const waiting = q.get().then((k) => (second = k));
  await Promise.resolve();
  assert.equal(second, undefined);
  q.done(first ?? '');
  await waiting;
  assert.equal(second, 'a');
});

test('failures back off exponentially and forget resets them', () => {
  const clock = fakeClock();
  const q = new WorkQueue({ clock, baseDelayMs: 10, maxDelayMs: 35 });
  q.addRateLimited('a');
  clock.advance(9);
  assert.equal(q.length, 0);
  clock.advance(1);
  assert.equal(q.length, 1, 'after 10 ms');
  void q.get();
  q.done('a');
  q.addRateLimited('a');
  clock.advance(19);
  assert.equal(q.length, 0);
  clock.advance(1);
  assert.equal(q.length, 1, 'after 20 ms');
  void q.get();
  q.done('a');
  q.addRateLimited('a');
  clock.advance(35);
  assert.equal(q.length, 1, 'capped at 35 ms');
  assert.equal(q.failures('a'), 3);
  q.forget('a');
  assert.equal(q.failures('a'), 0);
});

test('addAfter keeps the earliest pending time', () => {
  const clock = fakeClock();
  const q = new WorkQueue({ clock });
  q.addAfter('a', 100);
  q.addAfter('a', 50);
  q.addAfter('a', 80);
  clock.advance(50);
  assert.equal(q.length, 1);
  clock.advance(100);
  assert.equal(q.length, 1, 'the later timers were replaced, not added');
});

test('shutDown releases waiting workers', async () => {
  const q = new WorkQueue();
  const waiting = q.get();
  q.shutDown();
  assert.equal(await waiting, undefined);
});

test('runWorkers retries failing syncs and stops on shutDown', async () => {
  // Real timers, but ref'd so the test's event loop waits for the retries.
  const clock: Clock = {
    now: () => Date.now(),
    setTimeout: (fn, ms) => {
      const t = setTimeout(fn, ms);
      return { cancel: () => clearTimeout(t) };
    },
  };
  const q = new WorkQueue({ clock, baseDelayMs: 1 });
  const seen: string[] = [];
  let failuresLeft = 2;
  q.add('x');
  const done = runWorkers(
    q,
    2,
    async (key) => {
      seen.push(key);
      if (failuresLeft-- > 0) throw new Error('not yet');
      q.shutDown();
    },
    () => {},
  );
  await done;
  assert.deepEqual(seen, ['x', 'x', 'x']);
});
