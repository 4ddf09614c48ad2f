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
  for (const name of ['k', 'b', 'ev', 'sk', 'sb', 'pk', 'pb'])
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

test('apply --server-side: serverside-applied, conflicts and --force-conflicts, as kubectl', async () => {
  const [deploy = ''] = manifest('busybox:1', 'a').split('---\n');
  const cm = (value: string): string =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: owned\ndata:\n  key: "${value}"\n`;
  const both = async (ns: [string, string], args: string[], input?: string): Promise<void> => {
    const theirs = await api.kubectl(['apply', '-n', ns[0], ...args, '-f', '-'], input);
    const mine = await runKbox(api.kubeconfig, ['apply', '-n', ns[1], ...args, '-f', '-'], input);
    assert.deepEqual(mine, theirs, args.join(' '));
  };
  for (const ns of ['sk', 'sb'])
    assert.equal(
      (await api.kubectl(['create', 'configmap', 'owned', '-n', ns, '--from-literal=key=x'])).code,
      0,
    );
  const created = await api.kubectl(['apply', '-n', 'sk', '--server-side', '-f', '-'], deploy);
  assert.equal(created.stdout, 'deployment.apps/web serverside-applied\n');
  await both(['sk', 'sb'], ['--server-side'], deploy);
  await both(['sk', 'sb'], ['--server-side'], deploy);
  await both(['sk', 'sb'], ['--server-side', '--dry-run=server'], deploy);
  const conflict = await api.kubectl(['apply', '-n', 'sk', '--server-side', '-f', '-'], cm('y'));
  assert.equal(conflict.code, 1);
  assert.match(
    conflict.stderr,
    /^error: Apply failed with 1 conflict: conflict with "kubectl-create" using v1: \.data\.key\n/,
  );
  await both(['sk', 'sb'], ['--server-side'], cm('y'));
  await both(['sk', 'sb'], ['--server-side', '--force-conflicts'], cm('y'));
});

test('apply --prune -l: deletes the applied object dropped from the manifest, as kubectl', async () => {
  const cm = (name: string): string =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  labels: { app: p }\ndata:\n  k: v\n`;
  const prunable = ['--prune', '-l', 'app=p', '--prune-allowlist=core/v1/ConfigMap'];
  for (const [ns, run] of [
    ['pk', (args: string[], input?: string) => api.kubectl(args, input)],
    ['pb', (args: string[], input?: string) => runKbox(api.kubeconfig, args, input)],
  ] as const) {
    assert.equal(
      (await run(['apply', '-n', ns, '-f', '-'], cm('one') + '---\n' + cm('two'))).code,
      0,
    );
    // Labelled but never applied: neither kubectl nor kbox prunes it.
    assert.equal(
      (
        await api.request('POST', `/api/v1/namespaces/${ns}/configmaps`, {
          metadata: { name: 'manual', labels: { app: 'p' } },
        })
      ).status,
      201,
    );
  }
  const dry = [...prunable, '--dry-run=server', '-f', '-'];
  const theirsDry = await api.kubectl(['apply', '-n', 'pk', ...dry], cm('one'));
  assert.equal(
    theirsDry.stdout,
    'configmap/one unchanged (server dry run)\nconfigmap/two pruned (server dry run)\n',
  );
  assert.deepEqual(
    await runKbox(api.kubeconfig, ['apply', '-n', 'pb', ...dry], cm('one')),
    theirsDry,
  );
  const args = [...prunable, '--wait', '-f', '-'];
  const theirs = await api.kubectl(['apply', '-n', 'pk', ...args], cm('one'));
  assert.deepEqual(theirs, {
    stdout: 'configmap/one unchanged\nconfigmap/two pruned\n',
    stderr: '',
    code: 0,
  });
  assert.deepEqual(
    await runKbox(api.kubeconfig, ['apply', '-n', 'pb', ...args], cm('one')),
    theirs,
  );
  for (const ns of ['pk', 'pb']) {
    const list = (await (
      await api.request('GET', `/api/v1/namespaces/${ns}/configmaps?labelSelector=app%3Dp`)
    ).json()) as {
      items: Array<{ metadata: { name: string } }>;
    };
    assert.deepEqual(
      list.items.map((i) => i.metadata.name),
      ['manual', 'one'],
      ns,
    );
  }
  // kbox applies server-side, so --prune also works with --server-side (kubectl refuses it).
  const mine = await runKbox(
    api.kubeconfig,
    ['apply', '-n', 'pb', '--server-side', ...prunable, '-f', '-'],
    cm('two'),
  );
  assert.deepEqual(mine, {
    stdout: 'configmap/two serverside-applied\nconfigmap/one pruned\n',
    stderr: '',
    code: 0,
  });
  assert.deepEqual(
    await runKbox(api.kubeconfig, ['apply', '-n', 'pb', '--prune', '-f', '-'], cm('two')),
    await api.kubectl(['apply', '-n', 'pk', '--prune', '-f', '-'], cm('two')),
  );
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
