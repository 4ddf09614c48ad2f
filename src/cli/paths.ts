// Where a cluster's state lives: $KBOX_HOME/<name>/, KBOX_HOME defaulting to
// $XDG_DATA_HOME/kbox or ~/.local/share/kbox. Shared by the CLI and the daemon it starts.
import { homedir } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_CLUSTER = 'default';

export function kboxHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KBOX_HOME) return env.KBOX_HOME;
  const data = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(data, 'kbox');
}

export interface ClusterPaths {
  name: string;
  dir: string;
  config: string;
  db: string;
  pki: string;
  log: string;
  pid: string;
  lock: string;
  /** The daemon's private Unix socket: plain HTTP, same API and authentication. */
  socket: string;
}

export function clusterPaths(name: string, home = kboxHome()): ClusterPaths {
  const dir = join(home, name);
  return {
    name,
    dir,
    config: join(dir, 'cluster.json'),
    db: join(dir, 'state.db'),
    pki: join(dir, 'pki'),
    log: join(dir, 'daemon.log'),
    pid: join(dir, 'daemon.pid'),
    lock: join(dir, 'daemon.lock'),
    socket: join(dir, 'api.sock'),
  };
}

/** Unix socket addresses are limited to 108 bytes; a longer path is not used (HTTPS instead). */
export function usableSocketPath(path: string): string | undefined {
  return Buffer.byteLength(path) < 100 ? path : undefined;
}

/** Cluster names become directory, context and Docker label values: DNS-1123 labels only. */
export function validClusterName(name: string): boolean {
  return /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) && name.length <= 40;
}

/** The persistent settings of a cluster, written on first start. */
export interface ClusterConfig {
  name: string;
  port: number;
  nodes: number;
  /**
   * Extra nodes backed by the fake runtime (no containers). Optional: cluster.json files written
   * before fake nodes existed have none.
   */
  fakeNodes?: number;
  /**
   * The cluster's Docker network, a 10.x.0.0/16 (see src/api/cluster-network.ts). Chosen free by
   * the daemon on its first start and kept, so ClusterIPs stay valid across restarts; absent in
   * cluster.json files written before Services had a data plane.
   */
  subnet?: string;
  /** The state layout version; a newer one is refused, never overwritten. */
  stateVersion: number;
  createdAt: string;
}

export const STATE_VERSION = 1;

/** kind's node names: NAME-control-plane, NAME-worker, NAME-worker2, ... */
export function nodeNames(cluster: string, count: number): string[] {
  const names = [`${cluster}-control-plane`];
  for (let i = 1; i < count; i++) names.push(`${cluster}-worker${i === 1 ? '' : String(i)}`);
  return names;
}

/** Fake nodes (no containers): NAME-fake1 … NAME-fakeN, after the real ones. */
export function fakeNodeNames(cluster: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${cluster}-fake${i + 1}`);
}

/** The label, and key of the NoSchedule taint, every fake node carries (kwok's: `type=kwok`). */
export const FAKE_NODE_LABEL = 'kbox.dev/fake-node';

/** Each fake node gets a /24 of 10.250.0.0/16 for its pods, numbered from 1. */
export const MAX_FAKE_NODES = 200;

/**
 * Checks the shape of a parsed cluster.json; returns what is wrong, or undefined when it is a
 * ClusterConfig. Damaged state is reported, never repaired: it may be a newer kbox's.
 */
export function clusterConfigProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'not a JSON object';
  }
  const v = value as Record<string, unknown>;
  const int = (k: string, min: number, max: number): string | undefined =>
    Number.isInteger(v[k]) && (v[k] as number) >= min && (v[k] as number) <= max
      ? undefined
      : `"${k}" must be an integer from ${min} to ${max}`;
  if (typeof v.name !== 'string' || !validClusterName(v.name))
    return '"name" is not a cluster name';
  if (typeof v.createdAt !== 'string' || Number.isNaN(Date.parse(v.createdAt))) {
    return '"createdAt" is not a timestamp';
  }
  return (
    int('stateVersion', 1, Number.MAX_SAFE_INTEGER) ??
    int('port', 1, 65535) ??
    int('nodes', 1, 50) ??
    (v.fakeNodes === undefined ? undefined : int('fakeNodes', 0, MAX_FAKE_NODES)) ??
    (v.subnet === undefined ||
    (typeof v.subnet === 'string' &&
      /^10\.\d{1,3}\.0\.0\/16$/.test(v.subnet) &&
      Number(v.subnet.split('.')[1]) <= 255)
      ? undefined
      : '"subnet" must be a 10.x.0.0/16')
  );
}
