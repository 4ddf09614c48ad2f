// Namespace lifecycle: admission (no new content in a missing or terminating namespace) and the
// finalizer that empties a terminating namespace, then removes it. Upstream splits this between
// an admission plugin and the namespace controller; kbox keeps both next to the stores.
import {
  StatusError,
  forbiddenObject,
  notFound,
  qualifiedResource,
  type GroupResource,
} from '../../api/status.js';
import type { KubeObject } from '../../api/types.js';
import type { Storage, Watch } from '../../storage/interface.js';
import { StampedReads } from '../../storage/stamped.js';
import type { ResourceStore } from './store.js';

const RETRY_MS = 1000;

/**
 * The namespaces upstream's NamespaceLifecycle admission plugin never lets go (its
 * immortalNamespaces: default, kube-system, kube-public; kube-node-lease is not one of them).
 */
const IMMORTAL_NAMESPACES: ReadonlySet<string> = new Set(['default', 'kube-system', 'kube-public']);

/**
 * Refuses the DELETE of an immortal namespace, as the admission plugin does: before the store
 * is read (so whether it exists does not matter) and for a dry run too.
 */
export function admitNamespaceDelete(name: string): void {
  if (IMMORTAL_NAMESPACES.has(name)) {
    throw forbiddenObject(
      { group: '', resource: 'namespaces' },
      name,
      'this namespace may not be deleted',
    );
  }
}

export class NamespaceLifecycle {
  readonly #namespaces: ResourceStore;
  readonly #stores: ResourceStore[];
  readonly #storage: Storage;
  #watch: Watch | undefined;
  #retry: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  /** Every create in a namespace reads it. */
  readonly #reads: StampedReads;

  constructor(namespaces: ResourceStore, stores: ResourceStore[], storage: Storage) {
    this.#namespaces = namespaces;
    // A resource sharing another's storage (events.k8s.io events) is emptied through that one.
    this.#stores = stores.filter((s) => s.info.namespaced && s.info.storedAs === undefined);
    this.#storage = storage;
    this.#reads = new StampedReads(storage, namespaces.prefix());
  }

  /** Throws unless `namespace` exists and is not terminating. */
  admit(namespace: string, gr: GroupResource, name: string): void {
    const ns = this.#reads.get(this.#namespaces.key(undefined, namespace));
    if (!ns) throw notFound({ group: '', resource: 'namespaces' }, namespace);
    if (ns.metadata.deletionTimestamp) {
      throw StatusError.from(
        403,
        'Forbidden',
        `${qualifiedResource(gr)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        { name, group: gr.group, kind: gr.resource },
      );
    }
  }

  start(): void {
    const prefix = this.#namespaces.prefix();
    this.#watch = this.#storage.watch(prefix, this.#storage.currentRevision());
    const watch = this.#watch;
    this.#running = (async () => {
      this.#sync();
      for await (const ev of watch) {
        if (ev.object.metadata.deletionTimestamp) this.#sync();
      }
    })();
  }

  stop(): void {
    this.#watch?.stop();
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = undefined;
    void this.#running;
  }

  /** Level-triggered: finalizes every terminating namespace; retries while any remains. */
  #sync(): void {
    if (this.#retry) {
      clearTimeout(this.#retry);
      this.#retry = undefined;
    }
    let pending = false;
    for (const ns of this.#storage.list(this.#namespaces.prefix()).items) {
      if (!ns.metadata.deletionTimestamp) continue;
      if (!this.#finalize(ns)) pending = true;
    }
    if (pending && this.#watch?.closeReason === undefined) {
      this.#retry = setTimeout(() => this.#sync(), RETRY_MS);
      this.#retry.unref();
    }
  }

  /** Deletes the namespace's content; removes the namespace once empty. True when done. */
  #finalize(ns: KubeObject): boolean {
    const name = ns.metadata.name ?? '';
    let remaining = 0;
    for (const store of this.#stores) {
      for (const obj of this.#storage.list(store.prefix(name)).items) {
        remaining++;
        if (obj.metadata.deletionTimestamp) continue;
        try {
          store.delete(name, obj.metadata.name ?? '');
        } catch (err) {
          if (!(err instanceof StatusError && err.reason === 'NotFound')) throw err;
        }
      }
    }
    if (remaining > 0) return false;
    const spec = (ns.spec ?? {}) as { finalizers?: string[] };
    if ((spec.finalizers ?? []).includes('kubernetes')) {
      this.#storage.update(this.#namespaces.key(undefined, name), (cur) => {
        if (!cur) return undefined;
        const s = (cur.spec ?? {}) as { finalizers?: string[] };
        return {
          ...cur,
          spec: { ...s, finalizers: (s.finalizers ?? []).filter((f) => f !== 'kubernetes') },
        };
      });
    }
    const current = this.#storage.get(this.#namespaces.key(undefined, name));
    const left = (current?.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
    if (current && left.length === 0 && (current.metadata.finalizers ?? []).length === 0) {
      this.#namespaces.forceDelete(undefined, name);
    }
    return true;
  }
}
