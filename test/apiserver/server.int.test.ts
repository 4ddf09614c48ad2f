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

const AGGREGATED_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

test('aggregated discovery: /api and /apis answer an APIGroupDiscoveryList when asked', async () => {
  const core = await fetch(`${api.url}/api`, { headers: { accept: AGGREGATED_ACCEPT } });
  assert.equal(core.status, 200);
  assert.equal(
    core.headers.get('content-type'),
    'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
  );
  assert.equal(core.headers.get('vary'), 'Accept');
  const etag = core.headers.get('etag') ?? '';
  assert.match(etag, /^"[0-9A-F]{128}"$/);
  interface Doc {
    kind: string;
    apiVersion: string;
    items: Array<{
      metadata: { name?: string; creationTimestamp: null };
      versions: Array<{
        version: string;
        freshness: string;
        resources: Array<Record<string, unknown>>;
      }>;
    }>;
  }
  const coreDoc = (await core.json()) as Doc;
  assert.equal(coreDoc.kind, 'APIGroupDiscoveryList');
  assert.equal(coreDoc.apiVersion, 'apidiscovery.k8s.io/v2');
  assert.equal(coreDoc.items.length, 1);
  assert.deepEqual(coreDoc.items[0]?.metadata, { creationTimestamp: null });
  const v1 = coreDoc.items[0]?.versions[0];
  assert.equal(v1?.version, 'v1');
  assert.equal(v1?.freshness, 'Current');
  const names = v1?.resources.map((r) => r.resource) ?? [];
  assert.deepEqual(names, [...names].sort(), 'resources in path order');
  const pods = v1?.resources.find((r) => r.resource === 'pods');
  assert.deepEqual(
    { ...pods, subresources: undefined },
    {
      resource: 'pods',
      responseKind: { group: '', version: '', kind: 'Pod' },
      scope: 'Namespaced',
      singularResource: 'pod',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['po'],
      categories: ['all'],
      subresources: undefined,
    },
  );
  const podSubs = pods?.subresources as Array<{ subresource: string; responseKind: unknown }>;
  assert.deepEqual(
    podSubs.map((s) => s.subresource),
    podSubs.map((s) => s.subresource).sort(),
  );
  assert.deepEqual(podSubs.find((s) => s.subresource === 'eviction')?.responseKind, {
    group: 'policy',
    version: 'v1',
    kind: 'Eviction',
  });

  const groups = await fetch(`${api.url}/apis`, { headers: { accept: AGGREGATED_ACCEPT } });
  const groupsDoc = (await groups.json()) as Doc;
  const legacy = (await (await api.request('GET', '/apis')).json()) as {
    groups: Array<{ name: string }>;
  };
  assert.deepEqual(
    groupsDoc.items.map((g) => g.metadata.name),
    legacy.groups.map((g) => g.name),
    'the groups of the legacy APIGroupList, in its order',
  );
  const apps = groupsDoc.items.find((g) => g.metadata.name === 'apps');
  const deployments = apps?.versions[0]?.resources.find((r) => r.resource === 'deployments');
  assert.deepEqual(deployments?.subresources, [
    {
      subresource: 'scale',
      responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      verbs: ['get', 'patch', 'update'],
    },
    {
      subresource: 'status',
      responseKind: { group: '', version: '', kind: 'Deployment' },
      verbs: ['get', 'patch', 'update'],
    },
  ]);

  // Revalidation, as the disk cache of client-go sends it.
  const again = await fetch(`${api.url}/api`, {
    headers: { accept: AGGREGATED_ACCEPT, 'if-none-match': etag },
  });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), '');
  // v2beta1 for clients that ask for it only; plain JSON first keeps the legacy document.
  const beta = await fetch(`${api.url}/apis`, {
    headers: {
      accept: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
    },
  });
  assert.equal(((await beta.json()) as Doc).apiVersion, 'apidiscovery.k8s.io/v2beta1');
  const plain = await fetch(`${api.url}/api`, {
    headers: { accept: `application/json, ${AGGREGATED_ACCEPT}` },
  });
  assert.equal(((await plain.json()) as Doc).kind, 'APIVersions');
});

test('kubectl discovers every resource in two requests (aggregated discovery)', async () => {
  const { stderr, code } = await api.kubectl([
    'api-resources',
    '-v=6',
    '--cache-dir',
    `${api.kubeconfig}.cache`,
  ]);
  assert.equal(code, 0, stderr);
  const gets = stderr
    .split('\n')
    .filter((l) => l.includes('round_trippers') && l.includes(' GET '))
    .map((l) => new URL(/GET (\S+)/.exec(l)?.[1] ?? '').pathname);
  assert.deepEqual(gets, ['/api', '/apis']);
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

test('a Status error is written as upstream encodes metav1.Status, byte for byte', async () => {
  // Field order kind, apiVersion, metadata, status, message, reason, details, code; the core
  // group's empty `group` and an empty cause `field` are omitempty.
  let res = await api.request('GET', '/api/v1/namespaces/default/pods/ghost');
  assert.equal(
    await res.text(),
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"ghost\\" not found","reason":"NotFound","details":{"name":"ghost","kind":"pods"},"code":404}',
  );
  res = await api.request('GET', '/apis/apps/v1/namespaces/default/deployments/ghost');
  assert.equal(
    await res.text(),
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \\"ghost\\" not found","reason":"NotFound","details":{"name":"ghost","group":"apps","kind":"deployments"},"code":404}',
  );
  const big = 'x'.repeat(1_100_000);
  res = await api.request('POST', '/api/v1/namespaces/default/configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'huge' },
    data: { a: big },
  });
  assert.equal(
    await res.text(),
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"ConfigMap \\"huge\\" is invalid: : Too long: may not be more than 1048576 bytes","reason":"Invalid","details":{"name":"huge","kind":"ConfigMap","causes":[{"reason":"FieldValueTooLong","message":"Too long: may not be more than 1048576 bytes"}]},"code":422}',
  );
});
