// The storage contract (after upstream's storage.Interface, trimmed to what kbox uses).
// Keys are opaque strings chosen by the API server, e.g. `/apps/deployments/default/web`;
// prefixes used for list/watch always end with '/'. Every write appends one revision to a global
// log; that revision, as a decimal string, is the object's metadata.resourceVersion.
// The core is synchronous (better-sqlite3 is): a call returns after the write is durable.
import type { KubeObject } from '../api/types.js';

export type StorageErrorCode =
  /** get/update/delete of a key that does not exist */
  | 'KeyNotFound'
  /** create of a key that exists */
  | 'KeyExists'
  /** a precondition (resourceVersion or uid) did not match the stored object */
  | 'Conflict'
  /** the requested revision is older than the compacted window (HTTP 410) */
  | 'Compacted'
  /** the requested revision is newer than the store's current revision */
  | 'FutureRevision'
  /** the disk (or the store's quota) has no room for the write; nothing was written */
  | 'Full'
  /** the database file is damaged or is not a kbox store; kbox refuses to overwrite it */
  | 'Corrupt';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    readonly key: string,
    message: string,
    /** For Conflict: the object currently stored. */
    readonly current?: KubeObject,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

export interface ListOptions {
  /** Maximum number of items; 0 or undefined means all. */
  limit?: number;
  /** Return only keys strictly greater than this one (pagination). */
  afterKey?: string;
  /** Return only keys greater than or equal to this one (a continue token's start key). */
  fromKey?: string;
  /**
   * Read the state as of this revision (a consistent snapshot for paginated lists).
   * 0 or undefined means the current state. Older than the compacted window → Compacted;
   * newer than the current revision → FutureRevision.
   */
  revision?: number;
  /**
   * Leave `items` empty and return each object's stored JSON in `json` instead, as UTF-8 bytes,
   * for callers that mostly pass the objects on (a LIST): nothing is parsed or decoded.
   */
  raw?: boolean;
}

export interface ListResult {
  items: KubeObject[];
  /** With `raw`: the stored JSON of each object (UTF-8), in key order. */
  json?: Buffer[];
  /** The revision the list reflects (the current revision when reading current state). */
  revision: number;
  /** Set when `limit` cut the result: the key to pass as afterKey for the next page. */
  lastKey?: string;
  /** How many matching keys remain after this page (only when lastKey is set). */
  remaining?: number;
}

export interface StoredEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  revision: number;
  /** The object after the change; for DELETED, its last state with resourceVersion = revision. */
  object: Readonly<KubeObject>;
  /** JSON of `object`, serialised once and shared by every watcher. */
  json: string;
  /** The object before the change (absent for ADDED), for selector transitions. */
  prevObject?: Readonly<KubeObject>;
}

export interface WatchOptions {
  /** Events queued for a slow consumer before the watch is closed with reason 'overflow'. */
  bufferSize?: number;
}

export type WatchCloseReason = 'stopped' | 'overflow' | 'storage-closed';

export interface Watch {
  /** Yields events in revision order until the watch closes; then returns. */
  [Symbol.asyncIterator](): AsyncIterator<StoredEvent>;
  /** Why the watch ended, once it has. */
  readonly closeReason: WatchCloseReason | undefined;
  /** Stops the watch; pending iteration ends. Idempotent. */
  stop(): void;
}

export interface Storage {
  /** The newest revision written (0 for an empty store). */
  currentRevision(): number;
  /** The oldest revision a watch or a list can start from (anything older → Compacted). */
  compactedRevision(): number;

  /** Stores a new object; returns it as stored (metadata.resourceVersion set). Throws KeyExists. */
  create(key: string, obj: KubeObject): KubeObject;

  /** The current object, or undefined. `revision` reads an older state (see ListOptions). */
  get(key: string, revision?: number): KubeObject | undefined;

  /**
   * Atomic read-modify-write. `update` gets a private copy of the current object (undefined if
   * absent) and returns the object to store, or `undefined` to change nothing. Returning an
   * object equal (JSON) to the current one is a no-op: no new revision, resourceVersion kept.
   * Preconditions are checked against the current object first (Conflict / KeyNotFound).
   * Exceptions thrown by `update` propagate and nothing is written.
   */
  update(
    key: string,
    update: (current: KubeObject | undefined) => KubeObject | undefined,
    preconditions?: Preconditions,
  ): { object: KubeObject | undefined; changed: boolean };

  /** Deletes the key and returns its last state (resourceVersion = the delete revision). */
  delete(key: string, preconditions?: Preconditions): KubeObject;

  /** Objects whose keys start with `prefix`, in key order. */
  list(prefix: string, opts?: ListOptions): ListResult;

  /** Number of current keys under `prefix`. */
  count(prefix: string): number;

  /**
   * Events for keys under `prefix` with revision > `fromRevision`, first those already in the
   * log, then live ones, with no gap and no duplicate. fromRevision < compactedRevision() →
   * throws Compacted. fromRevision > currentRevision() is allowed (waits for it).
   */
  watch(prefix: string, fromRevision: number, opts?: WatchOptions): Watch;

  /**
   * A number that changes whenever a key under the resource prefix `/group/resource/` is written
   * or a write is rolled back, so a caller may keep what it read there until it changes.
   * Optional: without it, callers read again every time.
   */
  changeStamp?(resourcePrefix: string): number;

  /**
   * The JSON text stored for `obj` when `obj` is the object the newest create, update or delete
   * returned (the exact text JSON.stringify(obj) gives, if the caller has not changed it since),
   * so a caller answering with it need not serialise it again; otherwise undefined.
   */
  storedJson?(obj: KubeObject): string | undefined;

  /** Drops history older than the retention window and checkpoints the WAL. */
  compact(): void;

  /**
   * With group commit: a promise that settles when every write made so far is committed (it
   * rejects with the commit's failure); undefined when nothing is waiting to be committed.
   * Whoever acknowledges a write, or answers a read that may have seen one, waits for it.
   */
  settled?(): Promise<void> | undefined;

  close(): void;
}
