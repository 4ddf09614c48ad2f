// WAL checkpoints on a worker thread. SQLite's automatic checkpoint runs on the connection that
// commits, right after the commit: it copies the WAL's pages into the database file and fsyncs
// both, on the event loop. With a checkpointer the writer's automatic checkpoint only triggers
// at a much larger WAL (the backstop that lets the WAL restart under sustained writes), and a
// second connection on a worker thread does PASSIVE checkpoints as writes accumulate. Commits
// are unchanged: a write is acknowledged once it is in the WAL, exactly as before, so what
// survives a kill -9 or a power loss is the same.
import { Worker } from 'node:worker_threads';

/** Writes between two checkpoint requests (about a MiB of WAL for typical objects). */
const WRITES_PER_CHECKPOINT = 500;
/** How long stop() waits for the thread to close its connection. */
const STOP_TIMEOUT_MS = 5000;

export class WalCheckpointer {
  readonly #worker: Worker;
  readonly #stopped = new SharedArrayBuffer(4);
  #writes = 0;
  #failed = false;

  /** `onFailure`: the thread could not start or died (the writer should checkpoint itself). */
  constructor(path: string, onFailure: () => void) {
    this.#worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), {
      workerData: { path, stopped: this.#stopped },
    });
    this.#worker.unref();
    this.#worker.on('error', () => {
      if (this.#failed) return;
      this.#failed = true;
      onFailure();
    });
  }

  /** Counts one write; every WRITES_PER_CHECKPOINT writes, asks for a checkpoint. */
  wrote(): void {
    if (++this.#writes < WRITES_PER_CHECKPOINT || this.#failed) return;
    this.#writes = 0;
    this.#worker.postMessage('checkpoint');
  }

  /** Closes the thread's connection before returning (so the writer's close is the last one). */
  stop(): void {
    if (!this.#failed) {
      this.#worker.postMessage('stop');
      Atomics.wait(new Int32Array(this.#stopped), 0, 0, STOP_TIMEOUT_MS);
    }
    void this.#worker.terminate();
  }
}
