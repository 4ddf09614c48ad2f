// The health endpoints' answers when a check fails, as upstream's healthz handler writes them.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { serveHealth, type HealthCheck } from '../../src/apiserver/healthz.js';

const checks: HealthCheck[] = [
  { name: 'ping', check: () => undefined },
  {
    name: 'etcd',
    check: () => {
      throw new Error('database is closed');
    },
  },
  { name: 'shutdown', check: () => undefined },
];

let server: Server;
let base: string;

before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const [, rest] = url.pathname.slice(1).split('/');
    void serveHealth(res, 'readyz', checks, url.searchParams, rest).then((served) => {
      if (!served) res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

test('a failing check makes a 500 that withholds the reason, verbose or not', async () => {
  for (const query of ['', '?verbose']) {
    const res = await fetch(`${base}/readyz${query}`);
    assert.equal(res.status, 500);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(
      await res.text(),
      '[+]ping ok\n[-]etcd failed: reason withheld\n[+]shutdown ok\nreadyz check failed\n',
    );
  }
});

test('excluding the failing check passes', async () => {
  const res = await fetch(`${base}/readyz?exclude=etcd`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'ok');
});

test('one check by path: its error in full, or ok; an unknown one is not served', async () => {
  let res = await fetch(`${base}/readyz/etcd`);
  assert.equal(res.status, 500);
  assert.equal(await res.text(), 'internal server error: database is closed\n');
  res = await fetch(`${base}/readyz/ping`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'ok');
  res = await fetch(`${base}/readyz/nope`);
  assert.equal(res.status, 404);
});
