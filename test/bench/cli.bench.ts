// CLI start-up benchmark (npm run bench:cli): wall time of `kbox get pods` against
// `kubectl get pods` on the same cluster with one pod, interleaved so both see the same machine,
// `node -e ''` (Node's own start-up, the floor for any command written in it), and the same
// command through oclif instead of the fast entry (KBOX_NO_FAST=1).
// Target: kbox at most 2x kubectl.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { KUBECTL } from '../support/apiserver.js';
import { ensureBusyboxImage } from '../support/busybox-image.js';

const ROUNDS = Number(process.env.KBOX_BENCH_ROUNDS ?? 15);
const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'kbox-bench-cli-'));
const env = { ...process.env, KBOX_HOME: join(root, 'home'), KUBECONFIG: join(root, 'kubeconfig') };
const name = 'benchcli';
const median = (v: number[]): number =>
  [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? NaN;

async function timed(
  cmd: string,
  args: string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<number> {
  const t = performance.now();
  await run(cmd, args, { env: { ...env, ...extraEnv } });
  return performance.now() - t;
}

async function main(): Promise<void> {
  const image = await ensureBusyboxImage(new Docker());
  await run(process.execPath, ['bin/run.js', 'cluster', 'start', '--name', name], { env });
  const pod = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: ${image}\n`;
  const applied = execFile(KUBECTL, ['apply', '-f', '-'], { env });
  applied.stdin?.end(pod);
  await new Promise((r) => applied.on('exit', r));
  const kboxTimes: number[] = [];
  const kubectlTimes: number[] = [];
  const nodeTimes: number[] = [];
  const oclifTimes: number[] = [];
  // One warm-up each (file cache, kubectl's discovery cache).
  await timed(process.execPath, ['bin/run.js', 'get', 'pods']);
  await timed(KUBECTL, ['get', 'pods']);
  for (let i = 0; i < ROUNDS; i++) {
    kboxTimes.push(await timed(process.execPath, ['bin/run.js', 'get', 'pods']));
    kubectlTimes.push(await timed(KUBECTL, ['get', 'pods']));
    nodeTimes.push(await timed(process.execPath, ['-e', '']));
    // The same command through oclif (what every command without a fast entry costs).
    oclifTimes.push(
      await timed(process.execPath, ['bin/run.js', 'get', 'pods'], { KBOX_NO_FAST: '1' }),
    );
  }
  const k = median(kboxTimes);
  const c = median(kubectlTimes);
  console.log(
    [
      `kubectl get pods, median of ${ROUNDS}: ${c.toFixed(0)} ms (baseline)`,
      `kbox get pods, median of ${ROUNDS}: ${k.toFixed(0)} ms (${(k / c).toFixed(2)}x kubectl; target ≤ 2x)`,
      `node -e '' (Node's own start-up), median of ${ROUNDS}: ${median(nodeTimes).toFixed(0)} ms`,
      `kbox get pods through oclif (KBOX_NO_FAST=1), median of ${ROUNDS}: ${median(oclifTimes).toFixed(0)} ms (${(median(oclifTimes) / c).toFixed(2)}x kubectl)`,
    ].join('\n'),
  );
}

try {
  await main();
} finally {
  await run(process.execPath, ['bin/run.js', 'cluster', 'delete', '--name', name], { env }).catch(
    () => undefined,
  );
  rmSync(root, { recursive: true, force: true });
}
