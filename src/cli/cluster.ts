// Cluster lifecycle as the CLI sees it: state on disk, the detached daemon process, readiness
// through the API, Docker clean-up by label, and kubeconfig entries.
import { spawn } from 'node:child_process';
import { Agent as HttpsAgent, get as httpsGet } from 'node:https';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { dockerEndpoint as endpointFromEnv, LABEL_CLUSTER } from '../api/docker-labels.js';
import { engineGet } from '../client/docker-engine.js';
import {
  defaultKubeconfigPath,
  mergeKubeconfig,
  removeFromKubeconfig,
  type ClusterCredentials,
} from './kubeconfig.js';
import {
  clusterConfigProblem,
  clusterPaths,
  FAKE_NODE_LABEL,
  fakeNodeNames,
  nodeNames,
  kboxHome,
  STATE_VERSION,
  validClusterName,
  type ClusterConfig,
  type ClusterPaths,
} from './paths.js';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export type ClusterState = 'running' | 'stopped' | 'crashed' | 'starting';

export function contextName(cluster: string): string {
  return `kbox-${cluster}`;
}

function readPid(paths: ClusterPaths): number | undefined {
  try {
    const pid = Number(readFileSync(paths.pid, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The cluster's settings; undefined when it was never created. Damaged state throws. */
export function readClusterConfig(paths: ClusterPaths): ClusterConfig | undefined {
  if (!existsSync(paths.config)) return undefined;
  let problem: string | undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(paths.config, 'utf8'));
    problem = clusterConfigProblem(value);
  } catch (err) {
    problem = (err as Error).message;
  }
  if (problem !== undefined) {
    throw new CliError(
      `the state of cluster "${paths.name}" is damaged (${paths.config}: ${problem}); kbox will not overwrite it: repair or move the file, or remove the cluster with: kbox cluster delete --name ${paths.name}`,
    );
  }
  return value as ClusterConfig;
}

/**
 * Why the daemon stopped, from the last `daemon failed` line of its log (the daemon writes one
 * before exiting non-zero), if there is one.
 */
export function daemonFailure(paths: ClusterPaths): string | undefined {
  for (const line of lastLogLines(paths, 50).reverse()) {
    try {
      const entry = JSON.parse(line) as { msg?: unknown; error?: unknown };
      if (entry.msg === 'daemon failed' && typeof entry.error === 'string') return entry.error;
    } catch {
      // not a log line of ours (a Node crash trace): keep looking
    }
  }
  return undefined;
}

/** Turns "no space left" from a write of the CLI's own into a message a person can act on. */
function diskFull(err: unknown, path: string): unknown {
  if ((err as NodeJS.ErrnoException).code === 'ENOSPC') {
    return new CliError(
      `no space left on the device holding ${path}; free some disk space and run the command again`,
    );
  }
  return err;
}

/** running: the daemon's pid is alive; crashed: it left its pid file behind; else stopped. */
export function clusterState(paths: ClusterPaths): { state: ClusterState; pid?: number } {
  const pid = readPid(paths);
  if (pid === undefined) return { state: 'stopped' };
  if (alive(pid)) return { state: 'running', pid };
  return { state: 'crashed', pid };
}

export function credentials(paths: ClusterPaths, config: ClusterConfig): ClusterCredentials {
  return {
    contextName: contextName(config.name),
    server: `https://127.0.0.1:${config.port}`,
    caPem: readFileSync(`${paths.pki}/ca.crt`, 'utf8'),
    token: readFileSync(`${paths.pki}/admin.token`, 'utf8').trim(),
  };
}

/**
 * Ready node names, asked over node:https (loading the full HTTP client would cost `cluster
 * start` more time than the request itself). Pollers pass one keep-alive `agent` holding the CA,
 * so repeated asks share a connection instead of building a TLS context and handshake each time.
 */
export function readyNodes(
  c: ClusterCredentials,
  timeoutMs = 2000,
  agent?: HttpsAgent,
): Promise<{ ready: string[]; total: number; fake: string[] }> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(
      `${c.server}/api/v1/nodes`,
      {
        ...(agent ? { agent } : { ca: c.caPem }),
        headers: { authorization: `Bearer ${c.token}`, accept: 'application/json' },
        timeout: timeoutMs,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) {
            reject(
              new Error(
                `listing nodes answered HTTP ${res.statusCode ?? 0}: ${body.slice(0, 200)}`,
              ),
            );
            return;
          }
          const list = JSON.parse(body) as {
            items: Array<{
              metadata: { name?: string; labels?: Record<string, string> };
              status?: { conditions?: Array<{ type: string; status: string }> };
            }>;
          };
          const ready = list.items
            .filter((n) =>
              (n.status?.conditions ?? []).some((x) => x.type === 'Ready' && x.status === 'True'),
            )
            .map((n) => n.metadata.name ?? '');
          const fake = list.items
            .filter((n) => n.metadata.labels?.[FAKE_NODE_LABEL] !== undefined)
            .map((n) => n.metadata.name ?? '');
          resolve({ ready, total: list.items.length, fake });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('the API server did not answer')));
    req.on('error', reject);
  });
}

export function listClusterNames(home = kboxHome()): string[] {
  if (!existsSync(home)) return [];
  return readdirSync(home)
    .filter((n) => existsSync(clusterPaths(n, home).config))
    .sort();
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Throws a CliError a person can act on when no Docker engine answers. */
export function dockerEndpoint(): string {
  return endpointFromEnv(process.env);
}

export async function checkDocker(endpoint = dockerEndpoint()): Promise<void> {
  try {
    const res = await engineGet(endpoint, '/_ping');
    if (res.status !== 200) throw new Error(`the engine answered HTTP ${res.status}`);
  } catch (err) {
    throw new CliError(
      `cannot reach the Docker engine at ${dockerEndpoint()} (${(err as Error).message}).\n` +
        'Start it (e.g. `sudo systemctl start docker`, or run `dockerd`), or set DOCKER_HOST to a running engine.',
    );
  }
}

export function lastLogLines(paths: ClusterPaths, n = 15): string[] {
  try {
    return readFileSync(paths.log, 'utf8').trimEnd().split('\n').slice(-n);
  } catch {
    return [];
  }
}

export interface StartOptions {
  name: string;
  nodes?: number;
  fakeNodes?: number;
  port?: number;
  kubeconfig?: string;
  waitMs: number;
  /** The daemon's process entry (dist/src/daemon/main.js). */
  entry: string;
  progress: (phase: string) => void;
}

export interface StartResult {
  alreadyRunning: boolean;
  server: string;
  context: string;
  kubeconfig: string;
  nodes: string[];
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export async function startCluster(o: StartOptions): Promise<StartResult> {
  if (!validClusterName(o.name)) {
    throw new CliError(
      `invalid cluster name "${o.name}": use lower-case letters, digits and '-' (at most 40)`,
    );
  }
  const paths = clusterPaths(o.name);
  const kubeconfig = o.kubeconfig ?? defaultKubeconfigPath();
  const existing = readClusterConfig(paths);
  if (existing && existing.stateVersion > STATE_VERSION) {
    throw new CliError(
      `cluster "${o.name}" was created by a newer kbox (state version ${existing.stateVersion}); this kbox understands version ${STATE_VERSION} and will not touch it`,
    );
  }
  const st = clusterState(paths);
  if (st.state === 'running' && existing) {
    const creds = credentials(paths, existing);
    const nodes = await readyNodes(creds);
    await mergeKubeconfig(kubeconfig, creds);
    return {
      alreadyRunning: true,
      server: creds.server,
      context: contextName(o.name),
      kubeconfig,
      nodes: nodes.ready,
    };
  }
  o.progress('Checking the Docker engine');
  await checkDocker();

  const fresh = existing === undefined;
  let config: ClusterConfig;
  if (existing) {
    config = {
      ...existing,
      port: o.port ?? existing.port,
      nodes: o.nodes ?? existing.nodes,
      ...(o.fakeNodes !== undefined ? { fakeNodes: o.fakeNodes } : {}),
    };
  } else {
    config = {
      name: o.name,
      port: o.port ?? (await freePort()),
      nodes: o.nodes ?? 1,
      ...(o.fakeNodes ? { fakeNodes: o.fakeNodes } : {}),
      stateVersion: STATE_VERSION,
      createdAt: new Date().toISOString(),
    };
  }
  if (!(await portFree(config.port))) {
    throw new CliError(
      `port ${config.port} on 127.0.0.1 is in use; free it or pass --port with another port`,
    );
  }
  try {
    mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
    writeFileSync(paths.config, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  } catch (err) {
    if (fresh) rmSync(paths.dir, { recursive: true, force: true });
    throw diskFull(err, paths.config);
  }

  const failed = async (why: string, pid?: number): Promise<never> => {
    if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
    const tail = lastLogLines(paths);
    if (fresh) rmSync(paths.dir, { recursive: true, force: true });
    throw new CliError(
      `${why}${tail.length > 0 ? `\nlast daemon log lines:\n${tail.join('\n')}` : ''}`,
    );
  };

  o.progress('Starting the control plane');
  const log = openSync(paths.log, 'a', 0o600);
  // A small young generation and one collection after start-up keep the idle daemon small
  // (see startDaemon); throughput barely changes for a control plane this size.
  const child = spawn(
    process.execPath,
    ['--max-semi-space-size=1', '--expose-gc', o.entry, '--name', o.name],
    {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, KBOX_HOME: kboxHome() },
    },
  );
  closeSync(log);
  const pid = child.pid;
  child.unref();
  if (pid === undefined) return failed('could not launch the kbox daemon');

  // While the daemon starts, load what writing the kubeconfig needs (the YAML library), so that
  // step costs nothing once the nodes are Ready.
  const yamlLoaded = import('yaml').catch(() => undefined);
  const deadline = Date.now() + o.waitMs;
  let creds: ClusterCredentials | undefined;
  let agent: HttpsAgent | undefined;
  let lastError = '';
  try {
    for (;;) {
      if (!alive(pid)) {
        const why = daemonFailure(paths);
        return failed(`the kbox daemon exited during start-up${why ? `: ${why}` : ''}`);
      }
      if (Date.now() > deadline) {
        const why = lastError ? ` (last answer: ${lastError})` : '';
        return failed(`the cluster did not become ready within ${o.waitMs / 1000}s${why}`, pid);
      }
      if (!creds && existsSync(`${paths.pki}/admin.token`) && existsSync(`${paths.pki}/ca.crt`)) {
        creds = credentials(paths, config);
        agent = new HttpsAgent({ keepAlive: true, maxSockets: 1, ca: creds.caPem });
      }
      if (creds) {
        try {
          const nodes = await readyNodes(creds, 2000, agent);
          // Every node of the config Ready, and no fake node it no longer has (the daemon removes
          // those before its nodes register).
          const fakes = new Set(fakeNodeNames(o.name, config.fakeNodes ?? 0));
          const want = [...nodeNames(o.name, config.nodes), ...fakes];
          if (want.every((n) => nodes.ready.includes(n)) && nodes.fake.every((n) => fakes.has(n))) {
            o.progress('Writing kubeconfig');
            await yamlLoaded;
            await mergeKubeconfig(kubeconfig, creds);
            return {
              alreadyRunning: false,
              server: creds.server,
              context: contextName(o.name),
              kubeconfig,
              nodes: nodes.ready,
            };
          }
          o.progress('Waiting for nodes to be Ready');
        } catch (err) {
          // Not serving yet (connection refused) or not ready: keep polling until the deadline.
          lastError = (err as Error).message;
        }
      }
      await sleep(25);
    }
  } finally {
    agent?.destroy();
  }
}

/** Sends SIGTERM and waits for the daemon to exit. Returns false when it was not running. */
export async function stopCluster(name: string, timeoutMs = 90_000): Promise<boolean> {
  const paths = clusterPaths(name);
  const st = clusterState(paths);
  if (st.state !== 'running' || st.pid === undefined) {
    if (st.state === 'crashed') rmSync(paths.pid, { force: true });
    return false;
  }
  process.kill(st.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (alive(st.pid)) {
    if (Date.now() > deadline) {
      throw new CliError(
        `the kbox daemon (pid ${st.pid}) did not stop within ${timeoutMs / 1000}s`,
      );
    }
    await sleep(25);
  }
  return true;
}

/** Stops the daemon and removes everything kbox made for the cluster. Missing is not an error. */
export async function deleteCluster(
  name: string,
  kubeconfig = defaultKubeconfigPath(),
): Promise<boolean> {
  const paths = clusterPaths(name);
  const known = existsSync(paths.dir);
  await stopCluster(name);
  const { default: Docker } = await import('dockerode');
  const docker = new Docker();
  const filters = JSON.stringify({ label: [`${LABEL_CLUSTER}=${name}`] });
  try {
    for (const c of await docker.listContainers({ all: true, filters })) {
      await docker.getContainer(c.Id).remove({ force: true, v: true });
    }
    for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove();
    const volumes = await docker.listVolumes({ filters });
    for (const v of volumes.Volumes ?? []) await docker.getVolume(v.Name).remove();
    for (const i of await docker.listImages({ filters }))
      await docker.getImage(i.Id).remove({ force: true });
  } catch (err) {
    if (known) {
      throw new CliError(
        `could not remove the Docker objects of cluster "${name}" (${(err as Error).message}); is the Docker engine at ${dockerEndpoint()} running?`,
      );
    }
  }
  rmSync(paths.dir, { recursive: true, force: true });
  const removed = await removeFromKubeconfig(kubeconfig, contextName(name));
  return known || removed;
}

/** Prints `error: MESSAGE` (kubectl style, unwrapped) and exits non-zero. */
export function fail(cmd: { exit(code?: number): never }, err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${message}\n`);
  return cmd.exit(err instanceof CliError ? err.exitCode : 1);
}
