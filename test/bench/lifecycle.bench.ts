// Lifecycle benchmark (npm run bench:lifecycle): restart of a stopped cluster from command to
// nodes Ready, against `docker run --rm` of the busybox test image measured in the same run,
// and the daemon's idle memory with no pods and with 100 pods.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { ensureBusyboxImage } from '../support/busybox-image.js';

const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'kbox-bench-life-'));
const env = { ...process.env, KBOX_HOME: join(root, 'home'), KUBECONFIG: join(root, 'kubeconfig') };
const name = 'bench';
const PODS = Number(process.env.KBOX_BENCH_PODS ?? 100);

const kbox = (...args: string[]) => run(process.execPath, ['bin/run.js', ...args], { env });
const median = (v: number[]): number =>
  [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? NaN;

function rssMiB(): number {
  const pid = Number(readFileSync(join(env.KBOX_HOME, name, 'daemon.pid'), 'utf8'));
  const line =
    readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:')) ?? '';
  return Number(line.replace(/\D+/g, '')) / 1024;
}

async function main(): Promise<void> {
  const image = await ensureBusyboxImage(new Docker());
  const dockerRuns: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await run('docker', ['run', '--rm', '--label', 'io.kbox.test=bench', image, 'true']);
    dockerRuns.push(performance.now() - t);
  }
  process.stderr.write('starting\n');
  let t = performance.now();
  await kbox('cluster', 'start', '--name', name);
  const first = performance.now() - t;
  const restarts: number[] = [];
  for (let i = 0; i < 5; i++) {
    await kbox('cluster', 'stop', '--name', name);
    process.stderr.write(`restart ${i + 1}\n`);
    t = performance.now();
    await kbox('cluster', 'start', '--name', name);
    restarts.push(performance.now() - t);
  }
  // Idle: settled, 10 s after the start (the daemon collects its start-up garbage by then).
  await new Promise((r) => setTimeout(r, 10_000));
  const idle = rssMiB();
  const pods = Array.from(
    { length: PODS },
    (_, i) =>
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: idle-${i}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: c\n    image: ${image}\n    command: ["sleep", "3600"]\n`,
  ).join('---\n');
  const kubectl = (...args: string[]) =>
    run('/usr/bin/kubectl', ['--context', `kbox-${name}`, ...args], { env, maxBuffer: 1 << 26 });
  const applied = execFile('/usr/bin/kubectl', ['--context', `kbox-${name}`, 'apply', '-f', '-'], {
    env,
  });
  applied.stdin?.end(pods);
  await new Promise((r) => applied.on('exit', r));
  t = performance.now();
  process.stderr.write(`waiting for ${PODS} pods\n`);
  await kubectl('wait', '--for=condition=Ready', 'pod', '--all', '--timeout=300s');
  const hundredReady = performance.now() - t;
  await new Promise((r) => setTimeout(r, 5000));
  const busy = rssMiB();
  console.log(
    [
      `docker run --rm ${image} true, median of 5: ${median(dockerRuns).toFixed(0)} ms (baseline)`,
      `kbox cluster start, first ever (PKI, network): ${first.toFixed(0)} ms`,
      `kbox cluster start of a stopped cluster, median of 5: ${median(restarts).toFixed(0)} ms (${(median(restarts) / median(dockerRuns)).toFixed(2)}x one docker run)`,
      `daemon RSS idle, 1 node, no pods: ${idle.toFixed(0)} MiB`,
      `${PODS} pods from apply to all Ready: ${hundredReady.toFixed(0)} ms; daemon RSS with them: ${busy.toFixed(0)} MiB`,
    ].join('\n'),
  );
}

try {
  await main();
} finally {
  await kbox('cluster', 'delete', '--name', name).catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
}
