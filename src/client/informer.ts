// A shared informer (after client-go's reflector + indexer): lists, then watches from the list's
// resourceVersion, keeps a local cache, and tells handlers about changes. It re-lists on 410 and
// re-watches from the last seen revision when a watch ends, so no change is missed; a periodic
// resync re-delivers every cached object so level-triggered controllers heal missed work.
import type { KubeObject } from '../api/types.js';
import type { KubeClient, ListQuery, ResourceRef } from './rest.js';

export interface InformerHandlers {
  add?(obj: Readonly<KubeObject>): void;
  update?(oldObj: Readonly<KubeObject>, newObj: Readonly<KubeObject>): void;
  delete?(obj: Readonly<KubeObject>): void;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Re-deliver every cached object as an update this often (0: never). */
  resyncMs?: number;
  onError?: (err: unknown) => void;
}

/** `namespace/name`, or `name` for cluster-scoped objects: the key controllers queue. */
export function objectKey(obj: Pick<KubeObject, 'metadata'>): string {
  const { namespace, name } = obj.metadata;
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}

function freeze<T>(obj: T): T {
  if (obj !== null && typeof obj === 'object' && !Object.isFrozen(obj)) {
    Object.freeze(obj);
    for (const v of Object.values(obj as object)) freeze(v);
  }
  return obj;
}

export class Informer {
  readonly #client: KubeClient;
  readonly #ref: ResourceRef;
  readonly #opts: InformerOptions;
  readonly #cache = new Map<string, KubeObject>();
  readonly #handlers: InformerHandlers[] = [];
  readonly #abort = new AbortController();
  #rv = '';
  #synced = false;
  #syncWaiters: Array<() => void> = [];
  #loop: Promise<void> | undefined;
  #resync: NodeJS.Timeout | undefined;

  constructor(client: KubeClient, ref: ResourceRef, opts: InformerOptions = {}) {
    this.#client = client;
    this.#ref = ref;
    this.#opts = opts;
  }

  addHandlers(h: InformerHandlers): void {
    this.#handlers.push(h);
    if (this.#synced) for (const obj of this.#cache.values()) h.add?.(obj);
  }

  /** Readonly cached objects; never mutate them (clone before writing). */
  get(key: string): Readonly<KubeObject> | undefined {
    return this.#cache.get(key);
  }

  list(namespace?: string): Readonly<KubeObject>[] {
    const all = [...this.#cache.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  /** Starts list+watch; resolves once the first list is in the cache. */
  async start(): Promise<void> {
    this.#loop ??= this.#run();
    if (this.#opts.resyncMs) {
      this.#resync = setInterval(() => {
        for (const obj of this.#cache.values())
          for (const h of this.#handlers) h.update?.(obj, obj);
      }, this.#opts.resyncMs);
      this.#resync.unref();
    }
    if (!this.#synced) await new Promise<void>((resolve) => this.#syncWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    if (this.#resync) clearInterval(this.#resync);
    await this.#loop;
    for (const w of this.#syncWaiters.splice(0)) w();
  }

  #query(): ListQuery {
    const q: ListQuery = {};
    if (this.#opts.labelSelector) q.labelSelector = this.#opts.labelSelector;
    if (this.#opts.fieldSelector) q.fieldSelector = this.#opts.fieldSelector;
    return q;
  }

  async #relist(): Promise<void> {
    const list = await this.#client.list(this.#ref, this.#opts.namespace, this.#query());
    const fresh = new Map<string, KubeObject>();
    for (const item of list.items) fresh.set(objectKey(item), freeze(item));
    for (const [key, old] of this.#cache) {
      if (!fresh.has(key)) {
        this.#cache.delete(key);
        for (const h of this.#handlers) h.delete?.(old);
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.#cache.get(key);
      this.#cache.set(key, obj);
      for (const h of this.#handlers) {
        if (!old) h.add?.(obj);
        else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion)
          h.update?.(old, obj);
      }
    }
    this.#rv = list.metadata.resourceVersion ?? '';
    if (!this.#synced) {
      this.#synced = true;
      for (const w of this.#syncWaiters.splice(0)) w();
    }
  }

  async #run(): Promise<void> {
    let backoff = 100;
    let needList = true;
    while (!this.#abort.signal.aborted) {
      try {
        if (needList) await this.#relist();
        needList = false;
        const outcome = await this.#client.watch(
          this.#ref,
          this.#opts.namespace,
          {
            ...this.#query(),
            resourceVersion: this.#rv,
            allowWatchBookmarks: true,
            timeoutSeconds: 300 + Math.floor(Math.random() * 300),
          },
          (ev) => {
            const obj = freeze(ev.object);
            this.#rv = obj.metadata.resourceVersion ?? this.#rv;
            if (ev.type === 'BOOKMARK') return;
            const key = objectKey(obj);
            const old = this.#cache.get(key);
            if (ev.type === 'DELETED') {
              this.#cache.delete(key);
              for (const h of this.#handlers) h.delete?.(obj);
            } else {
              this.#cache.set(key, obj);
              for (const h of this.#handlers) {
                if (old) h.update?.(old, obj);
                else h.add?.(obj);
              }
            }
          },
          this.#abort.signal,
        );
        if (outcome === 'expired') needList = true;
        backoff = 100;
      } catch (err) {
        if (this.#abort.signal.aborted) return;
        this.#opts.onError?.(err);
        // Re-watch from the last revision seen; only a 410 (or no list yet) forces a re-list.
        needList = !this.#synced;
        await new Promise((r) => setTimeout(r, backoff).unref());
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }
}
