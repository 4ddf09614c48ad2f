// kubeconfig files: merge a cluster's entries into the user's file (like kind), remove them, and
// build a standalone config. Every other entry, and the file's permissions, are kept.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

export interface ClusterCredentials {
  contextName: string;
  server: string;
  caPem: string;
  token: string;
}

interface Named<T> {
  name: string;
  [k: string]: unknown;
  cluster?: T;
}

interface KubeconfigDoc {
  apiVersion?: string;
  kind?: string;
  preferences?: unknown;
  clusters?: Named<unknown>[];
  users?: Named<unknown>[];
  contexts?: Named<unknown>[];
  'current-context'?: string;
  [k: string]: unknown;
}

/** The file kbox writes to: the first path of $KUBECONFIG, else ~/.kube/config. */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const first = (env.KUBECONFIG ?? '').split(delimiter).find((p) => p !== '');
  return first ?? join(env.HOME || homedir(), '.kube', 'config');
}

export function standaloneKubeconfig(c: ClusterCredentials): KubeconfigDoc {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [
      {
        name: c.contextName,
        cluster: {
          server: c.server,
          'certificate-authority-data': Buffer.from(c.caPem).toString('base64'),
        },
      },
    ],
    users: [{ name: c.contextName, user: { token: c.token } }],
    contexts: [{ name: c.contextName, context: { cluster: c.contextName, user: c.contextName } }],
    'current-context': c.contextName,
  };
}

async function readDoc(path: string): Promise<KubeconfigDoc> {
  if (!existsSync(path)) return { apiVersion: 'v1', kind: 'Config', preferences: {} };
  const text = readFileSync(path, 'utf8');
  if (text.trim() === '') return { apiVersion: 'v1', kind: 'Config', preferences: {} };
  const { parse } = await import('yaml');
  const doc = parse(text) as KubeconfigDoc | null;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new Error(`${path} is not a kubeconfig file (expected a YAML mapping)`);
  }
  return doc;
}

async function writeDoc(path: string, doc: KubeconfigDoc): Promise<void> {
  const { stringify } = await import('yaml');
  const mode = existsSync(path) ? statSync(path).mode & 0o777 : 0o600;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, stringify(doc), { mode });
  chmodSync(path, mode);
}

function upsert(list: Named<unknown>[] | undefined, entry: Named<unknown>): Named<unknown>[] {
  const out = (list ?? []).filter((e) => e.name !== entry.name);
  out.push(entry);
  return out;
}

/** Adds (or replaces) the cluster's cluster/user/context entries and makes the context current. */
export async function mergeKubeconfig(path: string, c: ClusterCredentials): Promise<void> {
  const doc = await readDoc(path);
  const own = standaloneKubeconfig(c);
  doc.clusters = upsert(doc.clusters, own.clusters![0]!);
  doc.users = upsert(doc.users, own.users![0]!);
  doc.contexts = upsert(doc.contexts, own.contexts![0]!);
  doc['current-context'] = c.contextName;
  await writeDoc(path, doc);
}

/** Removes the context's entries; clears current-context if it pointed there. No file, no-op. */
export async function removeFromKubeconfig(path: string, contextName: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  const doc = await readDoc(path);
  const before = JSON.stringify(doc);
  doc.clusters = (doc.clusters ?? []).filter((e) => e.name !== contextName);
  doc.users = (doc.users ?? []).filter((e) => e.name !== contextName);
  doc.contexts = (doc.contexts ?? []).filter((e) => e.name !== contextName);
  if (doc['current-context'] === contextName) doc['current-context'] = '';
  if (JSON.stringify(doc) === before) return false;
  await writeDoc(path, doc);
  return true;
}

export async function renderKubeconfig(doc: KubeconfigDoc): Promise<string> {
  const { stringify } = await import('yaml');
  return stringify(doc);
}
