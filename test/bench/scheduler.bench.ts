// Scheduler throughput, end to end through the API server as in the daemon (same process, the
// daemon's private Unix socket, durable store; KBOX_BENCH_TRANSPORT=https compares HTTPS): 100 Node objects and 5,000 pending pods are created through the API, then the
// scheduler starts and binds them all. Reported next to the create rate of the same pods in the
// same run (the API's own ceiling here) and upstream's CI floor of 270 pods/s.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ApiServer } from '../../src/apiserver/server.js';
import { generateClusterPki } from '../../src/apiserver/tls.js';
import { KubeClient, type ResourceRef } from '../../src/client/rest.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';

const NODES = Number(process.env.KBOX_BENCH_NODES ?? 100);
const PODS = Number(process.env.KBOX_BENCH_PODS ?? 5000);
const CONCURRENCY = 16;
const NODE: ResourceRef = { group: '', version: 'v1', resource: 'nodes', namespaced: false };
const POD: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };

async function inParallel(n: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

const dir = mkdtempSync(join(tmpdir(), 'kbox-bench-sched-'));
const storage = new SqliteStorage({
  path: join(dir, 'state.db'),
  groupCommit: process.env.KBOX_BENCH_GROUP_COMMIT !== 'off',
  checkpointThread: process.env.KBOX_BENCH_CHECKPOINT_THREAD !== 'off',
});
const pki = await generateClusterPki({ commonName: 'bench', hosts: ['127.0.0.1'] });
const token = 'bench-token';
const server = new ApiServer({
  storage,
  port: 0,
  tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert },
  auth: { token },
  socketPath: join(dir, 'api.sock'),
});
const url = await server.start();
const transport = process.env.KBOX_BENCH_TRANSPORT === 'https' ? 'https' : 'unix socket';
const client = new KubeClient({
  server: url,
  ca: pki.caCert,
  token,
  ...(transport === 'https' ? {} : { socketPath: join(dir, 'api.sock') }),
});

await inParallel(NODES, (i) =>
  client.create(NODE, undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}` } },
    status: {
      capacity: { cpu: '32', memory: '128Gi', pods: '110' },
      allocatable: { cpu: '32', memory: '128Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  }),
);
const createStart = performance.now();
await inParallel(PODS, (i) =>
  client.create(POD, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `pod-${i}` },
    spec: {
      containers: [
        { name: 'c', image: 'x', resources: { requests: { cpu: '100m', memory: '64Mi' } } },
      ],
    },
  }),
);
const createSecs = (performance.now() - createStart) / 1000;

// Completion is seen through one watch (as any client would), not by polling lists: a list of
// 5,000 pods every few ms would cost the API server more than the scheduler itself.
const marker = await client.list(POD, 'default', { fieldSelector: 'metadata.name=-' });
const bound = new Set<string>();
const stopWatch = new AbortController();
let allBound: () => void = () => {};
const finished = new Promise<void>((resolve) => (allBound = resolve));
let watchClosures = 0;
// A watch the server closes (a slow watcher overflows its buffer) is resumed from the last
// revision seen, as an informer would.
const watching = (async () => {
  let rv = marker.metadata.resourceVersion ?? '0';
  while (!stopWatch.signal.aborted) {
    const end = await client
      .watch(
        POD,
        'default',
        { resourceVersion: rv },
        (ev) => {
          rv = ev.object.metadata.resourceVersion ?? rv;
          if ((ev.object.spec as { nodeName?: string } | undefined)?.nodeName) {
            bound.add(ev.object.metadata.name ?? '');
            if (bound.size === PODS) allBound();
          }
        },
        stopWatch.signal,
      )
      .catch(() => 'closed' as const);
    if (!stopWatch.signal.aborted) watchClosures++;
    if (end === 'expired') throw new Error('the watch fell behind the compacted revision');
  }
})();

// KBOX_BENCH_PROFILE=file.cpuprofile records a CPU profile of the scheduling phase only.
const profilePath = process.env.KBOX_BENCH_PROFILE;
const inspector = profilePath ? new Session() : undefined;
if (inspector) {
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.start');
}
const scheduler = new Scheduler(client, () => {});
const t0 = performance.now();
const cpu0 = process.cpuUsage();
await scheduler.start();
await finished;
if (inspector && profilePath) {
  const { profile } = await inspector.post('Profiler.stop');
  writeFileSync(profilePath, JSON.stringify(profile));
  inspector.disconnect();
}
const secs = (performance.now() - t0) / 1000;
// CPU time of the whole process (API server, storage, scheduler, watch) while scheduling: on a
// shared machine the wall-clock rate depends on the neighbours, this much less.
const cpu = process.cpuUsage(cpu0);
const cpuSecs = (cpu.user + cpu.system) / 1e6;
const perNode = new Map<string, number>();
for (const p of (await client.list(POD, 'default')).items) {
  const n = (p.spec as { nodeName?: string }).nodeName ?? '';
  perNode.set(n, (perNode.get(n) ?? 0) + 1);
}
stopWatch.abort();
await watching;
await scheduler.stop();
await client.close();
await server.stop();
storage.close();
rmSync(dir, { recursive: true, force: true });

const rate = PODS / secs;
const createRate = PODS / createSecs;
const counts = [...perNode.values()];
console.log(
  [
    ...(watchClosures > 0
      ? [`(the benchmark's own watch was closed and resumed ${watchClosures} times)`]
      : []),
    `scheduler: ${NODES} nodes, ${PODS} pending pods, client over ${transport}`,
    `create through the API (baseline, ${CONCURRENCY} clients): ${createRate.toFixed(0)} pods/s`,
    `scheduled and bound: ${rate.toFixed(0)} pods/s in ${secs.toFixed(2)} s (${(rate / createRate).toFixed(2)}x the create rate; upstream CI floor 270 pods/s: ${(rate / 270).toFixed(2)}x)`,
    `CPU while scheduling: ${cpuSecs.toFixed(2)} s (${((cpuSecs * 1e6) / PODS).toFixed(0)} µs per pod, ${(PODS / cpuSecs).toFixed(0)} pods per CPU-second)`,
    `pods per node: min ${Math.min(...counts)}, max ${Math.max(...counts)}`,
  ].join('\n'),
);
