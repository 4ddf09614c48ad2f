// Child process of the SIGKILL durability test (sqlite.test.ts): writes objects as fast as it
// can and reports each acknowledged write on stdout as "<revision> <key>\n", only after
// create() has returned. Usage: node durability-child.js <db path> <durability> <count> [group]
// With "group", the store uses group commit: 16 creates per turn of the event loop, acknowledged
// once settled() has resolved; "group-thread" adds WAL checkpoints on a worker thread.
import { writeSync } from 'node:fs';
import { SqliteStorage, type Durability } from '../../src/storage/sqlite.js';

const [path, durability, count, mode] = process.argv.slice(2);
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

const groupCommit = mode === 'group' || mode === 'group-thread';
const storage = new SqliteStorage({
  path,
  durability: durability as Durability,
  groupCommit,
  checkpointThread: mode === 'group-thread',
});
const create = (i: number): string => {
  const key = `/configmaps/default/cm-${i}`;
  const stored = storage.create(key, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `cm-${i}`, namespace: 'default' },
    data: { i: String(i), padding: 'x'.repeat(512) },
  });
  return `${stored.metadata.resourceVersion ?? ''} ${key}\n`;
};
for (let i = 0; i < Number(count);) {
  if (!groupCommit) {
    // writeSync: the acknowledgement leaves the process before the next write starts.
    acknowledge(create(i++));
    continue;
  }
  const lines: string[] = [];
  for (let j = 0; j < 16; j++) lines.push(create(i++));
  await storage.settled();
  acknowledge(lines.join(''));
}
storage.close();
