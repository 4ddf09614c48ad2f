// Services benchmark (npm run bench:services), from the host on Linux, all in one run:
// - added latency per HTTP request (fresh connection each) through the ClusterIP vs straight to
//   the pod IP, p50 and p99;
// - one TCP stream of 200 MiB through the ClusterIP vs direct;
// - time from a pod becoming Ready (as a watch sees it) to the first request through the Service
//   that reaches it, over several scale-ups from zero.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Docker from 'dockerode';
import { KUBECTL } from '../support/apiserver.js';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { e2eCluster, until } from '../support/e2e-cluster.js';

const c = e2eCluster('bench-svc');
const REQUESTS = Number(process.env.KBOX_BENCH_REQUESTS ?? 500);
const ROUNDS = Number(process.env.KBOX_BENCH_ROUNDS ?? 5);
const SIZE = 200 * 1024 * 1024;

const manifest = (image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: ${image}
        command: ["sh", "-c", "mkdir -p /www && echo hi > /www/index.html && head -c ${SIZE} /dev/zero > /www/big && exec busybox httpd -f -p 8080 -h /www"]
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /big, port: http}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: late}
spec:
  replicas: 0
  selector: {matchLabels: {app: late}}
  template:
    metadata: {labels: {app: late}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: httpd
        image: ${image}
        command: ["sh", "-c", "mkdir -p /www && echo hi > /www/index.html && exec busybox httpd -f -p 8080 -h /www"]
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {tcpSocket: {port: http}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: late}
spec:
  selector: {app: late}
  ports: [{port: 80, targetPort: http}]
`;

const pct = (v: number[], p: number): number =>
  [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor((p / 100) * v.length))] ?? NaN;
const median = (v: number[]): number => pct(v, 50);

function get(host: string, port: number, path = '/'): Promise<{ ok: boolean; ms: number }> {
  const start = performance.now();
  return new Promise((resolve) => {
    const req = request({ host, port, path, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ok: res.statusCode === 200, ms: performance.now() - start }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ ok: false, ms: performance.now() - start }));
    req.end();
  });
}

/** Raw HTTP/1.0 download, counting bytes: MiB/s. */
function download(host: string, port: number, path: string): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    let size = 0;
    const s = connect({ host, port }, () => s.write(`GET ${path} HTTP/1.0\r\n\r\n`));
    s.on('data', (b: Buffer) => (size += b.length));
    s.on('end', () => {
      if (size < SIZE) reject(new Error(`short download: ${size} bytes`));
      else resolve(size / 1024 / 1024 / ((performance.now() - start) / 1000));
    });
    s.on('error', reject);
  });
}

async function latency(host: string, port: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const r = await get(host, port);
    if (!r.ok) throw new Error(`request to ${host}:${port} failed`);
    out.push(r.ms);
  }
  return out;
}

const jsonpath = async (args: string[]): Promise<string> => (await c.kubectl(args)).stdout.trim();

async function readyToTraffic(lateIp: string): Promise<number> {
  // A watch prints each change of the pods' Ready condition with the time it arrived.
  const watch = spawn(
    KUBECTL,
    [
      '--cache-dir',
      join(c.root, 'kcache'),
      'get',
      'pods',
      '-l',
      'app=late',
      '-w',
      '-o',
      'jsonpath={.metadata.name} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}',
    ],
    { env: c.env, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let readyAt: number | undefined;
  let buf = '';
  watch.stdout.on('data', (b: Buffer) => {
    buf += b.toString();
    if (readyAt === undefined && / True$/m.test(buf)) readyAt = performance.now();
  });
  try {
    await c.kubectl(['scale', 'deployment/late', '--replicas=1']);
    let servedAt: number | undefined;
    const deadline = performance.now() + 60_000;
    while (servedAt === undefined && performance.now() < deadline) {
      const r = await get(lateIp, 80);
      if (r.ok) servedAt = performance.now();
      else await new Promise((res) => setTimeout(res, 5));
    }
    if (servedAt === undefined) throw new Error('no traffic through the Service within 60 s');
    await until(
      'the watch to report Ready',
      () => Promise.resolve(readyAt),
      (x) => x !== undefined,
      10_000,
    );
    return servedAt - (readyAt ?? NaN);
  } finally {
    watch.kill();
    await c.kubectl(['scale', 'deployment/late', '--replicas=0']);
    await until(
      'the late Service to lose its endpoint',
      () => get(lateIp, 80),
      (r) => !r.ok,
      60_000,
    );
    await until(
      'the late pod to go',
      () => jsonpath(['get', 'pods', '-l', 'app=late', '-o', 'name']),
      (s) => s === '',
      60_000,
    );
  }
}

async function main(): Promise<void> {
  const image = await ensureBusyboxImage(new Docker());
  let r = await c.kbox(['cluster', 'start', '--name', c.name]);
  if (r.code !== 0) throw new Error(r.stderr);
  r = await c.kubectl(['apply', '-f', '-'], manifest(image));
  if (r.code !== 0) throw new Error(r.stderr);
  r = await c.kubectl(['rollout', 'status', 'deployment/web', '--timeout=120s']);
  if (r.code !== 0) throw new Error(r.stderr);
  const clusterIp = await jsonpath(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}']);
  const lateIp = await jsonpath(['get', 'svc', 'late', '-o', 'jsonpath={.spec.clusterIP}']);
  const podIp = await jsonpath([
    'get',
    'pods',
    '-l',
    'app=web',
    '-o',
    'jsonpath={.items[0].status.podIP}',
  ]);
  await until(
    'traffic through the Service',
    () => get(clusterIp, 80),
    (x) => x.ok,
    30_000,
  );

  // Warm up both paths, then alternate so load on the machine hits both alike.
  await latency(podIp, 8080);
  await latency(clusterIp, 80);
  const direct: number[] = [];
  const proxied: number[] = [];
  for (let i = 0; i < 2; i++) {
    direct.push(...(await latency(podIp, 8080)));
    proxied.push(...(await latency(clusterIp, 80)));
  }
  const directRates: number[] = [];
  const proxiedRates: number[] = [];
  for (let i = 0; i < 3; i++) {
    directRates.push(await download(podIp, 8080, '/big'));
    proxiedRates.push(await download(clusterIp, 80, '/big'));
  }
  const delays: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    process.stderr.write(`pod Ready → Service traffic, round ${i + 1}\n`);
    delays.push(await readyToTraffic(lateIp));
  }
  const f = (n: number): string => n.toFixed(2);
  const sf = (n: number): string => (n >= 0 ? `+${f(n)}` : f(n));
  console.log(
    [
      `HTTP GET, fresh connection, ${direct.length} each, from the host:`,
      `  direct to the pod IP  p50 ${f(median(direct))} ms, p99 ${f(pct(direct, 99))} ms`,
      `  through the ClusterIP p50 ${f(median(proxied))} ms, p99 ${f(pct(proxied, 99))} ms`,
      `  added                 p50 ${sf(median(proxied) - median(direct))} ms, p99 ${sf(pct(proxied, 99) - pct(direct, 99))} ms`,
      `one TCP stream of 200 MiB, median of 3: direct ${median(directRates).toFixed(0)} MiB/s, through the ClusterIP ${median(proxiedRates).toFixed(0)} MiB/s (${(median(proxiedRates) / median(directRates)).toFixed(2)}x)`,
      `pod Ready (seen by a watch) → first request through the Service reaching it, ${ROUNDS} rounds: median ${median(delays).toFixed(0)} ms, max ${Math.max(...delays).toFixed(0)} ms`,
    ].join('\n'),
  );
}

try {
  await main();
} finally {
  await c.delete();
}
