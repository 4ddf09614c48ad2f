// API benchmark (npm run bench:api). Figures are printed next to baselines measured in the same
// run: raw better-sqlite3 commits, SqliteStorage without HTTP, and kubectl for the big LIST.
// The API server runs in a child process so clients and server do not share an event loop.
import { execFile, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { Agent, Pool, request } from 'undici';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { leanClient } from './lean-client.js';

const dir = mkdtempSync(join(tmpdir(), 'kbox-bench-'));
const run = promisify(execFile);

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

function pod(i: number): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `web-5d78f9c8b4-${String(i).padStart(5, '0')}`,
      labels: { app: 'web', 'pod-template-hash': '5d78f9c8b4', tier: 'frontend' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web-5d78f9c8b4',
          uid: '0b5f7d5e-8c3f-4f6c-9a53-5a0f3c2b1d9e',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      nodeName: 'default-control-plane',
      containers: [
        {
          name: 'web',
          image: 'nginx:1.25',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          env: [
            { name: 'MODE', value: 'production' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          ],
          resources: {
            requests: { cpu: '100m', memory: '64Mi' },
            limits: { cpu: '500m', memory: '128Mi' },
          },
        },
      ],
    },
  };
}

async function rawSqlite(): Promise<{ single: number; batched: number }> {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE log (id INTEGER PRIMARY KEY, key TEXT, value TEXT)');
  const ins = db.prepare('INSERT INTO log (key, value) VALUES (?, ?)');
  const body = JSON.stringify(pod(0));
  const n = 5000;
  let t = performance.now();
  for (let i = 0; i < n; i++) ins.run(`/k/${i}`, body);
  const single = n / ((performance.now() - t) / 1000);
  const batch = db.transaction((start: number) => {
    for (let i = 0; i < 100; i++) ins.run(`/b/${start + i}`, body);
  });
  t = performance.now();
  for (let i = 0; i < n; i += 100) batch(i);
  const batched = n / ((performance.now() - t) / 1000);
  db.close();
  return { single, batched };
}

function storageDirect(): number {
  const s = new SqliteStorage({ path: join(dir, 'direct.db') });
  const n = 5000;
  const t = performance.now();
  for (let i = 0; i < n; i++) s.create(`/core/pods/default/p${i}`, pod(i) as never);
  const rate = n / ((performance.now() - t) / 1000);
  s.close();
  return rate;
}

interface Child {
  url: string;
  ca: string;
  token: string;
  rss(): Promise<number>;
  /** CPU time the server process has used so far, in µs. */
  cpu(): Promise<number>;
  /** For every config map written so far: its data.sent, and when its commit was published. */
  committed(): Promise<Array<[string, number]>>;
  stop(): void;
}

// KBOX_BENCH_SERVER_SRC=<dist/src of another build> runs that build's server (A/B comparisons);
// KBOX_BENCH_PROFILE=<dir> writes a CPU profile of the server child there (--cpu-prof).
const serverSrc = process.env.KBOX_BENCH_SERVER_SRC
  ? pathToFileURL(`${process.env.KBOX_BENCH_SERVER_SRC}/`)
  : new URL('../../src/', import.meta.url);
const profileDir = process.env.KBOX_BENCH_PROFILE;

async function startServerChild(db: string): Promise<Child> {
  const script = join(dir, 'server.mjs');
  writeFileSync(
    script,
    `import { ApiServer } from ${JSON.stringify(new URL('apiserver/server.js', serverSrc).href)};
import { SqliteStorage } from ${JSON.stringify(new URL('storage/sqlite.js', serverSrc).href)};
import { generateClusterPki } from ${JSON.stringify(new URL('apiserver/tls.js', serverSrc).href)};
const pki = await generateClusterPki({ commonName: 'bench', hosts: [] });
const token = 'bench-token-0123456789abcdef0123456789abcdef';
const storage = new SqliteStorage({ path: ${JSON.stringify(db)}, groupCommit: ${process.env.KBOX_BENCH_GROUP_COMMIT !== 'off'}, checkpointThread: ${process.env.KBOX_BENCH_CHECKPOINT_THREAD !== 'off'} });
const server = new ApiServer({ storage, port: 0, tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert }, auth: { token } });
const url = await server.start();
// When each config map's event left the store for its watchers (its commit), by data.sent.
const committed = [];
(async () => { for await (const ev of storage.watch('/core/configmaps/', storage.currentRevision())) committed.push([ev.object.data?.sent, Number(process.hrtime.bigint()) / 1e6]); })();
process.send({ url, ca: pki.caCert, token });
process.on('message', (m) => { if (m === 'committed') process.send({ committed }); if (m === 'rss') { globalThis.gc?.(); process.send({ rss: process.memoryUsage().rss }); } if (m === 'cpu') { const c = process.cpuUsage(); process.send({ cpu: c.user + c.system }); } if (m === 'exit') process.exit(0); });
`,
  );
  const child = fork(script, [], {
    execArgv: [
      '--expose-gc',
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const first = await new Promise<{ url: string; ca: string; token: string }>((resolve) =>
    child.once('message', (m) => resolve(m as never)),
  );
  return {
    ...first,
    rss: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve((m as { rss: number }).rss));
        child.send('rss');
      }),
    cpu: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve((m as { cpu: number }).cpu));
        child.send('cpu');
      }),
    committed: () =>
      new Promise((resolve) => {
        child.once('message', (m) =>
          resolve((m as { committed: Array<[string, number]> }).committed),
        );
        child.send('committed');
      }),
    // A profiled child exits by itself, so that it writes its profile.
    stop: () => (profileDir ? child.send('exit') : child.kill('SIGKILL')),
  };
}

/**
 * The floor under the API's creates: Node's HTTPS server on the same kind of certificate, doing
 * only what every create needs (read and parse the JSON body, answer 201 with the object
 * re-serialised and padded to 3,000 bytes, about a created pod's size), driven by the same lean
 * client, 16 connections, 20,000 requests after 2,000 to warm up.
 */
async function echoFloor(): Promise<{ rate: number; cpu: number }> {
  const script = join(dir, 'echo.mjs');
  writeFileSync(
    script,
    `import { createServer } from 'node:https';
import { generateClusterPki } from ${JSON.stringify(new URL('apiserver/tls.js', serverSrc).href)};
const pki = await generateClusterPki({ commonName: 'bench', hosts: [] });
const server = createServer({ cert: pki.serverCert, key: pki.serverKey }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const text = JSON.stringify(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    const body = text + ' '.repeat(Math.max(0, 3000 - text.length));
    res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => process.send({ url: 'https://127.0.0.1:' + server.address().port, ca: pki.caCert }));
process.on('message', (m) => { if (m === 'cpu') { const c = process.cpuUsage(); process.send({ cpu: c.user + c.system }); } });
`,
  );
  const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const { url, ca } = await new Promise<{ url: string; ca: string }>((resolve) =>
      child.once('message', (m) => resolve(m as never)),
    );
    const cpu = (): Promise<number> =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve((m as { cpu: number }).cpu));
        child.send('cpu');
      });
    const client = await leanClient(url, ca, 16, { 'content-type': 'application/json' });
    const n = 20_000;
    // Warmed up as the API server is (main).
    for (let i = 0; i < 2_000; i++) await client.request('POST', '/', JSON.stringify(pod(i)));
    let next = 0;
    const cpu0 = await cpu();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (;;) {
          const i = next++;
          if (i >= n) return;
          const res = await client.request('POST', '/', JSON.stringify(pod(i)));
          if (res.status !== 201) throw new Error(`echo answered ${res.status}`);
        }
      }),
    );
    const rate = n / ((performance.now() - t0) / 1000);
    const used = ((await cpu()) - cpu0) / n;
    client.close();
    return { rate, cpu: used };
  } finally {
    child.kill('SIGKILL');
  }
}

/** Milliseconds on the monotonic clock (CLOCK_MONOTONIC: the same in every process). */
function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

interface WatchersOptions {
  url: string;
  ca: string;
  token: string;
  watchers: number;
  /** Events to receive in all before reporting (or 10 s after results() is called). */
  expect: number;
}

/** Every event a watcher received: its data.sent and its arrival, both monotonicMs. */
type Receipts = Array<[sent: number, at: number]>;

/**
 * Opens `watchers` watches in a child process; resolves once all are open. results() gives, for
 * every event received, the time from data.sent (monotonicMs) to its arrival in the child.
 *
 * client 'socket': raw TLS sockets that only stamp each chunk's arrival; the events are parsed
 * after the run. The 100 sockets share one event loop, so a chunk's stamp still waits for the
 * TLS decryption of the chunks before it, but not for any parsing.
 * client 'undici': undici requests whose 'data' handlers split and JSON-parse each event as it
 * arrives, as an informer would: later watchers' stamps also wait for the earlier ones' parsing.
 */
async function startWatchers(
  opts: WatchersOptions & { client: 'socket' | 'undici' },
): Promise<{ results(): Promise<Receipts> }> {
  const script = join(dir, `watchers-${opts.client}.mjs`);
  writeFileSync(
    script,
    `import { connect } from 'node:tls';
import { Agent, request } from ${JSON.stringify(import.meta.resolve('undici'))};
const o = ${JSON.stringify(opts)};
const now = () => Number(process.hrtime.bigint()) / 1e6;
const u = new URL(o.url);
const agent = new Agent({ connect: { ca: o.ca }, connections: o.watchers });
/** Per watcher: the chunks it read and when each arrived. */
const recs = [];
let received = 0;
let report = () => {};
let sent = false;
/** Every event line in a watcher's bytes (HTTP framing or not: a line holds no raw newline), with the arrival of its last byte. */
function events(rec) {
  const text = Buffer.concat(rec.chunks).toString('latin1');
  const ends = [];
  let offset = 0;
  for (const c of rec.chunks) ends.push((offset += c.length));
  const out = [];
  let k = 0;
  for (const m of text.matchAll(/\\{"type":[^\\n]*\\}\\n/g)) {
    const last = m.index + m[0].length - 1;
    while (ends[k] <= last) k++;
    out.push({ sent: Number(JSON.parse(m[0]).object.data.sent), at: rec.ats[k] });
  }
  return out;
}
const finish = () => {
  if (sent) return;
  sent = true;
  process.send(recs.flatMap(events).map((e) => [e.sent, e.at]), () => process.exit(0));
};
function record(rec, chunk) {
  rec.chunks.push(chunk);
  rec.ats.push(now());
}
function counted(n) {
  received += n;
  if (received >= o.expect) report();
}
async function socketWatcher(rec) {
  const s = connect({ host: u.hostname, port: Number(u.port), ca: o.ca });
  await new Promise((resolve, reject) => {
    s.once('secureConnect', () => s.write('GET ' + u.pathname + u.search + ' HTTP/1.1\\r\\nHost: ' + u.host + '\\r\\nAuthorization: Bearer ' + o.token + '\\r\\nAccept: application/json\\r\\n\\r\\n'));
    s.once('error', reject);
    let open = false;
    s.on('data', (chunk) => {
      record(rec, chunk);
      // The server sends the response headers at once: the watch is open.
      if (!open) { open = true; resolve(); }
      let n = 0;
      for (let i = chunk.indexOf('}\\n'); i >= 0; i = chunk.indexOf('}\\n', i + 2)) n++;
      counted(n);
    });
  });
}
async function undiciWatcher(rec) {
  const res = await request(o.url, { headers: { authorization: 'Bearer ' + o.token }, dispatcher: agent, bodyTimeout: 0 });
  let pending = '';
  res.body.on('data', (chunk) => {
    record(rec, chunk);
    pending += chunk.toString();
    let nl;
    let n = 0;
    while ((nl = pending.indexOf('\\n')) >= 0) {
      JSON.parse(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      n++;
    }
    counted(n);
  });
}
await Promise.all(Array.from({ length: o.watchers }, () => {
  const rec = { chunks: [], ats: [] };
  recs.push(rec);
  return o.client === 'socket' ? socketWatcher(rec) : undiciWatcher(rec);
}));
process.on('message', () => { report = finish; if (received >= o.expect) finish(); else setTimeout(finish, 10000); });
process.send('ready');
`,
  );
  const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((resolve) => child.once('message', resolve));
  return {
    results: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as Receipts));
        child.send('results');
      }),
  };
}

async function main(): Promise<void> {
  const out: string[] = [];
  const raw = await rawSqlite();
  const direct = storageDirect();
  const server = await startServerChild(join(dir, 'api.db'));
  const headers = {
    authorization: `Bearer ${server.token}`,
    'content-type': 'application/json',
    accept: 'application/json',
  };
  const pool = new Pool(server.url, { connections: 16, connect: { ca: server.ca } });

  // 1. Creates/s with 16 concurrent clients over HTTPS: the lean client (test/bench/lean-client.ts)
  // against this server, which keeps the pods for the LIST below; undici (what the tests use)
  // against a second server on a store of its own. Both report the server's CPU per create.
  const total = Number(process.env.KBOX_BENCH_PODS ?? 10_000);
  // A server that has just started runs its create path in V8's interpreter and lower tiers,
  // and grows its WAL file write by write (until the backstop size, after which the WAL is
  // reused); a daemon in use is past both. So each server first takes `warmup` creates in a
  // namespace of its own (their rate is the cold start's figure), which are then deleted, and
  // the `total` measured creates follow.
  const warmup = Number(process.env.KBOX_BENCH_WARMUP ?? 6_000);
  const creates = async (
    target: Child,
    count: number,
    create: (i: number) => Promise<number>,
  ): Promise<{ rate: number; cpu: number }> => {
    let next = 0;
    const cpu0 = await target.cpu();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (;;) {
          const i = next++;
          if (i >= count) return;
          const status = await create(i);
          if (status !== 201) throw new Error(`create answered ${status}`);
        }
      }),
    );
    const rate = count / ((performance.now() - t0) / 1000);
    // The server's CPU per create: on a shared machine the rate depends on the neighbours, this much less.
    return { rate, cpu: ((await target.cpu()) - cpu0) / count };
  };
  type Send = (method: string, path: string, body?: string) => Promise<number>;
  /** The warm-up's creates, then the measured ones, through `send`. */
  const warmThenMeasure = async (
    target: Child,
    send: Send,
  ): Promise<{ cold: { rate: number; cpu: number }; warm: { rate: number; cpu: number } }> => {
    const ns = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'warmup' },
    });
    if ((await send('POST', '/api/v1/namespaces', ns)) !== 201)
      throw new Error('warm-up namespace');
    const cold = await creates(target, warmup, (i) =>
      send('POST', '/api/v1/namespaces/warmup/pods', JSON.stringify(pod(i))),
    );
    // Bound to a node, they would wait for its kubelet: no grace period.
    const deleted = await send('DELETE', '/api/v1/namespaces/warmup/pods?gracePeriodSeconds=0');
    if (deleted !== 200) throw new Error(`deleting the warm-up pods answered ${deleted}`);
    const warm = await creates(target, total, (i) =>
      send('POST', '/api/v1/namespaces/default/pods', JSON.stringify(pod(i))),
    );
    return { cold, warm };
  };
  const lean = await leanClient(server.url, server.ca, 16, headers);
  const leanRun = await warmThenMeasure(
    server,
    async (method, path, body) => (await lean.request(method, path, body)).status,
  );
  lean.close();
  const apiRate = leanRun.warm.rate;
  const second = await startServerChild(join(dir, 'api-undici.db'));
  const secondPool = new Pool(second.url, { connections: 16, connect: { ca: second.ca } });
  const undiciRun = await warmThenMeasure(second, async (method, path, body) => {
    const res = await secondPool.request({
      path,
      method: method as 'POST' | 'DELETE',
      headers: { ...headers, authorization: `Bearer ${second.token}` },
      body,
    });
    await res.body.dump();
    return res.statusCode;
  });
  await secondPool.close();
  second.stop();
  const floor = await echoFloor();
  out.push(
    `creates/s via HTTPS API, 16 clients, after ${warmup} warm-up creates: ${apiRate.toFixed(0)} (server CPU ${leanRun.warm.cpu.toFixed(0)} µs per create; lean client)`,
  );
  console.error(out.at(-1));
  out.push(
    `  the warm-up's own ${warmup} creates, from a cold start: ${leanRun.cold.rate.toFixed(0)}/s (server CPU ${leanRun.cold.cpu.toFixed(0)} µs per create)`,
  );
  out.push(
    `  with undici as the client: ${undiciRun.warm.rate.toFixed(0)}/s (server CPU ${undiciRun.warm.cpu.toFixed(0)} µs per create); cold ${undiciRun.cold.rate.toFixed(0)}/s`,
  );
  out.push(
    `  Node's HTTPS server alone (parse the body, answer 201 with 3 KB), lean client: ${floor.rate.toFixed(0)} requests/s (server CPU ${floor.cpu.toFixed(0)} µs per request; API = ${(apiRate / floor.rate).toFixed(2)}x)`,
  );
  out.push(
    `  raw better-sqlite3 single-row commits/s: ${raw.single.toFixed(0)} (API = ${(apiRate / raw.single).toFixed(2)}x)`,
  );
  out.push(
    `  raw better-sqlite3 100-row batches, rows/s: ${raw.batched.toFixed(0)} (API = ${(apiRate / raw.batched).toFixed(2)}x)`,
  );
  out.push(
    `  SqliteStorage.create without HTTP/s: ${direct.toFixed(0)} (API = ${(apiRate / direct).toFixed(2)}x)`,
  );

  // 2. LIST of 10,000 pods as JSON, and server memory with them stored.
  // Wall time to the whole body (bytes), then to the parsed object, and the server's CPU per LIST.
  // First with the lean client: the server's answer until its last byte arrives, checked after.
  const leanLists: number[] = [];
  const listReader = await leanClient(server.url, server.ca, 1, headers);
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const res = await listReader.request('GET', '/api/v1/namespaces/default/pods');
    leanLists.push(performance.now() - t);
    const listed = (JSON.parse(res.body.toString('utf8')) as { items: unknown[] }).items.length;
    if (res.status !== 200 || listed !== total)
      throw new Error(`LIST: ${res.status}, ${listed} items`);
  }
  listReader.close();
  const lists: number[] = [];
  const fetches: number[] = [];
  const listCpu: number[] = [];
  let listBytes = 0;
  for (let i = 0; i < 5; i++) {
    const c = await server.cpu();
    const t = performance.now();
    const res = await pool.request({
      path: '/api/v1/namespaces/default/pods',
      method: 'GET',
      headers,
    });
    const text = await res.body.text();
    fetches.push(performance.now() - t);
    const body = JSON.parse(text) as { items: unknown[] };
    if (body.items.length !== total) throw new Error(`listed ${body.items.length}`);
    lists.push(performance.now() - t);
    listCpu.push(((await server.cpu()) - c) / 1000);
    listBytes = Buffer.byteLength(text);
  }
  const storage = new SqliteStorage({ path: join(dir, 'api.db') });
  const direct10k: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    storage.list('/core/pods/default/');
    direct10k.push(performance.now() - t);
  }
  storage.close();
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'b',
          cluster: {
            server: server.url,
            'certificate-authority-data': Buffer.from(server.ca).toString('base64'),
          },
        },
      ],
      users: [{ name: 'b', user: { token: server.token } }],
      contexts: [{ name: 'b', context: { cluster: 'b', user: 'b' } }],
      'current-context': 'b',
    }),
  );
  const kt = performance.now();
  await run('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, 'get', 'pods', '-o', 'json'], {
    maxBuffer: 1 << 30,
  });
  const kubectlMs = performance.now() - kt;
  out.push(
    `LIST ${total} pods (JSON), until its last byte arrives (lean client), p50: ${pct(leanLists, 50).toFixed(0)} ms (first ${leanLists[0]?.toFixed(0)} ms)`,
  );
  out.push(`  with undici, parsed, p50: ${pct(lists, 50).toFixed(0)} ms`);
  out.push(
    `  with undici, body as text (not parsed), p50: ${pct(fetches, 50).toFixed(0)} ms; server CPU per LIST, p50: ${pct(listCpu, 50).toFixed(0)} ms; ${(listBytes / 1048576).toFixed(1)} MiB`,
  );
  out.push(
    `  SqliteStorage.list of the same, p50: ${pct(direct10k, 50).toFixed(0)} ms (API = ${(pct(lists, 50) / pct(direct10k, 50)).toFixed(2)}x)`,
  );
  out.push(`  kubectl get pods -o json (wall, incl. its start-up): ${kubectlMs.toFixed(0)} ms`);
  out.push(
    `API server RSS with ${total} pods stored (after GC): ${((await server.rss()) / 1048576).toFixed(0)} MiB`,
  );

  // 3. Watch delivery latency, 100 watchers, in a process of their own: the writer's requests
  // and the watchers' reading do not share an event loop. Both stamp times with the monotonic
  // clock, which all processes of the machine share. Measured with both watcher clients.
  // Each event gives one receipt per watcher, and those of one event come together: with 50
  // events the p99 is the fan-out of the slowest one, whatever the machine did then; 200 give
  // a p99 of the slowest few (KBOX_BENCH_EVENTS sets it).
  const agent = new Agent({ connect: { ca: server.ca } });
  const events = Number(process.env.KBOX_BENCH_EVENTS ?? 200);
  const watchers = Number(process.env.KBOX_BENCH_WATCHERS ?? 100);
  for (const client of ['socket', 'undici'] as const) {
    const rvRes = await request(`${server.url}/api/v1/namespaces/default/configmaps`, {
      headers,
      dispatcher: agent,
    });
    const rv = ((await rvRes.body.json()) as { metadata: { resourceVersion: string } }).metadata
      .resourceVersion;
    const watching = await startWatchers({
      url: `${server.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`,
      ca: server.ca,
      token: server.token,
      watchers,
      expect: events * watchers,
      client,
    });
    await new Promise((r) => setTimeout(r, 200));
    const watchCpu0 = await server.cpu();
    for (let i = 0; i < events; i++) {
      const res = await pool.request({
        path: '/api/v1/namespaces/default/configmaps',
        method: 'POST',
        headers,
        body: JSON.stringify({
          metadata: { name: `w-${client}-${i}` },
          data: { sent: String(monotonicMs()) },
        }),
      });
      await res.body.dump();
      await new Promise((r) => setTimeout(r, 20));
    }
    const receipts = await watching.results();
    // Includes the creates themselves.
    const watchCpu = ((await server.cpu()) - watchCpu0) / 1000;
    const committed = new Map((await server.committed()).map(([sent, at]) => [Number(sent), at]));
    const first = new Map<number, number>();
    for (const [sent, at] of receipts) first.set(sent, Math.min(first.get(sent) ?? at, at));
    const fromSent = receipts.map(([sent, at]) => at - sent);
    const fromCommit = receipts.map(([sent, at]) => at - (committed.get(sent) ?? NaN));
    const firsts = [...first].map(([sent, at]) => at - sent);
    const spreads = receipts.map(([sent, at]) => at - (first.get(sent) ?? NaN));
    const ms = (values: number[]): string =>
      `p50 ${pct(values, 50).toFixed(1)} ms, p99 ${pct(values, 99).toFixed(1)} ms`;
    out.push(
      `watch delivery, ${watchers} watchers x ${events} events (${client === 'socket' ? 'raw TLS sockets stamping arrival' : 'undici, each event parsed on arrival'}, in their own process), delivered ${receipts.length}/${events * watchers}:`,
    );
    out.push(
      `  commit → received: ${ms(fromCommit)}, max ${Math.max(...fromCommit).toFixed(1)} ms`,
    );
    out.push(
      `  create sent → received: ${ms(fromSent)}; until the first watcher has it ${ms(firsts)}; then the fan-out to the others ${ms(spreads)}; server CPU ${watchCpu.toFixed(0)} ms`,
    );
  }

  await pool.close();
  await agent.close();
  server.stop();
  rmSync(dir, { recursive: true, force: true });
  console.log(out.join('\n'));
}

await main();
