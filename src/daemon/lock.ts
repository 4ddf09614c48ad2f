// One daemon per cluster: an exclusive lock file holding the owner's pid. A lock left by a
// crashed daemon is detected (its pid is gone or is not a kbox daemon) and taken over, never
// trusted.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

export class LockHeldError extends Error {
  constructor(readonly pid: number) {
    super(`another kbox daemon (pid ${pid}) is running for this cluster`);
  }
}

/** True when `pid` is alive and its command line looks like a kbox daemon. */
export function isDaemonProcess(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmd.includes('daemon') && cmd.includes('run');
  } catch {
    // No /proc (not Linux): a live pid is the best evidence available.
    return true;
  }
}

export function readLockPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock for this process; throws LockHeldError if a live daemon holds it. */
export function acquireLock(path: string, pid = process.pid): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${pid}\n`);
      closeSync(fd);
      return () => {
        if (readLockPid(path) === pid) rmSync(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readLockPid(path);
      if (owner !== undefined && owner !== pid && isDaemonProcess(owner)) {
        throw new LockHeldError(owner);
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not take the lock ${path}`);
}
