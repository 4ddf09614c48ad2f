// A Docker engine of a test's own, for tests that must stop and start the engine: the machine's
// shared engine is never restarted. It runs the host's dockerd with its own data root, exec root
// (where it starts its own containerd), pid file and Unix socket; a default bridge of its own and no
// iptables rules, so it touches nothing of the host engine's networking. kbox's cluster network
// on it is a plain Linux bridge the host routes to directly.
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import Docker from 'dockerode';

const DOCKERD = ['/usr/sbin/dockerd', '/usr/bin/dockerd'].find((p) => existsSync(p));

export interface PrivateDocker {
  /** DOCKER_HOST for clients of this engine: unix://<dir>/docker.sock. */
  readonly host: string;
  readonly docker: Docker;
  /** The running dockerd's PID (changes with each start). */
  readonly pid: number;
  /** Starts dockerd (again, on the same data root) and waits until it answers. */
  start(): Promise<void>;
  /** SIGTERM to this dockerd and wait for it to exit (it stops its containers first). */
  stop(): Promise<void>;
  /** The end of dockerd's log, for failure messages. */
  logTail(lines?: number): string;
  /** stop() and removal of the data root and everything else under the directory. */
  remove(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * A private engine under a new directory in /tmp (short: the socket path must stay under 108
 * bytes). Skips the test when this machine cannot run one (not root, or no dockerd); with
 * CI=true it fails it, as the shared engine's absence does.
 */
export async function privateDockerOrSkip(t: TestContext): Promise<PrivateDocker | undefined> {
  const why =
    process.getuid?.() !== 0
      ? 'a private dockerd needs root'
      : DOCKERD === undefined
        ? 'no dockerd binary (looked at /usr/sbin/dockerd, /usr/bin/dockerd)'
        : undefined;
  if (why !== undefined || DOCKERD === undefined) {
    if (process.env.CI === 'true') throw new Error(`${why}; CI requires it for this e2e test`);
    process.stderr.write(`\n!!! SKIPPING e2e test "${t.name}": ${why} !!!\n\n`);
    t.skip(why);
    return undefined;
  }
  const dir = mkdtempSync('/tmp/kbox-dockerd-');
  const socket = join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const logFile = join(dir, 'dockerd.log');
  const docker = new Docker({ socketPath: socket });
  let child: ChildProcess | undefined;
  const bridge = `kbxe${randomBytes(4).toString('hex')}`;
  const ip = (...args: string[]): void => {
    const r = spawnSync('ip', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  };
  ip('link', 'add', bridge, 'type', 'bridge');
  ip('addr', 'add', `10.214.${1 + ((randomBytes(1)[0] ?? 0) % 250)}.1/24`, 'dev', bridge);
  ip('link', 'set', bridge, 'up');

  const start = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    const out = openSync(logFile, 'a');
    child = spawn(
      DOCKERD,
      [
        '--data-root',
        join(dir, 'data'),
        '--exec-root',
        join(dir, 'exec'),
        '--pidfile',
        join(dir, 'docker.pid'),
        '-H',
        host,
        // Its own default bridge, made here: `--bridge=none` would make dockerd delete the
        // host engine's docker0, which every engine on the host takes for its own.
        '--bridge',
        bridge,
        '--iptables=false',
        '--ip-masq=false',
        // Networks the engine picks itself (none that kbox makes: it sets its own subnet).
        '--default-address-pool',
        'base=10.213.0.0/16,size=24',
        // Containers get SIGKILL 2 s after SIGTERM when the engine stops (default 10 s).
        '--shutdown-timeout',
        '2',
      ],
      { stdio: ['ignore', out, out] },
    );
    closeSync(out);
    const me = child;
    const end = Date.now() + 60_000;
    for (;;) {
      if (me.exitCode !== null || me.signalCode !== null) {
        throw new Error(`dockerd exited at start:\n${tail(40)}`);
      }
      try {
        await docker.ping();
        return;
      } catch {
        if (Date.now() > end) throw new Error(`dockerd did not answer in 60 s:\n${tail(40)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  const stop = async (): Promise<void> => {
    const me = child;
    if (!me || me.exitCode !== null || me.signalCode !== null) return;
    me.kill('SIGTERM');
    await exited(me);
  };
  const tail = (lines = 30): string => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  await start();
  return {
    host,
    docker,
    get pid() {
      return child?.pid ?? 0;
    },
    start,
    stop,
    logTail: tail,
    async remove() {
      await stop();
      // Container shims this engine started that outlived it (its containerd is gone), then
      // container mounts still held (a mount can leak into another mount namespace), then files.
      const address = join(dir, 'exec');
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        let cmd: string;
        try {
          cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        } catch {
          continue;
        }
        if (cmd.includes('containerd-shim') && cmd.includes(address)) {
          process.kill(Number(entry), 'SIGKILL');
        }
      }
      const mounts = readFileSync('/proc/mounts', 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[1] ?? '')
        .filter((m) => m.startsWith(`${dir}/`))
        .reverse();
      for (const m of mounts) spawnSync('umount', ['-l', m]);
      rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
      spawnSync('ip', ['link', 'del', bridge]);
    },
  };
}
