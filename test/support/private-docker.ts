// A Docker engine of a test's own, for tests that must stop and start the engine: the machine's
// shared engine is never restarted. It runs the host's dockerd with its own data root, exec root
// (where it starts its own containerd and keeps its containers' network namespaces), pid file and
// Unix socket, inside a network namespace of its own (`ip netns add kbox-e2e-<pid>-<hex>`). Every
// link it makes (its docker0, the cluster's bridge, the containers' veths) lives there and goes
// with the namespace: Docker 20.10 deletes and remakes "its" docker0 when it starts again on the
// same data root, which in the host's namespace would be the host engine's. Its iptables rules
// would be the namespace's too; it makes none (--iptables=false). Processes that must reach the
// engine's containers (kbox's daemon, kubectl talking to it on 127.0.0.1) run in the namespace:
// `enter` is the command prefix that puts them there. The Unix sockets are files, reachable from
// anywhere.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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
  /** The engine's network namespace (a name under /run/netns). */
  readonly netns: string;
  /** The command words that run a command in the engine's network namespace (nsenter --net). */
  readonly enter: readonly string[];
  /** Starts dockerd (again, on the same data root) and waits until it answers. */
  start(): Promise<void>;
  /** SIGTERM to this dockerd and wait for it to exit (it stops its containers first). */
  stop(): Promise<void>;
  /** The end of dockerd's log, for failure messages. */
  logTail(lines?: number): string;
  /**
   * stop(), then removal of everything the engine left: its shims and any other process still in
   * its network namespace (all started by this engine or by commands run with `enter`), mounts
   * under its directory, the directory, and the namespace with its links.
   */
  remove(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function which(cmd: string): string | undefined {
  return ['/usr/sbin', '/usr/bin', '/sbin', '/bin']
    .map((d) => join(d, cmd))
    .find((p) => existsSync(p));
}

function ip(...args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: r.status === 0 ? r.stdout : r.stderr || String(r.error) };
}

/** Why this machine cannot run a private engine, or undefined when it can. */
function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'a private dockerd needs root';
  if (DOCKERD === undefined)
    return 'no dockerd binary (looked at /usr/sbin/dockerd, /usr/bin/dockerd)';
  if (which('ip') === undefined) return 'no ip command (iproute2) for a network namespace';
  if (which('nsenter') === undefined) return 'no nsenter command (util-linux)';
  return undefined;
}

/**
 * A private engine under a new directory in /tmp (short: the socket path must stay under 108
 * bytes), in a new network namespace. Skips the test when this machine cannot run one (not root,
 * no dockerd, ip or nsenter, no network namespaces); with CI=true it fails it, as the shared
 * engine's absence does.
 */
export async function privateDockerOrSkip(t: TestContext): Promise<PrivateDocker | undefined> {
  const netns = `kbox-e2e-${process.pid}-${randomBytes(3).toString('hex')}`;
  let why = unavailable();
  if (why === undefined) {
    const add = ip('netns', 'add', netns);
    if (!add.ok) why = `cannot make a network namespace: ip netns add: ${add.out.trim()}`;
  }
  if (why !== undefined || DOCKERD === undefined) {
    if (process.env.CI === 'true') throw new Error(`${why}; CI requires it for this e2e test`);
    process.stderr.write(`\n!!! SKIPPING e2e test "${t.name}": ${why} !!!\n\n`);
    t.skip(why);
    return undefined;
  }
  const enter = ['nsenter', `--net=/run/netns/${netns}`];
  const dir = mkdtempSync('/tmp/kbox-dockerd-');
  const socket = join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const logFile = join(dir, 'dockerd.log');
  const docker = new Docker({ socketPath: socket });
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    const out = openSync(logFile, 'a');
    // nsenter execs dockerd: the child's PID is dockerd's.
    child = spawn(
      enter[0] ?? 'nsenter',
      [
        ...enter.slice(1),
        DOCKERD,
        '--data-root',
        join(dir, 'data'),
        '--exec-root',
        join(dir, 'exec'),
        '--pidfile',
        join(dir, 'docker.pid'),
        '-H',
        host,
        '--iptables=false',
        '--ip-masq=false',
        // Networks the engine picks itself, its docker0 among them (kbox sets its own subnet).
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
  const remove = async (): Promise<void> => {
    await stop();
    // Container shims this engine started that outlived it (its containerd is gone), then any
    // process left in the namespace (a container or a daemon a failed test did not stop).
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
    const pids = ip('netns', 'pids', netns);
    for (const pid of pids.ok ? pids.out.split('\n').filter((l) => /^\d+$/.test(l)) : []) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    // Container mounts still held (a mount can leak into another mount namespace), then files.
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => m.startsWith(`${dir}/`))
      .reverse();
    for (const m of mounts) spawnSync('umount', ['-l', m]);
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    // The namespace goes when its last process has: its bridges and veths with it.
    ip('netns', 'del', netns);
  };

  try {
    const lo = ip('-n', netns, 'link', 'set', 'lo', 'up');
    if (!lo.ok) throw new Error(`ip -n ${netns} link set lo up: ${lo.out}`);
    await start();
  } catch (err) {
    await remove();
    throw err;
  }
  return {
    host,
    docker,
    get pid() {
      return child?.pid ?? 0;
    },
    netns,
    enter,
    start,
    stop,
    logTail: tail,
    remove,
  };
}
