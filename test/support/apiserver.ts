// Starts a real API server on a random loopback port over an in-memory store, and runs the real
// kubectl against it with a private kubeconfig and discovery cache.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiServer } from '../../src/apiserver/server.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';

export const KUBECTL = process.env.KBOX_KUBECTL ?? '/usr/bin/kubectl';

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

export async function startTestApi(opts: { kubeletToken?: string } = {}): Promise<TestApi> {
  const storage = new SqliteStorage({ path: ':memory:', groupCommit: true });
  const server = new ApiServer({ storage, port: 0, ...opts });
  const url = await server.start();
  const dir = mkdtempSync(join(tmpdir(), 'kbox-test-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { server: url } }],
      users: [{ name: 'test', user: {} }],
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
        if (stdin !== undefined) child.stdin?.end(stdin);
        else child.stdin?.end();
      }),
    request: (method, path, body, contentType) =>
      fetch(`${url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': contentType ?? 'application/json' },
        body:
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      }),
    stop: async () => {
      await server.stop();
      storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
