// Pod start-up benchmark (npm run bench:pods), on a real cluster and Docker engine:
// - one pod, image present, from the create request to phase Running seen by a watch, against
//   raw Docker doing the same work in the same run (create+start of a sandbox from kbox's pause
//   image on the cluster network, then create+start of the container joined to it);
// - a 50-replica Deployment from create to readyReplicas 50 (target: at most 15 s), against raw
//   Docker making 50 such pods with the kubelet's parallelism.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { LABEL_CLUSTER } from '../../src/api/docker-labels.js';
import type { KubeObject } from '../../src/api/types.js';
import { resolveTarget } from '../../src/cli/target.js';
import type { KubeClient, ResourceRef } from '../../src/client/rest.js';
import { ensurePauseImage } from '../../src/kubelet/runtime/pause-image.js';
import { ensureBusyboxImage } from '../support/busybox-image.js';

const ROUNDS = Number(process.env.KBOX_BENCH_ROUNDS ?? 10);
const REPLICAS = Number(process.env.KBOX_BENCH_REPLICAS ?? 50);
/** The kubelet's pod workers, for the raw Docker batch baseline. */
const PARALLEL = Number(process.env.KBOX_POD_WORKERS ?? 4);
/**
 * KBOX_BENCH_PARALLEL=1,2,4,8,16: only the raw Docker batch, once per parallelism (interleaved
 * over two passes), to see where the engine's pace levels off. No cluster is involved beyond
 * its network.
 */
const SWEEP = (process.env.KBOX_BENCH_PARALLEL ?? '')
  .split(',')
  .filter((v) => v.trim() !== '')
  .map(Number);
const POD: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };
const DEPLOYMENT: ResourceRef = {
  group: 'apps',
  version: 'v1',
  resource: 'deployments',
  namespaced: true,
};

const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'kbox-bench-pods-'));
process.env.KBOX_HOME = join(root, 'home');
process.env.KUBECONFIG = join(root, 'kubeconfig');
const name = 'benchpods';
const kbox = (...args: string[]) => run(process.execPath, ['bin/run.js', ...args]);
const median = (v: number[]): number =>
  [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? NaN;

/** Resolves with the time at which `ok` first holds for an object seen by a watch from `rv`. */
function watchUntil(
  client: KubeClient,
  ref: ResourceRef,
  rv: string,
  ok: (o: KubeObject) => boolean,
): { seen: Promise<number>; stop(): void } {
  const abort = new AbortController();
  let resolve: (t: number) => void = () => {};
  const seen = new Promise<number>((r) => (resolve = r));
  client
    .watch(
      ref,
      'default',
      { resourceVersion: rv },
      (ev) => {
        if (ok(ev.object)) resolve(performance.now());
      },
      abort.signal,
    )
    .catch(() => undefined);
  return { seen, stop: () => abort.abort() };
}

/** What the kubelet asks of Docker for one pod: a sandbox, then the container joined to it. */
async function rawPod(
  docker: Docker,
  pause: string,
  image: string,
  network: string,
): Promise<Docker.Container[]> {
  const labels = { [LABEL_CLUSTER]: name, 'io.kbox.test': 'bench-pods' };
  const sandbox = await docker.createContainer({
    Image: pause,
    Labels: labels,
    HostConfig: { NetworkMode: network, IpcMode: 'shareable' },
  });
  await sandbox.start();
  const app = await docker.createContainer({
    Image: image,
    Entrypoint: ['sleep', '3600'],
    Labels: labels,
    HostConfig: {
      NetworkMode: `container:${sandbox.id}`,
      IpcMode: `container:${sandbox.id}`,
    },
  });
  await app.start();
  return [app, sandbox];
}

async function removeAll(containers: Docker.Container[]): Promise<void> {
  await Promise.all(containers.map((c) => c.remove({ force: true })));
}

async function dockerBaseline(docker: Docker, image: string, network: string): Promise<number[]> {
  const pause = await ensurePauseImage(docker);
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    const made = await rawPod(docker, pause, image, network);
    times.push(performance.now() - t);
    await removeAll(made);
  }
  return times;
}

/** REPLICAS raw pods, PARALLEL at a time (the kubelet's pod workers): the engine's own pace. */
async function dockerBatch(
  docker: Docker,
  image: string,
  network: string,
  parallel = PARALLEL,
): Promise<number> {
  const pause = await ensurePauseImage(docker);
  const made: Docker.Container[] = [];
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < REPLICAS) {
        next++;
        made.push(...(await rawPod(docker, pause, image, network)));
      }
    }),
  );
  const ms = performance.now() - t;
  await removeAll(made);
  return ms;
}

async function podStartups(
  client: KubeClient,
  image: string,
  prefix: string,
  rounds = ROUNDS,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const podName = `${prefix}-${i}`;
    const rv = (await client.list(POD, 'default', { limit: 1 })).metadata.resourceVersion ?? '0';
    const w = watchUntil(
      client,
      POD,
      rv,
      (o) =>
        o.metadata.name === podName &&
        (o.status as { phase?: string } | undefined)?.phase === 'Running',
    );
    const t = performance.now();
    await client.create(POD, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: podName },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'c', image, command: ['sleep', '3600'] }],
      },
    });
    times.push((await w.seen) - t);
    w.stop();
    await client.delete(POD, 'default', podName);
  }
  return times;
}

async function deploymentReady(client: KubeClient, image: string): Promise<number> {
  const rv = (await client.list(DEPLOYMENT, 'default')).metadata.resourceVersion ?? '0';
  const w = watchUntil(
    client,
    DEPLOYMENT,
    rv,
    (o) => (o.status as { readyReplicas?: number } | undefined)?.readyReplicas === REPLICAS,
  );
  const t = performance.now();
  await client.create(DEPLOYMENT, 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'fifty' },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: 'fifty' } },
      template: {
        metadata: { labels: { app: 'fifty' } },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [{ name: 'c', image, command: ['sleep', '3600'] }],
        },
      },
    },
  });
  const ms = (await w.seen) - t;
  w.stop();
  return ms;
}

async function main(): Promise<void> {
  const docker = new Docker();
  const image = await ensureBusyboxImage(docker);
  await kbox('cluster', 'start', '--name', name);
  const { client } = resolveTarget({ cluster: name });
  // A first pod makes the cluster network and the pause image; neither side counts that.
  await podStartups(client, image, 'warmup', 1);
  const networks = await docker.listNetworks({
    filters: JSON.stringify({ label: [`${LABEL_CLUSTER}=${name}`] }),
  });
  const network = networks[0]?.Name;
  if (!network) throw new Error(`cluster ${name} has no Docker network`);
  if (SWEEP.length > 0) {
    const seen = new Map<number, number[]>();
    for (let pass = 0; pass < 2; pass++) {
      for (const p of SWEEP) {
        const ms = await dockerBatch(docker, image, network, p);
        seen.set(p, [...(seen.get(p) ?? []), ms]);
      }
    }
    await client.close();
    for (const [p, v] of seen) {
      console.log(
        `raw Docker: ${REPLICAS} sandbox+container pairs, ${p} at a time: ${v.map((ms) => (ms / 1000).toFixed(1)).join(' s, ')} s`,
      );
    }
    return;
  }
  // Interleave the two so both see the same machine load.
  const raw: number[] = [];
  const pods: number[] = [];
  for (let i = 0; i < 2; i++) {
    raw.push(...(await dockerBaseline(docker, image, network)));
    pods.push(...(await podStartups(client, image, `startup-${i}`)));
  }
  const batch = await dockerBatch(docker, image, network);
  const fifty = await deploymentReady(client, image);
  await client.close();
  const r = median(raw);
  const p = median(pods);
  console.log(
    [
      `raw Docker: sandbox + container create+start, median of ${raw.length}: ${r.toFixed(0)} ms (baseline)`,
      `kbox pod create → Running (watch), median of ${pods.length}: ${p.toFixed(0)} ms (${(p / r).toFixed(2)}x; target ≤ 1.3x); p90 ${[...pods].sort((a, b) => a - b)[Math.floor(pods.length * 0.9)]?.toFixed(0)} ms`,
      `raw Docker: ${REPLICAS} such pods, ${PARALLEL} at a time: ${(batch / 1000).toFixed(1)} s (baseline)`,
      `${REPLICAS}-replica Deployment create → ${REPLICAS} ready: ${(fifty / 1000).toFixed(1)} s (${(fifty / batch).toFixed(2)}x; target ≤ 15 s)`,
    ].join('\n'),
  );
}

try {
  await main();
} finally {
  await kbox('cluster', 'delete', '--name', name).catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
}
