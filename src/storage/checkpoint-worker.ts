// The thread of a WalCheckpointer (checkpointer.ts): its own connection to the database, which
// runs a PASSIVE checkpoint whenever asked, so the writer's event loop never copies WAL pages
// into the database file or waits for their fsync. Stopping closes the connection, then says so
// through the shared flag the writer waits on.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { path, stopped } = workerData as { path: string; stopped: SharedArrayBuffer };
const flag = new Int32Array(stopped);
const db = new Database(path);
// This connection never writes, and must not wait on the writer's locks: a checkpoint that
// finds the database busy is simply tried again on the next request.
db.pragma('busy_timeout = 0');

parentPort?.on('message', (m: unknown) => {
  if (m === 'checkpoint') {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy or failing: the writer's own automatic checkpoints remain the backstop.
    }
    return;
  }
  if (m === 'stop') {
    db.close();
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    parentPort?.close();
  }
});
