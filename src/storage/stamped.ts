// Reads of rarely written resources that every create consults (the namespace, the service
// account, the priority classes of a pod), kept until Storage.changeStamp says a key under their
// resource prefix was written or a write rolled back. Without changeStamp nothing is kept.
import type { KubeObject } from '../api/types.js';
import type { Storage } from './interface.js';
import { deepFreeze } from './watch.js';

/** More distinct keys than this and the cache starts again (a bound, not a working set). */
const MAX_KEYS = 1000;

export class StampedReads {
  readonly #storage: Storage;
  readonly #prefix: string;
  #stamp: number | undefined;
  /** null: read and absent. */
  readonly #objects = new Map<string, KubeObject | null>();
  #list: readonly KubeObject[] | undefined;

  /** `resourcePrefix` is `/group/resource/`; every key read must lie under it. */
  constructor(storage: Storage, resourcePrefix: string) {
    this.#storage = storage;
    this.#prefix = resourcePrefix;
  }

  /** The current object at `key` (frozen: shared by every caller), or undefined. */
  get(key: string): Readonly<KubeObject> | undefined {
    if (!this.#fresh()) return this.#storage.get(key);
    const hit = this.#objects.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const obj = this.#storage.get(key);
    if (this.#objects.size >= MAX_KEYS) this.#objects.clear();
    this.#objects.set(key, obj ? deepFreeze(obj) : null);
    return obj;
  }

  /** Every current object under the prefix (frozen), in key order. */
  list(): readonly Readonly<KubeObject>[] {
    if (!this.#fresh()) return this.#storage.list(this.#prefix).items;
    this.#list ??= deepFreeze(this.#storage.list(this.#prefix).items);
    return this.#list;
  }

  /** Whether what is kept may be used; forgets it when the prefix has changed. */
  #fresh(): boolean {
    const stamp = this.#storage.changeStamp?.(this.#prefix);
    if (stamp === undefined) return false;
    if (stamp !== this.#stamp) {
      this.#stamp = stamp;
      this.#objects.clear();
      this.#list = undefined;
    }
    return true;
  }
}
