// One real kbox cluster per end-to-end test file: its own KBOX_HOME and KUBECONFIG under a
// temporary directory, the built CLI and the real kubectl run as separate processes against it,
// and a clean-up that deletes the cluster (containers, networks, state) and the directory.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KUBECTL } from './apiserver.js';

const RUN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));

export interface ProcessResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface E2eCluster {
  /** The cluster's name (unique per test process). */
  readonly name: string;
  /** The temporary directory holding KBOX_HOME, the kubeconfig and kubectl's cache. */
  readonly root: string;
  /** The environment every command runs with. */
  readonly env: NodeJS.ProcessEnv;
  /**
   * Command words every command is run under (none by default), e.g. a private engine's `enter`
   * (test/support/private-docker.ts), so the daemon and kubectl share its network namespace.
   */
  readonly launcher: string[];
  run(cmd: string, args: string[], stdin?: string | Buffer): Promise<ProcessResult>;
  kbox(args: string[], stdin?: string | Buffer): Promise<ProcessResult>;
  kubectl(args: string[], stdin?: string | Buffer): Promise<ProcessResult>;
  /**
   * What a person needs to see when a wait times out: every pod with its node, the objects
   * named (YAML), the cluster's events and the end of the daemon's log.
   */
  diagnose(...objects: string[]): Promise<string>;
  /** `kbox cluster delete` and removal of the temporary directory. */
  delete(): Promise<void>;
}

/** A cluster named `e2e-<prefix>-<pid>`; nothing is started until the test runs `cluster start`. */
export function e2eCluster(prefix: string): E2eCluster {
  const root = mkdtempSync(join(tmpdir(), `kbox-e2e-${prefix}-`));
  const name = `e2e-${prefix}-${process.pid}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KBOX_HOME: join(root, 'home'),
    KUBECONFIG: join(root, 'kubeconfig'),
    NO_COLOR: '1',
  };
  const launcher: string[] = [];
  const run = (cmd: string, args: string[], stdin?: string | Buffer): Promise<ProcessResult> =>
    new Promise((resolve) => {
      const [file = cmd, ...words] = [...launcher, cmd];
      const child = execFile(
        file,
        [...words, ...args],
        { env, timeout: 150_000, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const code = err ? ((err as { code?: number | string }).code ?? 1) : 0;
          resolve({ stdout, stderr, code: typeof code === 'number' ? code : 1 });
        },
      );
      // A command that exits before reading its input must not fail the test.
      child.stdin?.on('error', () => undefined);
      // A child that exits without reading its stdin (mount, a refused command) closes the
      // pipe: its result is what counts, not the write.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(stdin ?? '');
    });
  const kbox = (args: string[], stdin?: string | Buffer) =>
    run(process.execPath, [RUN, ...args], stdin);
  const kubectl = (args: string[], stdin?: string | Buffer) =>
    run(KUBECTL, ['--cache-dir', join(root, 'kcache'), ...args], stdin);
  return {
    name,
    root,
    env,
    launcher,
    run,
    kbox,
    kubectl,
    async diagnose(...objects) {
      const parts: [string, () => Promise<ProcessResult>][] = [
        ['kubectl get pods -A -o wide', () => kubectl(['get', 'pods', '-A', '-o', 'wide'])],
        ...objects.map((o): [string, () => Promise<ProcessResult>] => [
          `kubectl get ${o} -o yaml`,
          () => kubectl(['get', o, '-o', 'yaml']),
        ]),
        ['kubectl get events -A', () => kubectl(['get', 'events', '-A'])],
        [
          'kbox cluster logs (last 60 lines)',
          async () => {
            const r = await kbox(['cluster', 'logs', '--name', name]);
            return { ...r, stdout: r.stdout.split('\n').slice(-61).join('\n') };
          },
        ],
      ];
      const out: string[] = [];
      for (const [title, probe] of parts) {
        const r = await probe();
        out.push(`--- ${title} (exit ${r.code})\n${r.stdout}${r.stderr}`);
      }
      return out.join('\n');
    },
    async delete() {
      await run(process.execPath, [RUN, 'cluster', 'delete', '--name', name]);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * Polls `probe` every 250 ms until `ok` accepts its value; on timeout the error names what was
 * awaited and the last value seen.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  ms = 60_000,
): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < end) {
    last = await probe();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}
