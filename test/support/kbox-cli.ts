// Runs the built kbox CLI (bin/run.js) as a separate process against a test API server, through
// the kubeconfig startTestApi writes, so commands are exercised exactly as a user runs them.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number;
}

export function runKbox(
  kubeconfig: string,
  args: string[],
  stdin?: string,
  timeoutMs = 60_000,
  env: Record<string, string> = {},
): Promise<CliResult> {
  // Flags must come before a `--`, after which every word is the command's own.
  const dashes = args.indexOf('--');
  const argv =
    dashes >= 0
      ? [...args.slice(0, dashes), '--kubeconfig', kubeconfig, ...args.slice(dashes)]
      : [...args, '--kubeconfig', kubeconfig];
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [RUN, ...argv],
      {
        timeout: timeoutMs,
        // The CLI's caches (discovery, kubeconfig) go beside the test's kubeconfig.
        env: {
          ...process.env,
          KBOX_HOME: join(dirname(kubeconfig), 'kbox-home'),
          NO_COLOR: '1',
          ...env,
        },
      },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        resolve({ stdout, stderr, code: typeof code === 'number' ? code : 1 });
      },
    );
    child.stdin?.on('error', () => undefined); // a child that exits without reading it
    child.stdin?.end(stdin);
  });
}

/** A long-running CLI process whose output can be awaited line by line. */
export interface StreamingRun {
  child: ChildProcess;
  stdout(): string;
  /** Resolves once stdout contains `text` (rejects after timeoutMs). */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  done: Promise<CliResult>;
}

export function streamProcess(command: string, args: string[]): StreamingRun {
  const child = spawn(command, args, { env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code) => resolve({ stdout: out, stderr: err, code: code ?? 1 })),
  );
  return {
    child,
    stdout: () => out,
    done,
    waitFor: (text, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(
          () =>
            reject(
              new Error(
                `timed out waiting for ${JSON.stringify(text)}; got ${JSON.stringify(out)} / ${JSON.stringify(err)}`,
              ),
            ),
          timeoutMs,
        );
        const check = (): void => {
          if (out.includes(text)) {
            clearTimeout(deadline);
            resolve();
          } else waiters.push(check);
        };
        check();
      }),
  };
}

export function streamKbox(kubeconfig: string, args: string[]): StreamingRun {
  return streamProcess(process.execPath, [RUN, ...args, '--kubeconfig', kubeconfig]);
}
