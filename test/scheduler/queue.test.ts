import assert from 'node:assert/strict';
import { test } from 'node:test';
import { podPriority, queuedBefore, SchedulingQueue } from '../../src/scheduler/queue.js';
import { SkewClock } from '../support/clock.js';

test('queuedBefore: higher priority first, then the earlier queued', () => {
  assert.equal(
    queuedBefore({ key: 'a', priority: 10, seq: 5 }, { key: 'b', priority: 1, seq: 0 }),
    true,
  );
  assert.equal(
    queuedBefore({ key: 'a', priority: 1, seq: 0 }, { key: 'b', priority: 10, seq: 5 }),
    false,
  );
  assert.equal(
    queuedBefore({ key: 'a', priority: 3, seq: 1 }, { key: 'b', priority: 3, seq: 2 }),
    true,
  );
  assert.equal(
    queuedBefore({ key: 'a', priority: 3, seq: 2 }, { key: 'b', priority: 3, seq: 1 }),
    false,
  );
});

test('podPriority reads spec.priority, 0 when unset', () => {
  assert.equal(podPriority({ metadata: {}, spec: { priority: -5 } }), -5);
  assert.equal(podPriority({ metadata: {}, spec: {} }), 0);
  assert.equal(podPriority({ metadata: {} }), 0);
});

test('hands out pods by priority, FIFO within a priority, each key once', async () => {
  const q = new SchedulingQueue();
  q.add('low-1', 0);
  q.add('high-1', 1000);
  q.add('low-2', 0);
  q.add('mid', 10);
  q.add('high-2', 1000);
  q.add('low-1', 0); // already queued: no duplicate
  q.add('neg', -1);
  const order: string[] = [];
  while (q.length > 0) {
    const k = (await q.get()) as string;
    order.push(k);
    q.done(k);
  }
  assert.deepEqual(order, ['high-1', 'high-2', 'mid', 'low-1', 'low-2', 'neg']);
});

test('a key re-added while processing is queued again only after done()', async () => {
  const q = new SchedulingQueue();
  q.add('a', 1);
  const k = await q.get();
  assert.equal(k, 'a');
  q.add('a', 1);
  assert.equal(q.length, 0);
  q.add('b', 5);
  q.done('a');
  assert.equal(await q.get(), 'b');
  assert.equal(await q.get(), 'a');
});

test('a waiting get() receives the next added key; delayed adds wait for the clock', async () => {
  const clock = new SkewClock();
  const q = new SchedulingQueue(clock);
  const next = q.get();
  q.addAfter('later', 5, 1000);
  q.add('now', 0);
  assert.equal(await next, 'now');
  q.done('now');
  assert.equal(q.length, 0);
  clock.advance(1000);
  assert.equal(q.length, 1);
  assert.equal(await q.get(), 'later');
  q.shutDown();
  assert.equal(await q.get(), undefined);
});
