// Starts a real API server on a random loopback port over an in-memory store, and runs the real
// kubectl against it with a private kubeconfig and discovery cache.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/types.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { ApiServer } from '../../src/apiserver/server.js';
import { generateClusterPki } from '../../src/apiserver/tls.js';
import { CORE, type KubeClient } from '../../src/client/rest.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';

export const KUBECTL = process.env.KBOX_KUBECTL ?? '/usr/bin/kubectl';

/**
 * What the ServiceAccounts controller and the root CA publisher do on a real cluster, for tests
 * that run a kubelet against a bare API server: the `default` ServiceAccount a pod's token is
 * requested for, and the kube-root-ca.crt ConfigMap its kube-api-access volume projects.
 */
export async function seedNamespaceDefaults(
  client: KubeClient,
  namespaces = ['default'],
): Promise<void> {
  for (const ns of namespaces) {
    await client.create(CORE.serviceaccounts, ns, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: ns },
    });
    await client.create(CORE.configmaps, ns, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kube-root-ca.crt', namespace: ns },
      data: { 'ca.crt': 'test CA\n' },
    } as KubeObject);
  }
}

export interface TestApi {
  url: string;
  server: ApiServer;
  storage: SqliteStorage;
  kubeconfig: string;
  /**
   * Runs kubectl; resolves with its output and exit code (never rejects on a non-zero exit).
   * After timeoutMs the process is killed and what it printed so far is returned.
   */
  kubectl(
    args: string[],
    stdin?: string,
    timeoutMs?: number,
  ): Promise<{ stdout: string; stderr: string; code: number }>;
  /** fetch against the server, with a JSON body when given an object. */
  request(method: string, path: string, body?: unknown, contentType?: string): Promise<Response>;
  stop(): Promise<void>;
}

export async function startTestApi(
  opts: { kubeletToken?: string; auth?: { token: string }; clock?: () => Date } = {},
): Promise<TestApi> {
  const storage = new SqliteStorage({ path: ':memory:', groupCommit: true });
  // kubectl sends a bearer token only over TLS: with auth the server serves HTTPS.
  const pki = opts.auth
    ? await generateClusterPki({ commonName: 'kbox-test', hosts: [] })
    : undefined;
  const server = new ApiServer({
    storage,
    port: 0,
    ...opts,
    ...(pki ? { tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert } } : {}),
  });
  const dispatcher = pki ? new Agent({ connect: { ca: pki.caCert } }) : undefined;
  const url = await server.start();
  const dir = mkdtempSync(join(tmpdir(), 'kbox-test-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'test',
          cluster: {
            server: url,
            ...(pki
              ? { 'certificate-authority-data': Buffer.from(pki.caCert).toString('base64') }
              : {}),
          },
        },
      ],
      users: [{ name: 'test', user: opts.auth ? { token: opts.auth.token } : {} }],
      contexts: [
        { name: 'test', context: { cluster: 'test', user: 'test', namespace: 'default' } },
      ],
      'current-context': 'test',
    }),
  );
  const cacheDir = join(dir, 'cache');
  return {
    url,
    server,
    storage,
    kubeconfig,
    kubectl: (args, stdin, timeoutMs = 60_000) =>
      new Promise((resolve) => {
        const child = execFile(
          KUBECTL,
          ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args],
          { timeout: timeoutMs },
          (err, stdout, stderr) => {
            const code = err ? ((err as { code?: number }).code ?? 1) : 0;
            resolve({ stdout, stderr, code: typeof code === 'number' ? code : 1 });
          },
        );
        child.stdin?.on('error', () => undefined); // a child that exits without reading it
        if (stdin !== undefined) child.stdin?.end(stdin);
        else child.stdin?.end();
      }),
    request: (method, path, body, contentType) => {
      const init = {
        method,
        headers: {
          ...(opts.auth ? { Authorization: `Bearer ${opts.auth.token}` } : {}),
          ...(body === undefined ? {} : { 'Content-Type': contentType ?? 'application/json' }),
        },
        body:
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      };
      // Node's own fetch takes no CA; undici's does, through a dispatcher.
      return dispatcher
        ? (undiciFetch(`${url}${path}`, { ...init, dispatcher }) as unknown as Promise<Response>)
        : fetch(`${url}${path}`, init);
    },
    stop: async () => {
      await dispatcher?.close();
      await server.stop();
      storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
