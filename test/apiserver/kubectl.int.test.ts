// The real kubectl 1.32 against a real kbox API server: the everyday verbs, with exact output.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';

let api: TestApi;

before(async () => {
  api = await startTestApi();
});
after(() => api.stop());

const deployment = (image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: ${image}
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  mode: fast
`;

test('kubectl apply creates, then reports unchanged, then configured', async () => {
  let out = await api.kubectl(['apply', '-f', '-'], deployment('kbox.test/busybox:local'));
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, 'deployment.apps/web created\nconfigmap/web-config created\n');
  out = await api.kubectl(['apply', '-f', '-'], deployment('kbox.test/busybox:local'));
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, 'deployment.apps/web unchanged\nconfigmap/web-config unchanged\n');
  out = await api.kubectl(['apply', '-f', '-'], deployment('kbox.test/busybox:v2'));
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, 'deployment.apps/web configured\nconfigmap/web-config unchanged\n');
  out = await api.kubectl([
    'get',
    'deploy',
    'web',
    '-o',
    'jsonpath={.spec.template.spec.containers[0].image} {.metadata.generation} {.spec.strategy.type}',
  ]);
  assert.equal(out.stdout, 'kbox.test/busybox:v2 2 RollingUpdate');
});

test('client-side apply computes its strategic merge patch from the OpenAPI v3 patch markers', async () => {
  const manifest = (containers: unknown[]): string =>
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'csa' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'csa' } },
        template: { metadata: { labels: { app: 'csa' } }, spec: { containers } },
      },
    });
  let out = await api.kubectl(
    ['apply', '-f', '-'],
    manifest([
      {
        name: 'one',
        image: 'x:1',
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
      },
      { name: 'two', image: 'y:1' },
    ]),
  );
  assert.equal(out.code, 0, out.stderr);
  // A field another manager set, which the next apply must leave alone.
  out = await api.kubectl(['set', 'env', 'deploy/csa', 'C=3', '-c', 'one']);
  assert.equal(out.code, 0, out.stderr);
  out = await api.kubectl(
    ['apply', '-f', '-', '-v=6'],
    manifest([{ name: 'one', image: 'x:2', env: [{ name: 'A', value: '1' }] }]),
  );
  assert.equal(out.stdout, 'deployment.apps/csa configured\n', out.stderr);
  // The v3 document says strategic merge is supported, so kubectl never falls back to v2.
  assert.doesNotMatch(out.stderr, /openapi\/v2/);
  out = await api.kubectl([
    'get',
    'deploy',
    'csa',
    '-o',
    'jsonpath={range .spec.template.spec.containers[*]}{.name}={.image}:{range .env[*]}{.name}{end};{end}',
  ]);
  assert.equal(out.stdout, 'one=x:2:AC;');
  out = await api.kubectl(['delete', 'deploy', 'csa']);
  assert.equal(out.code, 0, out.stderr);
});

test('kubectl apply --server-side creates and updates', async () => {
  const cm = (v: string): string =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  v: "${v}"\n`;
  let out = await api.kubectl(['apply', '--server-side', '-f', '-'], cm('1'));
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, 'configmap/ssa serverside-applied\n');
  out = await api.kubectl(['apply', '--server-side', '-f', '-'], cm('2'));
  assert.equal(out.code, 0, out.stderr);
  out = await api.kubectl(['get', 'cm', 'ssa', '-o', 'jsonpath={.data.v}']);
  assert.equal(out.stdout, '2');
});

test('kubectl get prints server-side tables', async () => {
  const out = await api.kubectl(['get', 'deploy', '-o', 'wide']);
  assert.equal(out.code, 0, out.stderr);
  const lines = out.stdout.trimEnd().split('\n');
  assert.deepEqual(lines[0]?.split(/\s{2,}/), [
    'NAME',
    'READY',
    'UP-TO-DATE',
    'AVAILABLE',
    'AGE',
    'CONTAINERS',
    'IMAGES',
    'SELECTOR',
  ]);
  assert.match(
    lines[1] ?? '',
    /^web\s+0\/2\s+0\s+0\s+\d+s\s+web\s+kbox\.test\/busybox:v2\s+app=web$/,
  );
  const none = await api.kubectl(['get', 'pods']);
  assert.equal(none.code, 0);
  assert.equal(none.stderr, 'No resources found in default namespace.\n');
});

test('kubectl label, annotate and the three patch types', async () => {
  let out = await api.kubectl(['label', 'cm', 'web-config', 'tier=backend']);
  assert.equal(out.stdout, 'configmap/web-config labeled\n');
  out = await api.kubectl(['annotate', 'cm', 'web-config', 'note=hello']);
  assert.equal(out.stdout, 'configmap/web-config annotated\n');
  out = await api.kubectl([
    'patch',
    'cm',
    'web-config',
    '--type=merge',
    '-p',
    '{"data":{"extra":"1"}}',
  ]);
  assert.equal(out.stdout, 'configmap/web-config patched\n');
  out = await api.kubectl([
    'patch',
    'cm',
    'web-config',
    '--type=json',
    '-p',
    '[{"op":"remove","path":"/data/mode"}]',
  ]);
  assert.equal(out.stdout, 'configmap/web-config patched\n');
  out = await api.kubectl([
    'patch',
    'deploy',
    'web',
    '-p',
    '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"kbox.test/busybox:v3"}]}}}}',
  ]);
  assert.equal(out.stdout, 'deployment.apps/web patched\n');
  out = await api.kubectl([
    'patch',
    'cm',
    'web-config',
    '--type=merge',
    '-p',
    '{"data":{"extra":"1"}}',
  ]);
  assert.equal(out.stdout, 'configmap/web-config patched (no change)\n');
  out = await api.kubectl([
    'get',
    'cm',
    'web-config',
    '-o',
    'jsonpath={.metadata.labels.tier} {.metadata.annotations.note} {.data}',
  ]);
  assert.equal(out.stdout, 'backend hello {"extra":"1"}');
  out = await api.kubectl([
    'get',
    'deploy',
    'web',
    '-o',
    'jsonpath={.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort}',
  ]);
  assert.equal(out.stdout, 'kbox.test/busybox:v3 80');
});

test('kubectl scale uses the scale subresource', async () => {
  const out = await api.kubectl(['scale', 'deploy', 'web', '--replicas=5']);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, 'deployment.apps/web scaled\n');
  const got = await api.kubectl(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']);
  assert.equal(got.stdout, '5');
});

test('kubectl get --subresource prints the scale and status tables', async () => {
  // The scale REST converts through printScale; the status REST through the resource's printer.
  const scale = await api.kubectl(['get', 'deploy', 'web', '--subresource=scale']);
  assert.equal(scale.code, 0, scale.stderr);
  const scaleLines = scale.stdout.trimEnd().split('\n');
  assert.deepEqual(scaleLines[0]?.split(/\s{2,}/), ['NAME', 'DESIRED', 'AVAILABLE', 'AGE']);
  assert.match(scaleLines[1] ?? '', /^web\s+5\s+0\s+\d+s$/);
  assert.equal(scaleLines.length, 2);
  const status = await api.kubectl(['get', 'deploy', 'web', '--subresource=status', '-o', 'wide']);
  assert.equal(status.code, 0, status.stderr);
  const statusLines = status.stdout.trimEnd().split('\n');
  assert.deepEqual(statusLines[0]?.split(/\s{2,}/), [
    'NAME',
    'READY',
    'UP-TO-DATE',
    'AVAILABLE',
    'AGE',
    'CONTAINERS',
    'IMAGES',
    'SELECTOR',
  ]);
  assert.match(
    statusLines[1] ?? '',
    /^web\s+0\/5\s+0\s+0\s+\d+s\s+web\s+kbox\.test\/busybox:v3\s+app=web$/,
  );
});

test('an invalid manifest fails with upstream error text', async () => {
  const bad = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: bad
spec:
  selector:
    matchLabels: {app: bad}
  template:
    metadata:
      labels: {app: bad}
    spec:
      containers:
      - name: bad
`;
  const out = await api.kubectl(['apply', '-f', '-'], bad);
  assert.equal(out.code, 1);
  assert.equal(
    out.stderr,
    'The Deployment "bad" is invalid: spec.template.spec.containers[0].image: Required value\n',
  );
  const missing = await api.kubectl(['get', 'pod', 'ghost']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'Error from server (NotFound): pods "ghost" not found\n');
});

test('kubectl delete --wait removes the object', async () => {
  const out = await api.kubectl(['delete', 'cm', 'web-config', '--wait']);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, 'configmap "web-config" deleted\n');
  const gone = await api.kubectl(['get', 'cm', 'web-config']);
  assert.equal(gone.stderr, 'Error from server (NotFound): configmaps "web-config" not found\n');
});

test('kubectl get -w streams changes as table rows', async () => {
  const child = api.kubectl(['get', 'cm', '-w', '-l', 'watch=me'], undefined, 5000);
  await new Promise((r) => setTimeout(r, 1000));
  await api.kubectl(
    ['apply', '-f', '-'],
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\ndata:\n  a: b\n',
  );
  await api.kubectl(['label', 'cm', 'watched', 'watch=me']);
  const out = await child;
  const rows = out.stdout.trimEnd().split('\n');
  assert.match(rows[0] ?? '', /^NAME\s+DATA\s+AGE$/);
  assert.match(rows[1] ?? '', /^watched\s+1\s+\d+s$/);
});

test('a namespace delete removes its content, then the namespace', async () => {
  const ns = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: scratch\n';
  assert.equal((await api.kubectl(['apply', '-f', '-'], ns)).stdout, 'namespace/scratch created\n');
  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c1\n  namespace: scratch\n';
  assert.equal((await api.kubectl(['apply', '-f', '-'], cm)).stdout, 'configmap/c1 created\n');
  const out = await api.kubectl(['delete', 'ns', 'scratch', '--wait', '--timeout=20s']);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, 'namespace "scratch" deleted\n');
  const gone = await api.kubectl(['get', 'ns', 'scratch']);
  assert.equal(gone.stderr, 'Error from server (NotFound): namespaces "scratch" not found\n');
});

test('default, kube-system and kube-public may not be deleted; kube-node-lease may', async () => {
  // The NamespaceLifecycle admission plugin's immortal namespaces, refused for a dry run too.
  for (const ns of ['default', 'kube-system', 'kube-public']) {
    for (const extra of [[], ['--dry-run=server']]) {
      const out = await api.kubectl(['delete', 'ns', ns, ...extra]);
      assert.equal(out.code, 1);
      assert.equal(out.stdout, '');
      assert.equal(
        out.stderr,
        `Error from server (Forbidden): namespaces "${ns}" is forbidden: this namespace may not be deleted\n`,
      );
    }
  }
  const lease = await api.kubectl(['delete', 'ns', 'kube-node-lease', '--dry-run=server']);
  assert.equal(lease.code, 0, lease.stderr);
  assert.equal(lease.stdout, 'namespace "kube-node-lease" deleted (server dry run)\n');
  const all = await api.kubectl(['get', 'ns', '-o', 'name']);
  assert.equal(
    all.stdout,
    'namespace/default\nnamespace/kube-node-lease\nnamespace/kube-public\nnamespace/kube-system\n',
  );
});

test('kubectl get --raw of the health endpoints: verbose, exclude and one check', async () => {
  let out = await api.kubectl(['get', '--raw', '/readyz?verbose']);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, '[+]ping ok\n[+]etcd ok\n[+]shutdown ok\nreadyz check passed\n');
  out = await api.kubectl(['get', '--raw', '/livez?verbose&exclude=etcd&exclude=nope']);
  assert.equal(
    out.stdout,
    '[+]ping ok\n[+]etcd excluded: ok\nwarn: some health checks cannot be excluded: no matches for "nope"\nlivez check passed\n',
  );
  out = await api.kubectl(['get', '--raw', '/healthz']);
  assert.equal(out.stdout, 'ok');
  out = await api.kubectl(['get', '--raw', '/readyz/etcd']);
  assert.equal(out.stdout, 'ok');
  out = await api.kubectl(['get', '--raw', '/livez/shutdown']);
  assert.equal(out.code, 1);
  assert.equal(
    out.stderr,
    'Error from server (NotFound): the server could not find the requested resource\n',
  );
});

test('kubectl get --raw: managedFields write "." before the children', async () => {
  let out = await api.kubectl(['create', 'cm', 'mf', '--from-literal=a=1']);
  assert.equal(out.stdout, 'configmap/mf created\n', out.stderr);
  out = await api.kubectl(['label', 'cm', 'mf', 'x=y']);
  assert.equal(out.code, 0, out.stderr);
  out = await api.kubectl(['get', '--raw', '/api/v1/namespaces/default/configmaps/mf']);
  const got = JSON.parse(out.stdout) as {
    metadata: { managedFields: Array<{ manager: string; fieldsV1: unknown }> };
  };
  // structured-merge-diff's serialisation, byte for byte: the set's own membership first.
  assert.deepEqual(
    got.metadata.managedFields.map((m) => `${m.manager} ${JSON.stringify(m.fieldsV1)}`),
    [
      'kubectl-create {"f:data":{".":{},"f:a":{}}}',
      'kubectl-label {"f:metadata":{"f:labels":{".":{},"f:x":{}}}}',
    ],
  );
  assert.equal((await api.kubectl(['delete', 'cm', 'mf'])).code, 0);
});
