// kbox-agent in a VIP container on a real Docker network: snapshots arrive over an attached stdin,
// TCP connections are balanced round robin over busybox httpd backends, fail fast without
// endpoints, retry the next endpoint on refusal or connect timeout, survive snapshot changes,
// propagate half-closes, carry large transfers intact, and UDP datagrams make a round trip.
// Also measures the added per-request latency and single-stream throughput against direct access.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { ensureAgentImage } from '../../src/proxy/agent-image.js';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { dockerOrSkip, TEST_LABEL } from '../support/docker.js';

const LABELS = { [TEST_LABEL]: 'proxy-agent' };
const BIG = 20 * 1024 * 1024;
const HUGE = 200 * 1024 * 1024;

/** Creates a network on a free 10.x.y.0/24 (Docker refuses overlapping pools, so try a few). */
async function createTestNetwork(docker: Docker): Promise<{ net: Docker.Network; prefix: string }> {
  let lastError: unknown;
  for (let i = 0; i < 30; i++) {
    const prefix = `10.${100 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 250)}`;
    try {
      const net = await docker.createNetwork({
        Name: `kbox-test-agent-${process.pid}-${i}`,
        Driver: 'bridge',
        IPAM: { Config: [{ Subnet: `${prefix}.0/24`, Gateway: `${prefix}.1` }] },
        Labels: LABELS,
      });
      return { net, prefix };
    } catch (err) {
      lastError = err;
      if (!/overlap|in use|conflict/i.test(String(err))) throw err;
    }
  }
  throw new Error(`no free 10.x.y.0/24 for the test network: ${String(lastError)}`);
}

async function run(
  docker: Docker,
  opts: Docker.ContainerCreateOptions,
  ip: string,
  netName: string,
): Promise<Docker.Container> {
  const c = await docker.createContainer({
    ...opts,
    Labels: LABELS,
    NetworkingConfig: { EndpointsConfig: { [netName]: { IPAMConfig: { IPv4Address: ip } } } },
  });
  await c.start();
  return c;
}

async function exec(
  container: Docker.Container,
  docker: Docker,
  script: string,
): Promise<{ stdout: string; stderr: string; code: number }> {
  const e = await container.exec({
    Cmd: ['sh', '-c', script],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await e.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const o = new PassThrough().on('data', (b: Buffer) => out.push(b));
  const r = new PassThrough().on('data', (b: Buffer) => err.push(b));
  docker.modem.demuxStream(stream, o, r);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const info = await e.inspect();
  return {
    stdout: Buffer.concat(out).toString(),
    stderr: Buffer.concat(err).toString(),
    code: info.ExitCode ?? -1,
  };
}

/** GET http://host:port/path on a fresh connection: the body and the time taken. */
function get(host: string, port: number, path: string): Promise<{ body: Buffer; ms: number }> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          body: Buffer.concat(chunks),
          ms: Number(process.hrtime.bigint() - start) / 1e6,
        }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Streams path over a raw HTTP/1.0 connection, counting bytes: the least client overhead. */
function rawDownload(
  host: string,
  port: number,
  path: string,
): Promise<{ size: number; ms: number }> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    let size = 0;
    const s = connect({ host, port }, () => s.write(`GET ${path} HTTP/1.0\r\n\r\n`));
    s.on('data', (c: Buffer) => (size += c.length));
    s.on('end', () => resolve({ size, ms: Number(process.hrtime.bigint() - start) / 1e6 }));
    s.on('error', reject);
  });
}

/** Connects and reports how the connection ended without any data sent: code and time. */
function probeFailure(host: string, port: number): Promise<{ code: string; ms: number }> {
  const start = Date.now();
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.setTimeout(5000, () => s.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    s.on('data', () => s.destroy(Object.assign(new Error('data'), { code: 'GOT_DATA' })));
    s.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ code: err.code ?? err.message, ms: Date.now() - start }),
    );
    s.on('close', () => resolve({ code: 'CLOSED', ms: Date.now() - start }));
  });
}

/** Sends `payload`, half-closes, and collects everything the peer sends until it closes. */
function halfCloseExchange(host: string, port: number, payload: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port }, () => s.end(payload));
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks).toString()));
    s.on('error', reject);
    s.setTimeout(10_000, () => s.destroy(new Error('timeout')));
  });
}

function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** The agent's stdin/stdout: sends snapshots and waits until the agent reports them applied. */
class AgentControl {
  private stdout = '';
  stderr = '';
  private applied = 0;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly stream: Duplex,
    docker: Docker,
  ) {
    const out = new PassThrough();
    const err = new PassThrough();
    out.on('data', (b: Buffer) => {
      this.stdout += b.toString();
      this.applied = (this.stdout.match(/^applied \d+$/gm) ?? []).length;
      for (const w of this.waiters.splice(0)) w();
    });
    err.on('data', (b: Buffer) => (this.stderr += b.toString()));
    docker.modem.demuxStream(stream, out, err);
  }

  async send(text: string): Promise<void> {
    const want = this.applied + (text.match(/^end$/gm) ?? []).length;
    this.stream.write(text);
    const deadline = Date.now() + 10_000;
    while (this.applied < want) {
      if (Date.now() > deadline) {
        throw new Error(`agent did not apply the snapshot; stderr:\n${this.stderr}`);
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  /**
   * Waits until stderr matches: Docker copies a container's stdout and stderr separately, so
   * the "applied" line can arrive before the messages the agent wrote first.
   */
  async stderrMatching(re: RegExp): Promise<string> {
    const deadline = Date.now() + 5_000;
    while (!re.test(this.stderr) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.stderr;
  }

  close(): void {
    this.stream.end();
  }
}

test('kbox-agent forwards a Service VIP to its endpoints', { timeout: 300_000 }, async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;
  const busybox = await ensureBusyboxImage(docker);
  const agentImage = await ensureAgentImage(docker);
  assert.equal(await ensureAgentImage(docker), agentImage, 'reused when present');
  const { net, prefix } = await createTestNetwork(docker);
  t.after(async () => {
    // Every container first (they hold endpoints on the network), then the network.
    const mine = await docker.listContainers({
      all: true,
      filters: { label: [`${TEST_LABEL}=proxy-agent`] },
    });
    await Promise.all(mine.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    await net.remove();
  });
  const netName = (await net.inspect()).Name as string;
  const gateway = `${prefix}.1`;
  const vip = `${prefix}.2`;
  const b1 = `${prefix}.11`;
  const b2 = `${prefix}.12`;
  const absent = `${prefix}.250`; // no container: connects time out (ARP gets no answer)

  const backend = (name: string, extra: string) => ({
    Image: busybox,
    Cmd: [
      'sh',
      '-c',
      `mkdir -p /www && echo ${name} > /www/index.html && ${extra}` +
        'httpd -p 8080 -h /www && exec nc -ll -p 9000 -e wc -c',
    ],
  });
  const backend1 = await run(
    docker,
    backend(
      'backend-1',
      `head -c ${BIG} /dev/urandom > /www/big && md5sum /www/big > /www/big.md5 && ` +
        `head -c ${HUGE} /dev/zero > /www/huge && `,
    ),
    b1,
    netName,
  );
  await run(docker, backend('backend-2', ''), b2, netName);
  const client = await run(
    docker,
    { Image: busybox, Cmd: ['sleep', '3600'] },
    `${prefix}.20`,
    netName,
  );

  const agentContainer = await docker.createContainer({
    Image: agentImage,
    OpenStdin: true,
    StdinOnce: false,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Labels: LABELS,
    NetworkingConfig: { EndpointsConfig: { [netName]: { IPAMConfig: { IPv4Address: vip } } } },
  });
  const stream = (await agentContainer.attach({
    stream: true,
    stdin: true,
    stdout: true,
    stderr: true,
    hijack: true,
  })) as unknown as Duplex;
  const agent = new AgentControl(stream, docker);
  await agentContainer.start();

  // Wait until the backends serve (httpd starts after the big files are written).
  for (let i = 0; ; i++) {
    const r = await exec(
      backend1,
      docker,
      'test -f /www/big.md5 && wget -qO- http://127.0.0.1:8080/',
    );
    if (r.code === 0) break;
    assert.ok(i < 100, 'backend-1 came up');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  await t.test('round robin over both endpoints, from a container on the network', async () => {
    await agent.send(`tcp 80 ${b1}:8080 ${b2}:8080\nend\n`);
    const r = await exec(client, docker, `for i in 1 2 3 4 5 6; do wget -qO- http://${vip}/; done`);
    assert.equal(r.code, 0, r.stderr);
    const answers = r.stdout.trim().split('\n');
    assert.equal(answers.length, 6);
    assert.ok(
      answers.every((a) => a === 'backend-1' || a === 'backend-2'),
      r.stdout,
    );
    for (let i = 1; i < answers.length; i++) assert.notEqual(answers[i], answers[i - 1]);
  });

  await t.test('no endpoints: the connection is reset at once', async () => {
    await agent.send(`tcp 80\nend\n`);
    const r = await exec(client, docker, `wget -qO- http://${vip}/`);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Connection reset by peer|Connection refused/);
    const probe = await probeFailure(vip, 80);
    assert.equal(probe.code, 'ECONNRESET');
    assert.ok(probe.ms < 1000, `failed after ${probe.ms} ms`);
  });

  await t.test('one endpoint: only it answers', async () => {
    await agent.send(`tcp 80 ${b2}:8080\nend\n`);
    const r = await exec(client, docker, `for i in 1 2 3 4; do wget -qO- http://${vip}/; done`);
    assert.equal(r.stdout, 'backend-2\n'.repeat(4));
  });

  await t.test('a refused or unreachable endpoint is skipped for the next one', async () => {
    await agent.send(`tcp 80 ${b2}:9999 ${b1}:8080\nend\n`);
    for (let i = 0; i < 2; i++) {
      const r = await get(vip, 80, '/');
      assert.equal(r.body.toString(), 'backend-1\n');
      assert.ok(r.ms < 500, `refusal retried quickly (${r.ms} ms)`);
    }
    await agent.send(`tcp 80 ${absent}:8080 ${b1}:8080\nend\n`);
    const times: number[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await get(vip, 80, '/');
      assert.equal(r.body.toString(), 'backend-1\n');
      times.push(r.ms);
    }
    // Round robin moves on at every attempt, so one or both requests meet the absent endpoint
    // first and wait for its 1 s connect timeout before trying backend-1.
    assert.ok(Math.max(...times) >= 900, `a connect timed out first (${times.join(', ')} ms)`);
    assert.ok(Math.max(...times) < 2500, `and only once (${times.join(', ')} ms)`);
  });

  await t.test('half-close travels both ways', async () => {
    await agent.send(`tcp 80 ${b1}:8080\ntcp 9000 ${b1}:9000\nend\n`);
    // wc -c counts until it sees EOF, so an answer proves our FIN reached the backend, and the
    // end of the stream proves the backend's FIN came back.
    const answer = await halfCloseExchange(vip, 9000, Buffer.alloc(300_000, 7));
    assert.equal(answer.trim(), '300000');
  });

  await t.test('a 20 MB transfer arrives intact (backpressure)', async () => {
    const want = await exec(backend1, docker, 'cut -d" " -f1 /www/big.md5');
    const r = await exec(
      client,
      docker,
      `wget -qO- http://${vip}/big | md5sum | cut -d" " -f1; wget -qO- http://${vip}/big | wc -c`,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${want.stdout.trim()}\n${BIG}\n`);
  });

  await t.test('established connections survive snapshot changes', async () => {
    const body = await new Promise<Buffer>((resolve, reject) => {
      const req = request({ host: vip, port: 80, path: '/big', agent: false }, (res) => {
        res.pause();
        const hash = createHash('md5');
        let size = 0;
        // Change the snapshot while the response is mid-flight, then read the rest.
        agent.send(`tcp 80\nend\n`).then(
          () => {
            res.on('data', (c: Buffer) => {
              size += c.length;
              hash.update(c);
            });
            res.on('end', () => resolve(Buffer.from(`${hash.digest('hex')} ${size}`)));
            res.resume();
          },
          (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))),
        );
      });
      req.on('error', reject);
      req.end();
    });
    const want = await exec(backend1, docker, 'cut -d" " -f1 /www/big.md5');
    assert.equal(body.toString(), `${want.stdout.trim()} ${BIG}`);
    assert.equal((await probeFailure(vip, 80)).code, 'ECONNRESET', 'new connections are refused');
  });

  await t.test('ports open and close with the snapshot', async () => {
    await agent.send(`tcp 8081 ${b2}:8080\nend\n`);
    assert.equal((await get(vip, 8081, '/')).body.toString(), 'backend-2\n');
    assert.equal((await probeFailure(vip, 80)).code, 'ECONNREFUSED', 'port 80 is closed');
    assert.match(
      await agent.stderrMatching(/stopped listening on tcp 80\n/),
      /stopped listening on tcp 80\n/,
    );
  });

  await t.test('ClientIP affinity keeps a client on one endpoint', async () => {
    await agent.send(`tcp 80 ${b1}:8080 ${b2}:8080\naffinity clientip 60\nend\n`);
    const r = await exec(client, docker, `for i in 1 2 3 4 5 6; do wget -qO- http://${vip}/; done`);
    const answers = r.stdout.trim().split('\n');
    assert.equal(answers.length, 6);
    assert.equal(new Set(answers).size, 1, r.stdout);
  });

  await t.test('UDP datagrams make a round trip through a session', async () => {
    const server = createSocket('udp4');
    t.after(() => server.close());
    const seen = new Set<string>();
    server.on('message', (msg, from) => {
      seen.add(`${from.address}`);
      server.send(Buffer.concat([Buffer.from('echo:'), msg]), from.port, from.address);
    });
    await new Promise<void>((resolve) => server.bind(0, '0.0.0.0', resolve));
    const port = server.address().port;
    await agent.send(`tcp 80 ${b1}:8080\nudp 5353 ${gateway}:${port}\nend\n`);
    const sock = createSocket('udp4');
    t.after(() => sock.close());
    const replies: string[] = [];
    for (let i = 0; i < 3; i++) {
      const reply = new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no UDP reply within 3 s')), 3000);
        sock.once('message', (m, from) => {
          clearTimeout(timer);
          assert.equal(from.address, vip, 'the reply comes from the VIP');
          assert.equal(from.port, 5353);
          resolve(m.toString());
        });
      });
      sock.send(`ping ${i}`, 5353, vip);
      replies.push(await reply);
    }
    assert.deepEqual(replies, ['echo:ping 0', 'echo:ping 1', 'echo:ping 2']);
    assert.deepEqual([...seen], [vip], 'the endpoint sees the VIP as the source');
  });

  await t.test('malformed input is reported and ignored', async () => {
    await agent.send(
      'tcp 80 1.2.3:4\nudp 0\nbogus words\naffinity clientip 0\ntcp 70000 1.1.1.1:1\n' +
        `${'x'.repeat(200_000)}\n\u0000\u00ff garbage\ntcp 80 ${b2}:8080\nend\n`,
    );
    const stderr = await agent.stderrMatching(/ignored an over-long line/);
    assert.match(stderr, /ignored line "tcp 80 1\.2\.3:4": bad endpoint/);
    assert.match(stderr, /ignored line "bogus words": unknown keyword/);
    assert.match(stderr, /ignored an over-long line/);
    assert.equal((await get(vip, 80, '/')).body.toString(), 'backend-2\n');
    assert.equal((await agentContainer.inspect()).State.Running, true);
  });

  await t.test('latency and throughput against direct access', async (st) => {
    await agent.send(`tcp 80 ${b1}:8080\nend\n`);
    const rounds = 300;
    const direct: number[] = [];
    const proxied: number[] = [];
    for (let i = 0; i < rounds; i++) {
      direct.push((await get(b1, 8080, '/')).ms);
      proxied.push((await get(vip, 80, '/')).ms);
    }
    const d50 = percentile(direct, 50);
    const p50 = percentile(proxied, 50);
    const d90 = percentile(direct, 90);
    const p90 = percentile(proxied, 90);
    const through = await rawDownload(vip, 80, '/huge');
    const straight = await rawDownload(b1, 8080, '/huge');
    // The body plus busybox httpd's response head (same for both).
    assert.equal(through.size, straight.size);
    assert.ok(straight.size > HUGE && straight.size < HUGE + 1000);
    // The agent's memory after all of the above, read from the host's /proc.
    const pid = (await agentContainer.inspect()).State.Pid;
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    const mbps = (ms: number) => (HUGE / 1024 / 1024 / (ms / 1000)).toFixed(0);
    const report =
      `kbox-agent: ${rounds} sequential HTTP requests (new connection each) from the host: ` +
      `direct p50 ${d50.toFixed(2)} ms p90 ${d90.toFixed(2)} ms; ` +
      `through the agent p50 ${p50.toFixed(2)} ms p90 ${p90.toFixed(2)} ms ` +
      `(added p50 ${(p50 - d50).toFixed(2)} ms); one TCP stream of ${HUGE >> 20} MiB: ` +
      `direct ${mbps(straight.ms)} MiB/s, through the agent ${mbps(through.ms)} MiB/s; ` +
      `agent RSS ${rss ?? '?'} kB`;
    st.diagnostic(report);
    process.stderr.write(`${report}\n`);
  });

  await t.test('stdin EOF keeps the last snapshot; SIGTERM exits 0', async () => {
    agent.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await get(vip, 80, '/')).body.toString(), 'backend-1\n');
    const started = Date.now();
    await agentContainer.stop({ t: 10 });
    const info = await agentContainer.inspect();
    assert.equal(info.State.ExitCode, 0);
    assert.ok(Date.now() - started < 3000, 'stopped without waiting for SIGKILL');
  });
});
