import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createHttp2Server, type Http2Server } from 'node:http2';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import {
  ProbeManager,
  ProbeResult,
  probeTiming,
  runProbe,
  type ProbeKind,
  type ProbeTarget,
} from '../../src/kubelet/prober.js';
import type { ExecResult } from '../../src/kubelet/runtime/interface.js';

const noExec = {
  exec: (): Promise<ExecResult> => Promise.reject(new Error('exec not expected')),
};

async function listen(server: Server | Http2Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function closedPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

function target(ports: Record<string, number> = {}): ProbeTarget {
  return { podIP: '127.0.0.1', containerId: 'c1', namedPorts: new Map(Object.entries(ports)) };
}

describe('probeTiming', () => {
  test('applies upstream defaults and minimums', () => {
    assert.deepEqual(probeTiming({}), {
      initialDelayMs: 0,
      periodMs: 10_000,
      timeoutMs: 1000,
      successThreshold: 1,
      failureThreshold: 3,
    });
    assert.deepEqual(
      probeTiming({
        initialDelaySeconds: 5,
        periodSeconds: 0,
        timeoutSeconds: 3,
        failureThreshold: 1,
      }),
      {
        initialDelayMs: 5000,
        periodMs: 1000,
        timeoutMs: 3000,
        successThreshold: 1,
        failureThreshold: 1,
      },
    );
  });
});

describe('ProbeResult', () => {
  test('flips only after the threshold of equal attempts in a row', () => {
    const r = new ProbeResult(2, 3);
    assert.equal(r.result, undefined);
    assert.equal(r.observe(true), false);
    assert.equal(r.observe(false), false);
    assert.equal(r.observe(true), false);
    assert.equal(r.observe(true), true);
    assert.equal(r.result, true);
    assert.equal(r.observe(false), false);
    assert.equal(r.observe(false), false);
    assert.equal(r.observe(true), false, 'a success breaks the run of failures');
    assert.equal(r.observe(false), false);
    assert.equal(r.observe(false), false);
    assert.equal(r.observe(false), true);
    assert.equal(r.result, false);
    assert.equal(r.observe(false), false, 'no change, no flip');
  });
});

describe('runProbe', () => {
  test('httpGet: 2xx/3xx succeed, others fail with the status code; headers and named ports', async (t) => {
    const seen: Array<{ url?: string; agent?: string; custom?: string }> = [];
    const server = createServer((req, res) => {
      seen.push({
        url: req.url,
        agent: req.headers['user-agent'],
        custom: req.headers['x-probe'] as string | undefined,
      });
      res.statusCode = req.url === '/healthz' ? 200 : req.url === '/moved' ? 302 : 500;
      res.end('ok');
    });
    const port = await listen(server);
    t.after(() => server.close());
    const probe = (path: string, p: number | string = port) => ({
      httpGet: { path, port: p, httpHeaders: [{ name: 'X-Probe', value: 'yes' }] },
    });
    assert.deepEqual(await runProbe(probe('/healthz'), target(), noExec), {
      ok: true,
      output: 'ok',
    });
    assert.deepEqual(await runProbe(probe('/moved', 'http'), target({ http: port }), noExec), {
      ok: true,
      output: 'ok',
    });
    assert.deepEqual(await runProbe(probe('/broken'), target(), noExec), {
      ok: false,
      output: 'HTTP probe failed with statuscode: 500',
    });
    assert.deepEqual(seen[0], { url: '/healthz', agent: 'kube-probe/1.32', custom: 'yes' });
    assert.deepEqual(await runProbe(probe('/x', 'nope'), target(), noExec), {
      ok: false,
      output: 'unknown port "nope"',
    });
  });

  test('httpGet: a refused connection and a timeout read as upstream prints them', async (t) => {
    const refused = await closedPort();
    assert.deepEqual(
      await runProbe({ httpGet: { path: '/healthz', port: refused } }, target(), noExec),
      {
        ok: false,
        output: `Get "http://127.0.0.1:${refused}/healthz": dial tcp 127.0.0.1:${refused}: connect: connection refused`,
      },
    );
    const silent = createServer(() => {
      // never answers
    });
    const port = await listen(silent);
    t.after(() => {
      silent.closeAllConnections();
      silent.close();
    });
    assert.deepEqual(await runProbe({ httpGet: { port }, timeoutSeconds: 1 }, target(), noExec), {
      ok: false,
      output: `Get "http://127.0.0.1:${port}/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    });
  });

  test('tcpSocket: connects or reports the refusal', async (t) => {
    const server = createTcpServer((s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => server.close());
    const { port } = server.address() as AddressInfo;
    assert.deepEqual(await runProbe({ tcpSocket: { port: 'db' } }, target({ db: port }), noExec), {
      ok: true,
      output: '',
    });
    const refused = await closedPort();
    assert.deepEqual(await runProbe({ tcpSocket: { port: refused } }, target(), noExec), {
      ok: false,
      output: `dial tcp 127.0.0.1:${refused}: connect: connection refused`,
    });
  });

  test('exec: the exit code decides, the output explains, a timeout names the command', async () => {
    const calls: Array<[string, string[], number]> = [];
    const results: ExecResult[] = [
      { exitCode: 0, output: '', timedOut: false },
      { exitCode: 1, output: 'cat: /tmp/healthy: No such file or directory\n', timedOut: false },
      { exitCode: -1, output: '', timedOut: true },
    ];
    const rt = {
      exec: (id: string, cmd: string[], timeoutMs: number): Promise<ExecResult> => {
        calls.push([id, cmd, timeoutMs]);
        return Promise.resolve(results.shift() as ExecResult);
      },
    };
    const probe = { exec: { command: ['cat', '/tmp/healthy'] }, timeoutSeconds: 2 };
    assert.deepEqual(await runProbe(probe, target(), rt), { ok: true, output: '' });
    assert.deepEqual(await runProbe(probe, target(), rt), {
      ok: false,
      output: 'cat: /tmp/healthy: No such file or directory\n',
    });
    assert.deepEqual(await runProbe(probe, target(), rt), {
      ok: false,
      output: 'command "cat /tmp/healthy" timed out',
    });
    assert.deepEqual(calls[0], ['c1', ['cat', '/tmp/healthy'], 2000]);
  });

  test('grpc: the standard health service decides', async (t) => {
    let status = 1;
    let asked = '';
    const server = createHttp2Server();
    server.on('stream', (stream, headers) => {
      assert.equal(headers[':path'], '/grpc.health.v1.Health/Check');
      const chunks: Buffer[] = [];
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('end', () => {
        const body = Buffer.concat(chunks);
        asked = body.length > 7 ? body.subarray(7).toString('utf8') : '';
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc' },
          { waitForTrailers: true },
        );
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(Buffer.from([0, 0, 0, 0, 2, 0x08, status]));
      });
    });
    const port = await listen(server);
    t.after(() => server.close());
    assert.deepEqual(await runProbe({ grpc: { port, service: 'db' } }, target(), noExec), {
      ok: true,
      output: '',
    });
    assert.equal(asked, 'db');
    status = 2;
    assert.deepEqual(await runProbe({ grpc: { port } }, target(), noExec), {
      ok: false,
      output: 'service unhealthy (responded with "NOT_SERVING")',
    });
  });
});

describe('ProbeManager', () => {
  test('readiness waits for startup; a failed liveness probe kills once and reports', async () => {
    const exits: Record<string, number> = { start: 0, ready: 0, live: 1 };
    const rt = {
      exec: (_id: string, cmd: string[]): Promise<ExecResult> =>
        Promise.resolve({
          exitCode: exits[cmd[0] ?? ''] ?? 1,
          output: `${cmd[0] ?? ''} said no`,
          timedOut: false,
        }),
    };
    const changes: string[] = [];
    const failures: Array<[string, ProbeKind, string]> = [];
    const kills: Array<[string, string, ProbeKind]> = [];
    let killed!: () => void;
    const gotKill = new Promise<void>((resolve) => (killed = resolve));
    const m = new ProbeManager(rt, {
      onChange: (key) => changes.push(key),
      onFailure: (_key, name, kind, output) => failures.push([name, kind, output]),
      onKill: (_key, id, name, kind) => {
        kills.push([id, name, kind]);
        killed();
      },
    });
    const spec = {
      containers: [
        {
          name: 'web',
          startupProbe: { exec: { command: ['start'] } },
          readinessProbe: { exec: { command: ['ready'] } },
          livenessProbe: { exec: { command: ['live'] }, failureThreshold: 1 },
        },
        { name: 'plain' },
      ],
    };
    m.syncPod(
      'ns/p',
      '10.0.0.2',
      spec,
      new Map([
        ['web', 'id-web'],
        ['plain', 'id-plain'],
      ]),
    );
    assert.equal(m.ready('id-web'), false, 'not ready before any probe ran');
    assert.equal(m.started('id-web'), false);
    assert.equal(m.ready('id-plain'), true, 'no probes: ready when running');
    await gotKill;
    assert.deepEqual(kills, [['id-web', 'web', 'liveness']]);
    assert.deepEqual(failures, [['web', 'liveness', 'live said no']]);
    assert.ok(changes.every((k) => k === 'ns/p') && changes.length >= 1);
    // The killed container's workers are gone; a replacement container starts fresh.
    m.syncPod(
      'ns/p',
      '10.0.0.2',
      spec,
      new Map([
        ['web', 'id-web2'],
        ['plain', 'id-plain'],
      ]),
    );
    assert.equal(m.ready('id-web2'), false);
    m.stopAll();
  });
});
