// Which cluster a command talks to: a kbox cluster by name (--cluster, $KBOX_CLUSTER, else the
// kbox context that is current in the kubeconfig, else "default"), or any kubeconfig context on
// request (--kubeconfig / --context), so the same CLI also works against a real cluster.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Yaml from 'yaml';
import { KubeClient } from '../client/rest.js';
import { CliError, clusterState, credentials, readClusterConfig } from './cluster.js';
import { defaultKubeconfigPath } from './kubeconfig.js';
import { clusterPaths, DEFAULT_CLUSTER, kboxHome, usableSocketPath } from './paths.js';
import type { DiscoveryCache } from './resources.js';

// The YAML parser costs a CLI command ~50 ms to load: it is required only when a kubeconfig
// has to be parsed (see currentContext's memo).
const require = createRequire(import.meta.url);
const parse = (text: string): unknown => (require('yaml') as typeof Yaml).parse(text);

export interface TargetFlags {
  cluster?: string;
  kubeconfig?: string;
  context?: string;
}

export interface Target {
  client: KubeClient;
  /** Where this target's API discovery is cached (src/cli/resources.ts, discoverCached). */
  discoveryCache: DiscoveryCache;
  /** The namespace commands default to (the context's, else "default"). */
  namespace: string;
  description: string;
}

interface KubeconfigFile {
  clusters?: Array<{ name: string; cluster: Record<string, unknown> }>;
  users?: Array<{ name: string; user: Record<string, unknown> }>;
  contexts?: Array<{
    name: string;
    context: { cluster: string; user?: string; namespace?: string };
  }>;
  'current-context'?: string;
}

function fromKubeconfig(path: string, contextName: string | undefined, home: string): Target {
  if (!existsSync(path)) throw new CliError(`kubeconfig file ${path} does not exist`);
  const doc = (parse(readFileSync(path, 'utf8')) ?? {}) as KubeconfigFile;
  const name = contextName ?? doc['current-context'];
  if (!name) throw new CliError(`no current context in ${path}; pass --context`);
  const ctx = doc.contexts?.find((c) => c.name === name)?.context;
  if (!ctx) throw new CliError(`context "${name}" not found in ${path}`);
  const cluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster ?? {};
  const user = doc.users?.find((u) => u.name === ctx.user)?.user ?? {};
  const pem = (data: unknown, file: unknown): string | undefined =>
    typeof data === 'string'
      ? Buffer.from(data, 'base64').toString('utf8')
      : typeof file === 'string'
        ? readFileSync(file, 'utf8')
        : undefined;
  const server = String(cluster.server ?? '');
  if (server === '') throw new CliError(`cluster "${ctx.cluster}" in ${path} has no server`);
  const ca = pem(cluster['certificate-authority-data'], cluster['certificate-authority']);
  const clientCert = pem(user['client-certificate-data'], user['client-certificate']);
  const clientKey = pem(user['client-key-data'], user['client-key']);
  const token =
    typeof user.token === 'string'
      ? user.token
      : typeof user.tokenFile === 'string'
        ? readFileSync(user.tokenFile, 'utf8').trim()
        : undefined;
  return {
    client: new KubeClient({
      server,
      ...(ca ? { ca } : {}),
      ...(token ? { token } : {}),
      ...(clientCert && clientKey ? { clientCert, clientKey } : {}),
      insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    }),
    namespace: ctx.namespace ?? 'default',
    description: `context "${name}"`,
    discoveryCache: {
      file: join(
        home,
        '.cache',
        'discovery',
        `${createHash('sha256').update(server).digest('hex').slice(0, 16)}.json`,
      ),
      key: server,
    },
  };
}

function fromKboxCluster(name: string): Target {
  const paths = clusterPaths(name);
  const config = readClusterConfig(paths);
  const hint = `start it with: kbox cluster start${name === DEFAULT_CLUSTER ? '' : ` --name ${name}`}`;
  if (!config) throw new CliError(`no kbox cluster named "${name}"; ${hint}`);
  const state = clusterState(paths);
  if (state.state !== 'running')
    throw new CliError(`kbox cluster "${name}" is not running; ${hint}`);
  const c = credentials(paths, config);
  // The daemon's private socket when it has one: the same API and token check over plain HTTP,
  // with no TLS handshake and no HTTP client library to load. Streams (exec, port-forward)
  // still use the HTTPS address from the client's config.
  const socketPath = usableSocketPath(paths.socket);
  return {
    client: new KubeClient({
      server: c.server,
      ca: c.caPem,
      token: c.token,
      ...(socketPath !== undefined && existsSync(socketPath) ? { socketPath } : {}),
    }),
    namespace: 'default',
    description: `kbox cluster "${name}"`,
    // A restarted daemon may serve other resources (a newer kbox): its process is in the key.
    discoveryCache: {
      file: join(paths.dir, 'cache', 'discovery.json'),
      key: `${c.server} pid ${state.pid ?? 0}`,
    },
  };
}

export function resolveTarget(flags: TargetFlags, env: NodeJS.ProcessEnv = process.env): Target {
  if (flags.kubeconfig !== undefined || flags.context !== undefined) {
    return fromKubeconfig(
      flags.kubeconfig ?? defaultKubeconfigPath(env),
      flags.context,
      kboxHome(env),
    );
  }
  const name = flags.cluster ?? env.KBOX_CLUSTER;
  if (name) return fromKboxCluster(name);
  // Follow the kubeconfig when its current context is a kbox cluster's.
  const current = currentContext(defaultKubeconfigPath(env), kboxHome(env));
  if (current?.startsWith('kbox-')) return fromKboxCluster(current.slice('kbox-'.length));
  return fromKboxCluster(DEFAULT_CLUSTER);
}

interface ContextMemo {
  path: string;
  stamp: string;
  current: string | null;
}

/**
 * The kubeconfig's current-context, remembered in $KBOX_HOME/.cache with the file's identity
 * (inode, size, modification and change times in ns), so most commands skip parsing YAML. Any
 * write to the file changes its ctime and so forces a fresh parse.
 */
export function currentContext(path: string, home: string): string | undefined {
  let st;
  try {
    st = statSync(path, { bigint: true });
  } catch {
    return undefined;
  }
  const stamp = [st.dev, st.ino, st.size, st.mtimeNs, st.ctimeNs].join(':');
  const memoDir = join(home, '.cache');
  const memoFile = join(memoDir, 'current-context.json');
  try {
    const memo = JSON.parse(readFileSync(memoFile, 'utf8')) as ContextMemo;
    if (memo.path === path && memo.stamp === stamp) return memo.current ?? undefined;
  } catch {
    // No memo yet, or an unreadable one: parse the file.
  }
  const doc = (parse(readFileSync(path, 'utf8')) ?? {}) as KubeconfigFile;
  const current = typeof doc['current-context'] === 'string' ? doc['current-context'] : undefined;
  try {
    mkdirSync(memoDir, { recursive: true, mode: 0o700 });
    const tmp = `${memoFile}.${process.pid}`;
    const memo: ContextMemo = { path, stamp, current: current ?? null };
    writeFileSync(tmp, JSON.stringify(memo), { mode: 0o600 });
    renameSync(tmp, memoFile);
  } catch {
    // A read-only home only costs the next command the parse.
  }
  return current;
}
