// A clock for controller tests: real time plus an offset the test can jump forward. Timers fire
// when their time comes, whether by waiting or by advance(), so short requeues still run while
// long ones (deadlines, TTLs, schedules) are reached at once.
import type { Clock } from '../../src/client/workqueue.js';

export class SkewClock implements Clock {
  #offset: number;
  readonly #timers = new Set<{ at: number; fn: () => void; t: NodeJS.Timeout }>();

  /** Starts at `start` (ms since the epoch), or at the real time. */
  constructor(start?: number) {
    this.#offset = start === undefined ? 0 : start - Date.now();
  }

  now(): number {
    return Date.now() + this.#offset;
  }

  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    const timer = {
      at: this.now() + ms,
      fn,
      t: setTimeout(() => this.#fire(timer), Math.max(0, ms)),
    };
    timer.t.unref();
    this.#timers.add(timer);
    return {
      cancel: () => {
        clearTimeout(timer.t);
        this.#timers.delete(timer);
      },
    };
  }

  /** Jumps forward and fires every timer now due. */
  advance(ms: number): void {
    this.#offset += ms;
    const now = this.now();
    for (const t of [...this.#timers]) if (t.at <= now) this.#fire(t);
  }

  #fire(timer: { at: number; fn: () => void; t: NodeJS.Timeout }): void {
    if (!this.#timers.delete(timer)) return;
    clearTimeout(timer.t);
    timer.fn();
  }
}
