// Child process of the SIGKILL durability test (sqlite.test.ts): writes objects as fast as it
// can and reports each acknowledged write on stdout as "<revision> <key>\n", only after
// create() has returned. Usage: node durability-child.js <db path> <durability> <count>
import { writeSync } from 'node:fs';
import { SqliteStorage, type Durability } from '../../src/storage/sqlite.js';

const [path, durability, count] = process.argv.slice(2);
if (path === undefined || durability === undefined || count === undefined) {
  throw new Error('usage: durability-child <db path> <process|fsync> <count>');
}
function acknowledge(line: string): void {
  for (;;) {
    try {
      writeSync(1, line);
      return;
    } catch (err) {
      // A non-blocking pipe that is full: the parent is reading; try again.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}

const storage = new SqliteStorage({ path, durability: durability as Durability });
for (let i = 0; i < Number(count); i++) {
  const key = `/configmaps/default/cm-${i}`;
  const stored = storage.create(key, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `cm-${i}`, namespace: 'default' },
    data: { i: String(i), padding: 'x'.repeat(512) },
  });
  // writeSync: the acknowledgement leaves the process before the next write starts.
  acknowledge(`${stored.metadata.resourceVersion ?? ''} ${key}\n`);
}
storage.close();
