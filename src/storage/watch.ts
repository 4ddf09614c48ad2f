// Watch fan-out. The storage write path hands committed events to a WatchBroadcaster, which
// queues each one on every matching watcher. Everything here is synchronous except the consumer
// side of the async iterator, so a subscriber registered in the same synchronous section that
// read its backlog can neither miss nor duplicate an event.
import type { KubeObject } from '../api/types.js';
import type { StoredEvent, Watch, WatchCloseReason } from './interface.js';

/** Freezes `value` and everything reachable from it; shared event objects must stay unchanged. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function parseFrozen(json: string): Readonly<KubeObject> {
  return deepFreeze(JSON.parse(json) as KubeObject);
}

/**
 * One event, shared by every watcher that receives it. The JSON is the text stored in the log
 * (serialised once by the write path); the objects are parsed from it on first access only, so
 * an event nobody looks at costs no parse, and a parsed object is deep-frozen because all
 * watchers see the same instance.
 */
export class SharedEvent implements StoredEvent {
  #object: Readonly<KubeObject> | undefined;
  #prevObject: Readonly<KubeObject> | undefined;

  constructor(
    readonly type: StoredEvent['type'],
    readonly key: string,
    readonly revision: number,
    readonly json: string,
    /** JSON of the previous state (absent for ADDED). */
    readonly prevJson?: string,
  ) {}

  get object(): Readonly<KubeObject> {
    this.#object ??= parseFrozen(this.json);
    return this.#object;
  }

  get prevObject(): Readonly<KubeObject> | undefined {
    if (this.prevJson === undefined) return undefined;
    this.#prevObject ??= parseFrozen(this.prevJson);
    return this.#prevObject;
  }
}

type Resolve = (result: IteratorResult<StoredEvent>) => void;

const DONE: IteratorResult<StoredEvent> = Object.freeze({ done: true, value: undefined });

/**
 * A watcher's queue. The replayed backlog is held apart from live events: it is bounded by the
 * store's retention window, whereas live events arrive at the writers' pace and are bounded by
 * `bufferSize` (more pending than that closes the watch with 'overflow', so a stuck consumer
 * cannot grow memory without limit).
 */
class QueuedWatch implements Watch {
  #closeReason: WatchCloseReason | undefined;
  #backlog: readonly StoredEvent[];
  #backlogPos = 0;
  #live: StoredEvent[] = [];
  #livePos = 0;
  #waiters: Resolve[] = [];
  /** Live events at or below this revision were covered by the backlog (or precede the start). */
  #after: number;

  constructor(
    readonly prefix: string,
    after: number,
    backlog: readonly StoredEvent[],
    private readonly bufferSize: number,
    private readonly onClose: (w: QueuedWatch) => void,
  ) {
    this.#after = after;
    this.#backlog = backlog;
  }

  get closeReason(): WatchCloseReason | undefined {
    return this.#closeReason;
  }

  /** Number of live events queued and not yet consumed. */
  get pending(): number {
    return this.#live.length - this.#livePos;
  }

  push(event: StoredEvent): void {
    if (this.#closeReason !== undefined || event.revision <= this.#after) return;
    this.#after = event.revision;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      // A waiting consumer implies both queues are empty: hand the event over directly.
      waiter({ done: false, value: event });
      return;
    }
    this.#live.push(event);
    if (this.pending > this.bufferSize) this.close('overflow');
  }

  close(reason: WatchCloseReason): void {
    if (this.#closeReason !== undefined) return;
    this.#closeReason = reason;
    // Queued events are dropped: whoever resumes after a close must re-list anyway.
    this.#backlog = [];
    this.#live = [];
    this.#livePos = 0;
    for (const resolve of this.#waiters.splice(0)) resolve(DONE);
    this.onClose(this);
  }

  stop(): void {
    this.close('stopped');
  }

  #shift(): StoredEvent | undefined {
    if (this.#backlogPos < this.#backlog.length) {
      const event = this.#backlog[this.#backlogPos++];
      if (this.#backlogPos === this.#backlog.length) {
        this.#backlog = [];
        this.#backlogPos = 0;
      }
      return event;
    }
    if (this.#livePos < this.#live.length) {
      const event = this.#live[this.#livePos++];
      if (this.#livePos === this.#live.length) {
        this.#live = [];
        this.#livePos = 0;
      } else if (this.#livePos >= 1024 && this.#livePos * 2 >= this.#live.length) {
        this.#live = this.#live.slice(this.#livePos);
        this.#livePos = 0;
      }
      return event;
    }
    return undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<StoredEvent> {
    return {
      next: (): Promise<IteratorResult<StoredEvent>> => {
        const event = this.#shift();
        if (event !== undefined) return Promise.resolve({ done: false, value: event });
        if (this.#closeReason !== undefined) return Promise.resolve(DONE);
        return new Promise<IteratorResult<StoredEvent>>((resolve) => this.#waiters.push(resolve));
      },
      // `break` out of a for-await loop ends the watch rather than leaking the subscription.
      return: (): Promise<IteratorResult<StoredEvent>> => {
        this.stop();
        return Promise.resolve(DONE);
      },
    };
  }
}

/**
 * Routes committed events to watchers by key prefix. Watchers are grouped by prefix, so one
 * event costs one startsWith per distinct prefix plus one push per matching watcher.
 */
export class WatchBroadcaster {
  readonly #byPrefix = new Map<string, Set<QueuedWatch>>();

  /**
   * Registers a watcher. `backlog` must hold exactly the events after the watch's start up to
   * `after`, and `after` must be at least the newest revision already published: live events
   * at or below it are ignored, which is what makes replay + subscription gap- and
   * duplicate-free.
   */
  subscribe(
    prefix: string,
    after: number,
    backlog: readonly StoredEvent[],
    bufferSize: number,
  ): Watch {
    const watch = new QueuedWatch(prefix, after, backlog, bufferSize, (w) => this.#remove(w));
    let group = this.#byPrefix.get(prefix);
    if (group === undefined) {
      group = new Set();
      this.#byPrefix.set(prefix, group);
    }
    group.add(watch);
    return watch;
  }

  /** Queues committed events, in revision order, on every matching watcher. */
  publish(events: readonly StoredEvent[]): void {
    if (this.#byPrefix.size === 0) return;
    for (const event of events) {
      for (const [prefix, group] of this.#byPrefix) {
        if (!event.key.startsWith(prefix)) continue;
        // A watcher closed for overflow removes itself; Set iteration tolerates that.
        for (const watch of group) watch.push(event);
      }
    }
  }

  /** Ends every watch with `reason`. */
  closeAll(reason: WatchCloseReason): void {
    for (const group of [...this.#byPrefix.values()]) {
      for (const watch of [...group]) watch.close(reason);
    }
  }

  /** Number of open watches. */
  get size(): number {
    let n = 0;
    for (const group of this.#byPrefix.values()) n += group.size;
    return n;
  }

  #remove(watch: QueuedWatch): void {
    const group = this.#byPrefix.get(watch.prefix);
    if (group === undefined) return;
    group.delete(watch);
    if (group.size === 0) this.#byPrefix.delete(watch.prefix);
  }
}
