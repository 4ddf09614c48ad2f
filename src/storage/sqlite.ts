// SqliteStorage: the Storage contract on one append-only revision log in SQLite.
//
//   log(id, key, created, deleted, prev_id, value, ts)   every write, id = global revision
//   current(key, id)                                      the live row of each key
//   meta(name, value)                                     'compacted': the compacted revision
//
// The revision counter lives in memory so the stored JSON can carry its own resourceVersion;
// this assumes one SqliteStorage per database file (one writer process).
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { KubeObject } from '../api/types.js';
import {
  StorageError,
  type ListOptions,
  type ListResult,
  type Preconditions,
  type Storage,
  type Watch,
  type WatchOptions,
} from './interface.js';
import { WalCheckpointer } from './checkpointer.js';
import { SharedEvent, WatchBroadcaster } from './watch.js';

/**
 * 'process': a returned write survives the process being killed (it is in the OS once the WAL
 * commit returns) but not a power loss or kernel crash (synchronous=NORMAL).
 * 'fsync': every commit is fsynced (synchronous=FULL); survives power loss, costs throughput.
 */
export type Durability = 'process' | 'fsync';

export interface SqliteStorageOptions {
  /** Database file, or ':memory:'. */
  path: string;
  /** History kept by compact(), in revisions (default 10000). */
  retainRevisions?: number;
  /** History kept by compact(), in seconds (default 3600). compact() keeps the smaller window. */
  retainSeconds?: number;
  /** Default 'process'. */
  durability?: Durability;
  /** Milliseconds since the epoch; stamps log rows for time-based retention. */
  clock?: () => number;
  /** How long a write waits for another connection's lock, in ms (default 5000). */
  busyTimeoutMs?: number;
  /**
   * Largest size the database may reach, in bytes (as etcd's quota-backend-bytes). A write that
   * would pass it fails with StorageError 'Full', exactly as when the disk itself is full.
   */
  quotaBytes?: number;
  /**
   * Group commit: writes made in one turn of the event loop share one SQLite transaction,
   * committed at setImmediate; their events are published, and settled() resolves, after the
   * commit. Each write still succeeds or fails alone (a savepoint). Default false: every write
   * commits before it returns.
   */
  groupCommit?: boolean;
  /**
   * WAL checkpoints on a worker thread rather than after commits on the event loop (file
   * databases only; see checkpointer.ts). Durability is unchanged. Default false.
   */
  checkpointThread?: boolean;
}

/** SQLite's default automatic checkpoint threshold, in WAL pages. */
const AUTOCHECKPOINT_PAGES = 1000;
/** The writer's own threshold when a thread checkpoints: only a backstop. */
const BACKSTOP_AUTOCHECKPOINT_PAGES = 10 * AUTOCHECKPOINT_PAGES;

/** The writes of one group commit. */
interface Group {
  /** The revision before the group's first write (restored if the commit fails). */
  revision: number;
  events: SharedEvent[];
  done: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

/** SQLite's answers for a full disk and a damaged file, as StorageErrors naming the file. */
function storageFault(err: unknown, path: string): unknown {
  const code = (err as { code?: unknown }).code;
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'SQLITE_IOERR_FSYNC') {
    return new StorageError(
      'Full',
      '',
      `the cluster store ${path} has no room for the write (${(err as Error).message}); free disk space and retry`,
    );
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
    return new StorageError(
      'Corrupt',
      '',
      `the cluster store ${path} is damaged (${(err as Error).message}); kbox will not overwrite it: move the file away to start afresh`,
    );
  }
  return err;
}

interface CurrentRow {
  id: number;
  value: string;
}
interface AtRow {
  id: number;
  deleted: number;
  value: string;
}
interface KeyValueRow {
  key: string;
  value: string;
}
/** A row whose value is read as bytes (UTF-8), never decoded to a string. */
interface KeyBytesRow {
  key: string;
  value: Buffer;
}
interface CountRow {
  n: number;
}
interface IdRow {
  id: number | null;
}
interface ReplayRow {
  id: number;
  key: string;
  created: number;
  deleted: number;
  value: string;
  prev_value: string | null;
}

const SCHEMA_VERSION = 1;

/** How much of the database file reads may map (SQLite's mmap_size). */
const MMAP_BYTES = 256 * 1024 * 1024;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  prev_id INTEGER,
  value TEXT NOT NULL,
  ts INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS log_key_id ON log (key, id);
CREATE TABLE IF NOT EXISTS current (
  key TEXT PRIMARY KEY,
  id INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;

// Historical reads: the newest row per key at or below a revision. SQLite returns the bare
// columns of the row holding MAX(id); tombstones are dropped after the grouping, so a key deleted
// at or before the revision is absent rather than showing an older state.
const AT_REVISION = (lower: '>=' | '>', value = 'value'): string => `
  SELECT key, MAX(id) AS id, deleted, ${value} AS value FROM log
  WHERE key ${lower} ? AND key < ? AND id <= ? GROUP BY key`;

/** The exclusive upper bound of the key range starting with `prefix` (keys are ASCII). */
function prefixEnd(prefix: string): string {
  if (prefix === '') return '\u{10FFFF}';
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** `/group/resource/` of a key `/group/resource/...` (the whole key if it has fewer parts). */
function resourcePrefix(key: string): string {
  const end = key.indexOf('/', key.indexOf('/', 1) + 1);
  return end < 0 ? key : key.slice(0, end + 1);
}

/** JSON equality that ignores object key order (inputs come from JSON.parse). */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = Object.keys(ra);
  if (keys.length !== Object.keys(rb).length) return false;
  return keys.every((k) => Object.hasOwn(rb, k) && jsonEqual(ra[k], rb[k]));
}

/** A shallow copy of `obj` with metadata.resourceVersion = `revision`; `obj` is not modified. */
function withRevision(obj: KubeObject, revision: number): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } };
}

function parse(json: string): KubeObject {
  return JSON.parse(json) as KubeObject;
}

export class SqliteStorage implements Storage {
  readonly #db: Database.Database;
  readonly #path: string;
  readonly #retainRevisions: number;
  readonly #retainSeconds: number;
  readonly #clock: () => number;
  readonly #broadcaster = new WatchBroadcaster();
  /** Newest revision written (including uncommitted ones inside a transaction). */
  #revision: number;
  #compacted: number;
  /** Events of the outermost open write, published after it commits. */
  #pending: SharedEvent[] | undefined;
  #compactor: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #groupCommit: boolean;
  /** The open group commit, if any (groupCommit option). */
  #group: Group | undefined;
  /** changeStamp(): a sequence bumped by every write and rollback; per resource prefix its last value. */
  #changes = 0;
  readonly #changed = new Map<string, number>();
  /** changeStamp() of every prefix is at least this (raised by rollbacks). */
  #changedFloor = 0;
  readonly #checkpointer: WalCheckpointer | undefined;
  /** The object the newest write returned, and its JSON (storedJson()). */
  #lastStored: { object: KubeObject; json: string } | undefined;

  readonly #txn: Database.Transaction<(op: () => unknown) => unknown>;
  readonly #stmt: {
    insertLog: Database.Statement<[number, string, number, number, number | null, string, number]>;
    setCurrent: Database.Statement<[string, number]>;
    deleteCurrent: Database.Statement<[string]>;
    getCurrent: Database.Statement<[string], CurrentRow>;
    getAt: Database.Statement<[string, number], AtRow>;
    listCurrent: Record<'>=' | '>', Database.Statement<[string, string, number], KeyValueRow>>;
    countCurrent: Record<'>=' | '>', Database.Statement<[string, string], CountRow>>;
    listAt: Record<'>=' | '>', Database.Statement<[string, string, number, number], KeyValueRow>>;
    /** As listCurrent and listAt, the values as bytes (ListOptions.raw). */
    listCurrentBytes: Record<'>=' | '>', Database.Statement<[string, string, number], KeyBytesRow>>;
    listAtBytes: Record<
      '>=' | '>',
      Database.Statement<[string, string, number, number], KeyBytesRow>
    >;
    countAt: Record<'>=' | '>', Database.Statement<[string, string, number], CountRow>>;
    replay: Database.Statement<[number, string, string], ReplayRow>;
    maxId: Database.Statement<[], IdRow>;
    newestBefore: Database.Statement<[number], IdRow>;
    getMeta: Database.Statement<[string], { value: number }>;
    setMeta: Database.Statement<[string, number]>;
    compactSuperseded: Database.Statement<[number, number]>;
    compactTombstones: Database.Statement<[number, number]>;
  };

  constructor(opts: SqliteStorageOptions) {
    this.#path = opts.path;
    this.#retainRevisions = opts.retainRevisions ?? 10000;
    this.#retainSeconds = opts.retainSeconds ?? 3600;
    this.#clock = opts.clock ?? Date.now;
    this.#groupCommit = opts.groupCommit ?? false;
    // The store holds Secrets: owner-only, and SQLite gives its -wal and -shm files the same mode.
    if (opts.path !== ':memory:' && opts.path !== '') {
      if (!existsSync(opts.path)) closeSync(openSync(opts.path, 'a', 0o600));
      for (const f of [opts.path, `${opts.path}-wal`, `${opts.path}-shm`]) {
        if (existsSync(f)) chmodSync(f, 0o600);
      }
    }
    const db = new Database(opts.path);
    this.#db = db;
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.durability === 'fsync' ? 'FULL' : 'NORMAL'}`);
      db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
      // Reads map the database file instead of copying each page out of the OS cache: a LIST of
      // 10,000 pods reads about 30 MB. Writes still go through the WAL with write(2).
      db.pragma(`mmap_size = ${MMAP_BYTES}`);
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new Error(
          `${opts.path}: storage schema version ${version} is newer than this kbox understands (${SCHEMA_VERSION})`,
        );
      }
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      if (opts.quotaBytes !== undefined) {
        const pageSize = db.pragma('page_size', { simple: true }) as number;
        db.pragma(`max_page_count = ${Math.max(1, Math.floor(opts.quotaBytes / pageSize))}`);
      }
      // CAST AS BLOB hands the value over as a Buffer: no UTF-8 decoding into a JS string.
      const listCurrent = (lower: '>=' | '>', value = 'l.value'): string => `
        SELECT c.key, ${value} AS value FROM current c JOIN log l ON l.id = c.id
        WHERE c.key ${lower} ? AND c.key < ? ORDER BY c.key LIMIT ?`;
      const listAt = (lower: '>=' | '>', value?: string): string =>
        `SELECT key, value FROM (${AT_REVISION(lower, value)}) WHERE deleted = 0 ORDER BY key LIMIT ?`;
      const bytes = 'CAST(l.value AS BLOB)';
      this.#stmt = {
        insertLog: db.prepare(
          'INSERT INTO log (id, key, created, deleted, prev_id, value, ts) VALUES (?, ?, ?, ?, ?, ?, ?)',
        ),
        setCurrent: db.prepare(
          'INSERT INTO current (key, id) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET id = excluded.id',
        ),
        deleteCurrent: db.prepare('DELETE FROM current WHERE key = ?'),
        getCurrent: db.prepare(
          'SELECT l.id, l.value FROM current c JOIN log l ON l.id = c.id WHERE c.key = ?',
        ),
        getAt: db.prepare(
          'SELECT id, deleted, value FROM log WHERE key = ? AND id <= ? ORDER BY id DESC LIMIT 1',
        ),
        listCurrent: { '>=': db.prepare(listCurrent('>=')), '>': db.prepare(listCurrent('>')) },
        countCurrent: {
          '>=': db.prepare('SELECT COUNT(*) AS n FROM current WHERE key >= ? AND key < ?'),
          '>': db.prepare('SELECT COUNT(*) AS n FROM current WHERE key > ? AND key < ?'),
        },
        listAt: { '>=': db.prepare(listAt('>=')), '>': db.prepare(listAt('>')) },
        listCurrentBytes: {
          '>=': db.prepare(listCurrent('>=', bytes)),
          '>': db.prepare(listCurrent('>', bytes)),
        },
        listAtBytes: {
          '>=': db.prepare(listAt('>=', 'CAST(value AS BLOB)')),
          '>': db.prepare(listAt('>', 'CAST(value AS BLOB)')),
        },
        countAt: {
          '>=': db.prepare(`SELECT COUNT(*) AS n FROM (${AT_REVISION('>=')}) WHERE deleted = 0`),
          '>': db.prepare(`SELECT COUNT(*) AS n FROM (${AT_REVISION('>')}) WHERE deleted = 0`),
        },
        // A rowid range from the watch's start: at most the retained window, already in
        // revision order (the key index would scan the prefix's whole history, then sort).
        replay: db.prepare(
          `SELECT l.id, l.key, l.created, l.deleted, l.value, p.value AS prev_value
           FROM log AS l NOT INDEXED LEFT JOIN log p ON p.id = l.prev_id
           WHERE l.id > ? AND l.key >= ? AND l.key < ? ORDER BY l.id`,
        ),
        maxId: db.prepare('SELECT MAX(id) AS id FROM log'),
        // Walks the log backwards from the newest row, so it reads only the rows inside the
        // time window (the clock may be injected, hence no assumption that ts is monotonic).
        newestBefore: db.prepare('SELECT id FROM log WHERE ts < ? ORDER BY id DESC LIMIT 1'),
        getMeta: db.prepare('SELECT value FROM meta WHERE name = ?'),
        setMeta: db.prepare(
          'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
        ),
        // Rows superseded by a row in (previous compacted, new compacted]; rows superseded at or
        // before the previous compacted revision went in an earlier compaction.
        compactSuperseded: db.prepare(
          `DELETE FROM log WHERE id IN (
             SELECT p.id FROM log n JOIN log p ON p.key = n.key AND p.id < n.id
             WHERE n.id > ? AND n.id <= ?)`,
        ),
        compactTombstones: db.prepare('DELETE FROM log WHERE deleted = 1 AND id > ? AND id <= ?'),
      };
      this.#txn = db.transaction((op: () => unknown) => op());
      this.#compacted = this.#stmt.getMeta.get('compacted')?.value ?? 0;
      // A compaction may have removed the newest row (a tombstone), but never beyond the
      // compacted revision, so together they give the revision the store had reached.
      this.#revision = Math.max(this.#stmt.maxId.get()?.id ?? 0, this.#compacted);
      if (opts.checkpointThread && opts.path !== ':memory:' && opts.path !== '') {
        db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
        this.#checkpointer = new WalCheckpointer(opts.path, () => {
          if (!this.#closed) this.#db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
        });
      }
    } catch (err) {
      db.close();
      throw storageFault(err, opts.path);
    }
  }

  currentRevision(): number {
    return this.#revision;
  }

  compactedRevision(): number {
    return this.#compacted;
  }

  create(key: string, obj: KubeObject): KubeObject {
    return this.#write(() => {
      if (this.#stmt.getCurrent.get(key) !== undefined) {
        throw new StorageError('KeyExists', key, `key ${key} already exists`);
      }
      return this.#append(key, 'ADDED', obj, undefined);
    });
  }

  get(key: string, revision?: number): KubeObject | undefined {
    const at = this.#historical(key, revision);
    if (at === undefined) {
      const row = this.#stmt.getCurrent.get(key);
      return row === undefined ? undefined : parse(row.value);
    }
    const row = this.#stmt.getAt.get(key, at);
    return row === undefined || row.deleted !== 0 ? undefined : parse(row.value);
  }

  update(
    key: string,
    update: (current: KubeObject | undefined) => KubeObject | undefined,
    preconditions?: Preconditions,
  ): { object: KubeObject | undefined; changed: boolean } {
    return this.#write(() => {
      const row = this.#stmt.getCurrent.get(key);
      if (row === undefined) {
        if (hasPreconditions(preconditions)) throw notFound(key);
        // A missing key is created only when `update` accepts the absence by returning an object.
        const created = update(undefined);
        if (created === undefined) throw notFound(key);
        return { object: this.#append(key, 'ADDED', created, undefined), changed: true };
      }
      // The parsed row is already a private deep copy for `update`.
      const current = parse(row.value);
      checkPreconditions(key, current, preconditions);
      const next = update(current);
      if (next === undefined) return { object: parse(row.value), changed: false };
      // Serialised once, with a mark where the revision goes: compared with the stored row at
      // its own revision, then written at the new one.
      const json = splitAtRevision(next);
      if (sameAsStored(json, row)) return { object: parse(row.value), changed: false };
      return { object: this.#append(key, 'MODIFIED', next, row, json), changed: true };
    });
  }

  delete(key: string, preconditions?: Preconditions): KubeObject {
    return this.#write(() => {
      const row = this.#stmt.getCurrent.get(key);
      if (row === undefined) throw notFound(key);
      const current = parse(row.value);
      checkPreconditions(key, current, preconditions);
      return this.#append(key, 'DELETED', current, row);
    });
  }

  list(prefix: string, opts: ListOptions = {}): ListResult {
    const at = this.#historical(prefix, opts.revision);
    const end = prefixEnd(prefix);
    const after = opts.afterKey;
    const start = opts.fromKey;
    const [lower, from]: ['>=' | '>', string] =
      after !== undefined && after >= prefix
        ? ['>', after]
        : start !== undefined && start > prefix
          ? ['>=', start]
          : ['>=', prefix];
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : undefined;
    // One extra row tells whether the limit cut the result.
    const fetch = limit === undefined ? -1 : limit + 1;
    const rows: (KeyValueRow | KeyBytesRow)[] = opts.raw
      ? at === undefined
        ? this.#stmt.listCurrentBytes[lower].all(from, end, fetch)
        : this.#stmt.listAtBytes[lower].all(from, end, at, fetch)
      : at === undefined
        ? this.#stmt.listCurrent[lower].all(from, end, fetch)
        : this.#stmt.listAt[lower].all(from, end, at, fetch);
    const result: ListResult = { items: [], revision: at ?? this.#revision };
    if (limit !== undefined && rows.length > limit) {
      rows.length = limit;
      const lastKey = rows[limit - 1]?.key ?? from;
      result.lastKey = lastKey;
      result.remaining =
        at === undefined
          ? (this.#stmt.countCurrent['>'].get(lastKey, end)?.n ?? 0)
          : (this.#stmt.countAt['>'].get(lastKey, end, at)?.n ?? 0);
    }
    if (opts.raw) result.json = (rows as KeyBytesRow[]).map((r) => r.value);
    else result.items = (rows as KeyValueRow[]).map((r) => parse(r.value));
    return result;
  }

  count(prefix: string): number {
    return this.#stmt.countCurrent['>='].get(prefix, prefixEnd(prefix))?.n ?? 0;
  }

  watch(prefix: string, fromRevision: number, opts: WatchOptions = {}): Watch {
    if (this.#closed) throw new Error('SqliteStorage is closed');
    if (this.#pending !== undefined) {
      // The backlog would include writes that are not committed yet (and may roll back).
      throw new Error('SqliteStorage.watch() cannot be called inside a write transaction');
    }
    // Same for a group not yet committed: commit it now.
    this.#commitGroup();
    if (fromRevision < this.#compacted) throw this.#compactedError(prefix, fromRevision);
    const bufferSize = opts.bufferSize ?? 1000;
    const backlog =
      fromRevision < this.#revision
        ? this.#stmt.replay.all(fromRevision, prefix, prefixEnd(prefix)).map(toEvent)
        : [];
    // No write can run between the backlog read above and the registration below (both are
    // synchronous), and the watcher ignores live events up to the current revision.
    return this.#broadcaster.subscribe(
      prefix,
      Math.max(fromRevision, this.#revision),
      backlog,
      bufferSize,
    );
  }

  /**
   * Advances the compacted revision to max(current - retainRevisions, newest revision older than
   * retainSeconds) (never backwards, never beyond current), drops the log rows no read at or
   * after it can see (superseded rows and tombstones), and truncates the WAL.
   */
  compact(): void {
    if (this.#pending !== undefined) {
      throw new Error('SqliteStorage.compact() cannot be called inside a write transaction');
    }
    this.#commitGroup();
    const cutoff = this.#clock() - this.#retainSeconds * 1000;
    const byTime = this.#stmt.newestBefore.get(cutoff)?.id ?? 0;
    const target = Math.min(
      this.#revision,
      Math.max(this.#compacted, this.#revision - this.#retainRevisions, byTime),
    );
    const previous = this.#compacted;
    if (target > previous) {
      this.#txn.immediate(() => {
        this.#stmt.compactSuperseded.run(previous, target);
        this.#stmt.compactTombstones.run(previous, target);
        this.#stmt.setMeta.run('compacted', target);
      });
      this.#compacted = target;
    }
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /**
   * Runs compact() every `intervalMs` on an unref'd timer until stopCompactor() or close().
   * A failing compaction is passed to `onError`; without one it is thrown from the timer
   * (an uncaught exception), since silently keeping unbounded history is worse.
   */
  startCompactor(intervalMs: number, onError?: (err: unknown) => void): void {
    this.stopCompactor();
    this.#compactor = setInterval(() => {
      try {
        this.compact();
      } catch (err) {
        if (onError === undefined) throw err;
        onError(err);
      }
    }, intervalMs);
    this.#compactor.unref();
  }

  stopCompactor(): void {
    if (this.#compactor !== undefined) clearInterval(this.#compactor);
    this.#compactor = undefined;
  }

  /**
   * Runs `fn` (synchronous) in one SQLite transaction: the writes it makes through this store
   * commit together, and their events reach watchers after the commit, in revision order. If
   * `fn` throws, nothing is written and no event is emitted. A failing write inside `fn` that
   * `fn` catches is rolled back alone (a savepoint). Nests.
   */
  transaction<T>(fn: () => T): T {
    return this.#write(fn);
  }

  /** Ends every watch with 'storage-closed' and closes the database. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#commitGroup();
    this.#closed = true;
    this.stopCompactor();
    this.#broadcaster.closeAll('storage-closed');
    this.#checkpointer?.stop();
    try {
      this.#db.pragma('optimize');
    } catch {
      // Only statistics for the query planner: losing them (a full disk) loses nothing.
    }
    this.#db.close();
  }

  settled(): Promise<void> | undefined {
    return this.#group?.done;
  }

  storedJson(obj: KubeObject): string | undefined {
    const last = this.#lastStored;
    return last?.object === obj ? last.json : undefined;
  }

  changeStamp(resourcePrefix: string): number {
    return Math.max(this.#changed.get(resourcePrefix) ?? 0, this.#changedFloor);
  }

  /** Something read inside a transaction may be gone: every stamp changes. */
  #rolledBack(): void {
    this.#changedFloor = ++this.#changes;
  }

  /**
   * Runs a write in a transaction (a savepoint when nested or inside a group commit); publishes
   * events after commit.
   */
  #write<T>(op: () => T): T {
    const outermost = this.#pending === undefined;
    if (outermost && this.#groupCommit) this.#openGroup();
    const pending = (this.#pending ??= []);
    const revision = this.#revision;
    const eventCount = pending.length;
    let result: T;
    try {
      result = this.#txn.immediate(op) as T;
    } catch (err) {
      this.#rolledBack();
      this.#revision = revision;
      pending.length = eventCount;
      if (outermost) this.#pending = undefined;
      // Some failures (a full disk, I/O errors) make SQLite roll back the whole transaction,
      // taking the group's earlier writes with it: those fail too.
      const group = this.#group;
      if (group && !this.#db.inTransaction) {
        this.#group = undefined;
        this.#revision = group.revision;
        group.reject(storageFault(err, this.#path));
      }
      throw storageFault(err, this.#path);
    }
    if (outermost) {
      this.#pending = undefined;
      if (this.#group) this.#group.events.push(...pending);
      else this.#broadcaster.publish(pending);
    }
    return result;
  }

  #openGroup(): void {
    if (this.#group) return;
    try {
      this.#db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      throw storageFault(err, this.#path);
    }
    let resolve: () => void = () => {};
    let reject: (err: unknown) => void = () => {};
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may be waiting (a write whose caller does not acknowledge anything).
    done.catch(() => undefined);
    this.#group = { revision: this.#revision, events: [], done, resolve, reject };
    setImmediate(() => this.#commitGroup());
  }

  /** Commits the open group, then publishes its events; on failure every write in it fails. */
  #commitGroup(): void {
    const group = this.#group;
    if (!group) return;
    this.#group = undefined;
    try {
      this.#db.exec('COMMIT');
    } catch (err) {
      if (this.#db.inTransaction) {
        try {
          this.#db.exec('ROLLBACK');
        } catch {
          // The connection has rolled back by itself.
        }
      }
      this.#rolledBack();
      this.#revision = group.revision;
      group.reject(storageFault(err, this.#path));
      return;
    }
    this.#broadcaster.publish(group.events);
    group.resolve();
  }

  /** Appends one revision for `key`; must run inside #write. Returns the object as stored. */
  #append(
    key: string,
    type: SharedEvent['type'],
    obj: KubeObject,
    prev: CurrentRow | undefined,
    split?: SplitJson,
  ): KubeObject {
    const revision = this.#revision + 1;
    const stored = withRevision(obj, revision);
    const json = split ? split.at(revision) : JSON.stringify(stored);
    this.#lastStored = { object: stored, json };
    this.#stmt.insertLog.run(
      revision,
      key,
      type === 'ADDED' ? 1 : 0,
      type === 'DELETED' ? 1 : 0,
      prev?.id ?? null,
      json,
      this.#clock(),
    );
    if (type === 'DELETED') this.#stmt.deleteCurrent.run(key);
    else this.#stmt.setCurrent.run(key, revision);
    this.#revision = revision;
    this.#changed.set(resourcePrefix(key), ++this.#changes);
    this.#pending?.push(new SharedEvent(type, key, revision, json, prev?.value));
    this.#checkpointer?.wrote();
    return stored;
  }

  /** Validates a read revision; undefined means "read the current state". */
  #historical(key: string, revision: number | undefined): number | undefined {
    if (revision === undefined || revision === 0) return undefined;
    if (!Number.isSafeInteger(revision) || revision < 0) {
      throw new RangeError(`invalid revision ${revision}`);
    }
    if (revision > this.#revision) {
      throw new StorageError(
        'FutureRevision',
        key,
        `Too large resource version: ${revision}, current: ${this.#revision}`,
      );
    }
    if (revision < this.#compacted) throw this.#compactedError(key, revision);
    return revision === this.#revision ? undefined : revision;
  }

  #compactedError(key: string, revision: number): StorageError {
    return new StorageError(
      'Compacted',
      key,
      `required revision ${revision} has been compacted (oldest available: ${this.#compacted})`,
    );
  }
}

function toEvent(row: ReplayRow): SharedEvent {
  const type = row.deleted !== 0 ? 'DELETED' : row.created !== 0 ? 'ADDED' : 'MODIFIED';
  return new SharedEvent(type, row.key, row.id, row.value, row.prev_value ?? undefined);
}

function notFound(key: string): StorageError {
  return new StorageError('KeyNotFound', key, `key ${key} not found`);
}

function hasPreconditions(p: Preconditions | undefined): boolean {
  return (p?.uid ?? '') !== '' || (p?.resourceVersion ?? '') !== '';
}

/** Empty-string preconditions count as unset, as upstream's do. UID is checked first, as upstream. */
function checkPreconditions(key: string, current: KubeObject, p: Preconditions | undefined): void {
  if (p === undefined) return;
  const meta = current.metadata;
  if (p.uid !== undefined && p.uid !== '' && p.uid !== meta.uid) {
    throw new StorageError(
      'Conflict',
      key,
      `Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${meta.uid ?? ''}`,
      current,
    );
  }
  if (
    p.resourceVersion !== undefined &&
    p.resourceVersion !== '' &&
    p.resourceVersion !== meta.resourceVersion
  ) {
    throw new StorageError(
      'Conflict',
      key,
      'the object has been modified; please apply your changes to the latest version and try again',
      current,
    );
  }
}

/** An object's JSON with its metadata.resourceVersion left open. */
interface SplitJson {
  at(revision: number): string;
}

/** Stands for the revision while serialising; random, so no stored string can contain it. */
const REVISION_MARK = `"kbox-revision-${randomBytes(12).toString('hex')}"`;

function splitAtRevision(obj: KubeObject): SplitJson {
  const text = JSON.stringify({
    ...obj,
    metadata: { ...obj.metadata, resourceVersion: JSON.parse(REVISION_MARK) as string },
  });
  const i = text.indexOf(REVISION_MARK);
  const head = text.slice(0, i + 1);
  const tail = text.slice(i + REVISION_MARK.length - 1);
  return { at: (revision) => `${head}${revision}${tail}` };
}

/** True when `next`, given the stored resourceVersion, serialises to the stored JSON. */
function sameAsStored(next: SplitJson, row: CurrentRow): boolean {
  const json = next.at(row.id);
  if (json === row.value) return true;
  // Equal JSON modulo key order has the same length; only then is a parse worth it.
  return json.length === row.value.length && jsonEqual(JSON.parse(json), JSON.parse(row.value));
}
