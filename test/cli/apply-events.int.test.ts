// kbox apply's idempotence (created → unchanged → configured, as kubectl prints it, for
// multi-document input and a directory) and kbox events: the table as `kubectl events` prints it,
// and -w showing an event the moment it is recorded.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';
import { runKbox, streamKbox } from '../support/kbox-cli.js';

let api: TestApi;

before(async () => {
  api = await startTestApi();
  for (const name of ['k', 'b', 'ev'])
    assert.equal(
      (await api.request('POST', '/api/v1/namespaces', { metadata: { name } })).status,
      201,
    );
});
after(() => api.stop());

const manifest = (image: string, value: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
      - name: c
        image: ${image}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  key: "${value}"
`;

test('apply: created, then unchanged, then configured, as kubectl prints it', async () => {
  const steps: Array<[string, string, string]> = [
    [manifest('busybox:1', 'a'), 'deployment.apps/web created\nconfigmap/settings created\n', ''],
    [
      manifest('busybox:1', 'a'),
      'deployment.apps/web unchanged\nconfigmap/settings unchanged\n',
      '',
    ],
    [
      manifest('busybox:2', 'a'),
      'deployment.apps/web configured\nconfigmap/settings unchanged\n',
      '',
    ],
    [
      manifest('busybox:2', 'b'),
      'deployment.apps/web unchanged\nconfigmap/settings configured\n',
      '',
    ],
  ];
  for (const [input, stdout, stderr] of steps) {
    const theirs = await api.kubectl(['apply', '-n', 'k', '-f', '-'], input);
    const mine = await runKbox(api.kubeconfig, ['apply', '-n', 'b', '-f', '-'], input);
    assert.deepEqual(theirs, { stdout, stderr, code: 0 }, 'kubectl');
    assert.deepEqual(mine, theirs, 'kbox');
  }
  const res = await api.request('GET', '/apis/apps/v1/namespaces/b/deployments/web');
  const d = (await res.json()) as {
    spec: { template: { spec: { containers: Array<{ image: string }> } } };
  };
  assert.equal(d.spec.template.spec.containers[0]?.image, 'busybox:2');

  // A directory: its files in name order, the same objects, nothing to change.
  const dir = join(dirname(api.kubeconfig), 'manifests');
  mkdirSync(dir, { recursive: true });
  const [deploy = '', cm = ''] = manifest('busybox:2', 'b').split('---\n');
  writeFileSync(join(dir, '1-deploy.yaml'), deploy);
  writeFileSync(join(dir, '2-cm.yaml'), cm);
  const theirs = await api.kubectl(['apply', '-n', 'k', '-f', dir]);
  const mine = await runKbox(api.kubeconfig, ['apply', '-n', 'b', '-f', dir]);
  assert.equal(theirs.stdout, 'deployment.apps/web unchanged\nconfigmap/settings unchanged\n');
  assert.deepEqual(mine, theirs);
});

const event = (
  name: string,
  reason: string,
  type: string,
  message: string,
  at: string,
): unknown => ({
  metadata: { name },
  involvedObject: { kind: 'Pod', namespace: 'ev', name: 'web-0', apiVersion: 'v1' },
  reason,
  type,
  message,
  source: { component: 'kubelet' },
  firstTimestamp: at,
  lastTimestamp: at,
  count: 1,
});

test('events: the table kubectl events prints, and -w shows new events live', async () => {
  const hoursAgo = (h: number): string =>
    new Date(Date.now() - h * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  for (const [name, reason, type, message, at] of [
    ['web-0.1', 'Scheduled', 'Normal', 'Successfully assigned ev/web-0 to n1', hoursAgo(5)],
    ['web-0.2', 'BackOff', 'Warning', 'Back-off restarting failed container c', hoursAgo(3)],
  ] as const) {
    const res = await api.request(
      'POST',
      '/api/v1/namespaces/ev/events',
      event(name, reason, type, message, at),
    );
    assert.equal(res.status, 201);
  }
  const theirs = await api.kubectl(['events', '-n', 'ev']);
  const mine = await runKbox(api.kubeconfig, ['events', '-n', 'ev']);
  assert.equal(
    theirs.stdout,
    'LAST SEEN   TYPE      REASON      OBJECT      MESSAGE\n' +
      '5h          Normal    Scheduled   Pod/web-0   Successfully assigned ev/web-0 to n1\n' +
      '3h          Warning   BackOff     Pod/web-0   Back-off restarting failed container c\n',
  );
  assert.deepEqual(mine, theirs);
  assert.deepEqual(
    await runKbox(api.kubeconfig, ['events', '-n', 'ev', '--types', 'Warning', '--no-headers']),
    await api.kubectl(['events', '-n', 'ev', '--types', 'Warning', '--no-headers']),
  );

  assert.deepEqual(
    await runKbox(api.kubeconfig, ['events', '-A']),
    await api.kubectl(['events', '-A']),
  );

  const watch = streamKbox(api.kubeconfig, ['events', '-n', 'ev', '-w']);
  try {
    await watch.waitFor('Back-off restarting failed container c');
    const res = await api.request(
      'POST',
      '/api/v1/namespaces/ev/events',
      event(
        'web-0.3',
        'Killing',
        'Normal',
        'Stopping container c',
        new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      ),
    );
    assert.equal(res.status, 201);
    await watch.waitFor('Stopping container c', 10_000);
    assert.match(watch.stdout(), /Normal\s+Killing\s+Pod\/web-0\s+Stopping container c\n$/);
  } finally {
    watch.child.kill('SIGINT');
    await watch.done;
  }
});
