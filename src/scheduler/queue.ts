// The scheduler's active queue (after kube-scheduler's PriorityQueue with the PrioritySort
// plugin): pods are handed out highest spec.priority first, and among equal priorities in the
// order they were queued. Like the controllers' work queue, a key queued several times is handed
// out once and never to two workers at once; delayed adds serve backoff.
import type { KubeObject } from '../api/types.js';
import { realClock, type Clock } from '../client/workqueue.js';

/** spec.priority, 0 when unset (upstream's corev1helpers.PodPriority). */
export function podPriority(pod: Readonly<KubeObject>): number {
  const p = (pod.spec as { priority?: unknown } | undefined)?.priority;
  return typeof p === 'number' ? p : 0;
}

export interface QueuedPod {
  key: string;
  priority: number;
  /** When the pod entered the queue (a sequence number: later is larger). */
  seq: number;
}

/** PrioritySort's Less: higher priority first, then the earlier queued. */
export function queuedBefore(a: QueuedPod, b: QueuedPod): boolean {
  return a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq;
}

export class SchedulingQueue {
  readonly #heap: QueuedPod[] = [];
  /** Keys in the heap, or re-added while being processed (then priority is remembered). */
  readonly #dirty = new Map<string, number>();
  readonly #processing = new Set<string>();
  readonly #timers = new Map<string, { at: number; cancel(): void }>();
  readonly #waiters: Array<(key: string | undefined) => void> = [];
  readonly #clock: Clock;
  #seq = 0;
  #shutDown = false;

  constructor(clock: Clock = realClock) {
    this.#clock = clock;
  }

  get length(): number {
    return this.#heap.length;
  }

  add(key: string, priority: number): void {
    if (this.#shutDown || this.#dirty.has(key)) return;
    if (this.#processing.has(key)) {
      this.#dirty.set(key, priority); // queued again by done()
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#processing.add(key);
      waiter(key);
      return;
    }
    this.#dirty.set(key, priority);
    this.#push({ key, priority, seq: this.#seq++ });
  }

  /** Adds the key after `ms`; an earlier pending delayed add for the same key wins. */
  addAfter(key: string, priority: number, ms: number): void {
    if (this.#shutDown) return;
    if (ms <= 0) {
      this.add(key, priority);
      return;
    }
    const at = this.#clock.now() + ms;
    const pending = this.#timers.get(key);
    if (pending && pending.at <= at) return;
    pending?.cancel();
    const timer = this.#clock.setTimeout(() => {
      this.#timers.delete(key);
      this.add(key, priority);
    }, ms);
    this.#timers.set(key, { at, cancel: timer.cancel });
  }

  /** The most important queued key, or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const top = this.#pop();
    if (top !== undefined) {
      this.#dirty.delete(top.key);
      this.#processing.add(top.key);
      return Promise.resolve(top.key);
    }
    if (this.#shutDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  done(key: string): void {
    this.#processing.delete(key);
    const priority = this.#dirty.get(key);
    if (priority !== undefined) {
      this.#dirty.delete(key);
      this.add(key, priority);
    }
  }

  shutDown(): void {
    this.#shutDown = true;
    for (const t of this.#timers.values()) t.cancel();
    this.#timers.clear();
    for (const w of this.#waiters.splice(0)) w(undefined);
  }

  #push(item: QueuedPod): void {
    const h = this.#heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!queuedBefore(h[i] as QueuedPod, h[parent] as QueuedPod)) break;
      [h[i], h[parent]] = [h[parent] as QueuedPod, h[i] as QueuedPod];
      i = parent;
    }
  }

  #pop(): QueuedPod | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < h.length && queuedBefore(h[l] as QueuedPod, h[best] as QueuedPod)) best = l;
      if (r < h.length && queuedBefore(h[r] as QueuedPod, h[best] as QueuedPod)) best = r;
      if (best === i) return top;
      [h[i], h[best]] = [h[best] as QueuedPod, h[i] as QueuedPod];
      i = best;
    }
  }
}
