// The HTTP edge: version, health, discovery and Status errors, against a real server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';

let api: TestApi;

before(async () => {
  api = await startTestApi();
});
after(() => api.stop());

test('real kubectl reads the server version', async () => {
  const { stdout, code } = await api.kubectl(['version', '-o', 'json']);
  assert.equal(code, 0);
  const out = JSON.parse(stdout) as { serverVersion: { gitVersion: string; minor: string } };
  assert.equal(out.serverVersion.minor, '32');
  assert.match(out.serverVersion.gitVersion, /^v1\.32\.0\+kbox\.\d+\.\d+\.\d+$/);
});

test('unknown paths answer a 404 Status', async () => {
  const res = await api.request('GET', '/no/such/path');
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
    const res = await api.request('GET', path);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'ok');
  }
});

test('kubectl api-resources lists resources with short names, scope and kind', async () => {
  const { stdout, code, stderr } = await api.kubectl(['api-resources', '--no-headers']);
  assert.equal(code, 0, stderr);
  const rows = stdout
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).join(' '));
  for (const row of [
    'pods po v1 true Pod',
    'namespaces ns v1 false Namespace',
    'deployments deploy apps/v1 true Deployment',
    'cronjobs cj batch/v1 true CronJob',
    'storageclasses sc storage.k8s.io/v1 false StorageClass',
    'leases coordination.k8s.io/v1 true Lease',
  ]) {
    assert.ok(rows.includes(row), `missing "${row}" in:\n${stdout}`);
  }
});

test('the system namespaces exist from the start', async () => {
  const { stdout, code } = await api.kubectl(['get', 'ns', '-o', 'name']);
  assert.equal(code, 0);
  assert.deepEqual(stdout.trim().split('\n').sort(), [
    'namespace/default',
    'namespace/kube-node-lease',
    'namespace/kube-public',
    'namespace/kube-system',
  ]);
});

test('errors are Status objects with the right code and reason', async () => {
  const missing = await api.request('GET', '/api/v1/namespaces/default/configmaps/nope');
  assert.equal(missing.status, 404);
  assert.equal(
    ((await missing.json()) as { message: string }).message,
    'configmaps "nope" not found',
  );

  const cm = { metadata: { name: 'dup' }, data: { a: '1' } };
  assert.equal(
    (await api.request('POST', '/api/v1/namespaces/default/configmaps', cm)).status,
    201,
  );
  const again = await api.request('POST', '/api/v1/namespaces/default/configmaps', cm);
  assert.equal(again.status, 409);
  assert.deepEqual(
    { ...((await again.json()) as object), details: undefined },
    {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "dup" already exists',
      reason: 'AlreadyExists',
      details: undefined,
      code: 409,
    },
  );

  const bad = await api.request('POST', '/api/v1/namespaces/default/configmaps', '{"metadata": ');
  assert.equal(bad.status, 400);
  const badBody = (await bad.json()) as { reason: string; message: string };
  assert.equal(badBody.reason, 'BadRequest');
  assert.match(badBody.message, /^error decoding JSON request body: /);

  const yamlBad = await api.request(
    'POST',
    '/api/v1/namespaces/default/configmaps',
    'metadata:\n  name: x\n data: [',
    'application/yaml',
  );
  assert.equal(yamlBad.status, 400);
  assert.match(((await yamlBad.json()) as { message: string }).message, /at line \d+, column \d+/);

  const huge = await api.request('POST', '/api/v1/namespaces/default/configmaps', {
    metadata: { name: 'huge' },
    data: { a: 'x'.repeat(3 * 1024 * 1024 + 1) },
  });
  assert.equal(huge.status, 413);
  assert.equal(((await huge.json()) as { reason: string }).reason, 'RequestEntityTooLarge');

  const noNs = await api.request('POST', '/api/v1/namespaces/nowhere/configmaps', cm);
  assert.equal(noNs.status, 404);
  assert.equal(
    ((await noNs.json()) as { message: string }).message,
    'namespaces "nowhere" not found',
  );

  const method = await api.request('PUT', '/api/v1/namespaces/default/configmaps');
  assert.equal(method.status, 405);
  assert.equal(((await method.json()) as { reason: string }).reason, 'MethodNotAllowed');
});

test('an update with a stale resourceVersion is a 409 Conflict', async () => {
  const created = (await (
    await api.request('POST', '/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'cas' },
      data: { v: '1' },
    })
  ).json()) as { metadata: { resourceVersion: string } };
  const rv = created.metadata.resourceVersion;
  const first = await api.request('PUT', '/api/v1/namespaces/default/configmaps/cas', {
    metadata: { name: 'cas', resourceVersion: rv },
    data: { v: '2' },
  });
  assert.equal(first.status, 200);
  const second = await api.request('PUT', '/api/v1/namespaces/default/configmaps/cas', {
    metadata: { name: 'cas', resourceVersion: rv },
    data: { v: '3' },
  });
  assert.equal(second.status, 409);
  assert.equal(
    ((await second.json()) as { message: string }).message,
    'Operation cannot be fulfilled on configmaps "cas": the object has been modified; please apply your changes to the latest version and try again',
  );
});
