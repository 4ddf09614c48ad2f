// Which cluster a command talks to: a kbox cluster by name (--cluster, $KBOX_CLUSTER, else the
// kbox context that is current in the kubeconfig, else "default"), or any kubeconfig context on
// request (--kubeconfig / --context), so the same CLI also works against a real cluster.
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { KubeClient } from '../client/rest.js';
import { CliError, clusterState, credentials, readClusterConfig } from './cluster.js';
import { defaultKubeconfigPath } from './kubeconfig.js';
import { clusterPaths, DEFAULT_CLUSTER } from './paths.js';

export interface TargetFlags {
  cluster?: string;
  kubeconfig?: string;
  context?: string;
}

export interface Target {
  client: KubeClient;
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

function fromKubeconfig(path: string, contextName: string | undefined): Target {
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
  };
}

function fromKboxCluster(name: string): Target {
  const paths = clusterPaths(name);
  const config = readClusterConfig(paths);
  const hint = `start it with: kbox cluster start${name === DEFAULT_CLUSTER ? '' : ` --name ${name}`}`;
  if (!config) throw new CliError(`no kbox cluster named "${name}"; ${hint}`);
  if (clusterState(paths).state !== 'running')
    throw new CliError(`kbox cluster "${name}" is not running; ${hint}`);
  const c = credentials(paths, config);
  return {
    client: new KubeClient({ server: c.server, ca: c.caPem, token: c.token }),
    namespace: 'default',
    description: `kbox cluster "${name}"`,
  };
}

export function resolveTarget(flags: TargetFlags, env: NodeJS.ProcessEnv = process.env): Target {
  if (flags.kubeconfig !== undefined || flags.context !== undefined) {
    return fromKubeconfig(flags.kubeconfig ?? defaultKubeconfigPath(env), flags.context);
  }
  const name = flags.cluster ?? env.KBOX_CLUSTER;
  if (name) return fromKboxCluster(name);
  // Follow the kubeconfig when its current context is a kbox cluster's.
  const path = defaultKubeconfigPath(env);
  if (existsSync(path)) {
    const doc = (parse(readFileSync(path, 'utf8')) ?? {}) as KubeconfigFile;
    const current = doc['current-context'];
    if (current?.startsWith('kbox-')) return fromKboxCluster(current.slice('kbox-'.length));
  }
  return fromKboxCluster(DEFAULT_CLUSTER);
}
