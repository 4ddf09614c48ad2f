import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ApiServer } from '../../src/apiserver/server.js';

const run = promisify(execFile);
let server: ApiServer;
let url: string;

before(async () => {
  server = new ApiServer({ port: 0 });
  url = await server.start();
});
after(() => server.stop());

test('real kubectl reads the server version', async () => {
  const { stdout } = await run('kubectl', ['--server', url, 'version', '-o', 'json']);
  const out = JSON.parse(stdout) as { serverVersion: { gitVersion: string; minor: string } };
  assert.equal(out.serverVersion.minor, '32');
  assert.match(out.serverVersion.gitVersion, /^v1\.32\.0\+kbox\.\d+\.\d+\.\d+$/);
});

test('unknown paths answer a 404 Status', async () => {
  const res = await fetch(`${url}/no/such/path`);
  assert.equal(res.status, 404);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.deepEqual(await res.json(), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'the server could not find the requested resource',
    reason: 'NotFound',
    details: {},
    code: 404,
  });
});

test('health endpoints answer ok as text', async () => {
  for (const path of ['/healthz', '/livez', '/readyz']) {
    const res = await fetch(`${url}${path}`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'ok');
  }
});
