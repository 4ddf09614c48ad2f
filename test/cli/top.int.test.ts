// metrics.k8s.io through the API server, fed by kubelet endpoints that serve fixed summaries:
// the real kubectl top and kbox top print the same bytes for nodes and pods, with and without
// --containers, -A, --sum, selectors and sorting, and fail alike.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PodStats, Summary } from '../../src/api/stats-summary.js';
import { KubeletServer } from '../../src/kubelet/server.js';
import { startTestApi, type TestApi } from '../support/apiserver.js';
import { runKbox } from '../support/kbox-cli.js';

const TOKEN = 'metrics-test-token';
let api: TestApi;
const kubelets: KubeletServer[] = [];
/** Pod usage by pod name, turned into stats once the pods' uids are known. */
const usage: Record<string, Array<[string, number, number]>> = {
  'web-1': [
    ['app', 1_234_567, 10 * 1048576],
    ['sidecar', 500_000_000, 123_456_789],
  ],
  'web-2': [['app', 2_000_000_000, 512 * 1048576 + 1]],
  db: [['postgres', 250_500_000, 300 * 1048576]],
};
const stats = new Map<string, PodStats[]>();

function summary(nodeName: string): Summary {
  const time = '2026-01-02T03:04:05Z';
  const cpu = (n: number) => ({
    time,
    usageNanoCores: n,
    usageCoreNanoSeconds: n * 100,
    windowSeconds: 10.5,
  });
  const memory = (b: number) => ({ time, workingSetBytes: b, usageBytes: b * 2 });
  const pods = stats.get(nodeName) ?? [];
  const cores = pods.reduce((s, p) => s + p.cpu.usageNanoCores, 0) + 100_000_000;
  const bytes = pods.reduce((s, p) => s + p.memory.workingSetBytes, 0) + 200 * 1048576;
  return { node: { nodeName, cpu: cpu(cores), memory: memory(bytes) }, pods };
}

async function kubeletFor(nodeName: string): Promise<number> {
  const refuse = (): Promise<never> => Promise.reject(new Error('not in this test'));
  const server = new KubeletServer(
    {
      find: () => undefined,
      containers: () => Promise.resolve([]),
      logs: refuse,
      execStream: refuse,
      attach: refuse,
      connectPort: refuse,
      summary: () => Promise.resolve(summary(nodeName)),
    },
    TOKEN,
  );
  kubelets.push(server);
  return server.start();
}

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await api.request('POST', path, body);
  const json = (await res.json()) as Record<string, unknown>;
  assert.equal(res.status, 201, JSON.stringify(json));
  return json;
}

before(async () => {
  api = await startTestApi({ kubeletToken: TOKEN });
  const nodes: Array<[string, number | undefined, Record<string, string>]> = [
    ['node-a', await kubeletFor('node-a'), { cpu: '2', memory: '4012345Ki' }],
    ['node-b', await kubeletFor('node-b'), { cpu: '4', memory: '8Gi' }],
    // Registered, but its kubelet serves no endpoint: kubectl prints <unknown>.
    ['node-c', undefined, { cpu: '1', memory: '1Gi' }],
  ];
  for (const [name, port, allocatable] of nodes) {
    const created = await post('/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { zone: name === 'node-b' ? 'b' : 'a' } },
    });
    const res = await api.request('PUT', `/api/v1/nodes/${name}/status`, {
      ...created,
      status: {
        allocatable,
        capacity: { ...allocatable, cpu: String(Number(allocatable.cpu) * 2) },
        ...(port ? { daemonEndpoints: { kubeletEndpoint: { Port: port } } } : {}),
      },
    });
    assert.equal(res.status, 200, await res.text());
  }
  await post('/api/v1/namespaces', { metadata: { name: 'other' } });
  await post('/api/v1/namespaces', { metadata: { name: 'empty' } });
  const pods: Array<[string, string, string | undefined, string[]]> = [
    ['web-1', 'default', 'node-a', ['app', 'sidecar']],
    ['web-2', 'default', 'node-b', ['app']],
    ['db', 'other', 'node-a', ['postgres']],
    ['lonely', 'default', 'node-c', ['app']],
    ['pending', 'default', undefined, ['app']],
  ];
  for (const [name, ns, nodeName, containers] of pods) {
    const pod = await post(`/api/v1/namespaces/${ns}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: name.startsWith('web') ? 'web' : name } },
      spec: {
        ...(nodeName ? { nodeName } : {}),
        containers: containers.map((c) => ({ name: c, image: 'busybox' })),
      },
    });
    const u = usage[name];
    if (!u || !nodeName) continue;
    const uid = (pod.metadata as { uid: string }).uid;
    const time = '2026-01-02T03:04:05Z';
    const s = (n: number, b: number) => ({
      cpu: { time, usageNanoCores: n, usageCoreNanoSeconds: n, windowSeconds: 10.5 },
      memory: { time, workingSetBytes: b, usageBytes: b },
    });
    const total = u.reduce<[number, number]>(
      (acc, [, n, b]) => [acc[0] + n, acc[1] + b],
      [1000, 4096],
    );
    stats.set(nodeName, [
      ...(stats.get(nodeName) ?? []),
      {
        podRef: { name, namespace: ns, uid },
        ...s(...total),
        containers: u.map(([c, n, b]) => ({ name: c, ...s(n, b) })),
      },
    ]);
  }
});

after(async () => {
  for (const k of kubelets) await k.stop();
  await api.stop();
});

/** Runs kubectl top and kbox top with the same arguments; both must print the same. */
async function same(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const [k, b] = await Promise.all([
    api.kubectl(['top', ...args]),
    runKbox(api.kubeconfig, ['top', ...args]),
  ]);
  assert.equal(b.stdout, k.stdout, `stdout of top ${args.join(' ')}`);
  assert.equal(b.stderr, k.stderr, `stderr of top ${args.join(' ')}`);
  assert.equal(b.code, k.code, `exit code of top ${args.join(' ')}`);
  return k;
}

test('the metrics group is in discovery, as an aggregated metrics-server registers it', async () => {
  const res = await api.request('GET', '/apis/metrics.k8s.io/v1beta1');
  assert.deepEqual(await res.json(), {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'metrics.k8s.io/v1beta1',
    resources: [
      {
        name: 'nodes',
        singularName: '',
        namespaced: false,
        kind: 'NodeMetrics',
        verbs: ['get', 'list'],
      },
      {
        name: 'pods',
        singularName: '',
        namespaced: true,
        kind: 'PodMetrics',
        verbs: ['get', 'list'],
      },
    ],
  });
  const pm = (await (
    await api.request('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web-1')
  ).json()) as Record<string, unknown>;
  assert.equal(pm.kind, 'PodMetrics');
  assert.equal(pm.window, '10.5s');
  assert.equal(pm.timestamp, '2026-01-02T03:04:05Z');
  assert.deepEqual(pm.containers, [
    { name: 'app', usage: { cpu: '1234567n', memory: '10Mi' } },
    { name: 'sidecar', usage: { cpu: '500m', memory: '123456789' } },
  ]);
  const put = await api.request('PUT', '/apis/metrics.k8s.io/v1beta1/nodes/node-a', {});
  assert.equal(put.status, 405);
});

test('top nodes: the same table as kubectl, <unknown> for a node without figures', async () => {
  const out = await same(['nodes']);
  assert.equal(
    out.stdout,
    [
      'NAME     CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)   ',
      'node-a   852m         42%         627Mi           16%         ',
      'node-b   2101m        52%         712Mi           8%          ',
      'node-c   <unknown>    <unknown>   <unknown>       <unknown>   ',
      '',
    ].join('\n'),
  );
  await same(['nodes', 'node-b']);
  await same(['nodes', '--sort-by', 'memory', '--no-headers']);
  await same(['nodes', '-l', 'zone=b', '--show-capacity']);
  const missing = await same(['nodes', 'nosuch']);
  assert.equal(missing.code, 1);
});

test('top pods: namespaces, containers, selectors, sums and sorting match kubectl', async () => {
  const out = await same(['pods']);
  assert.equal(
    out.stdout,
    [
      'NAME    CPU(cores)   MEMORY(bytes)   ',
      'web-1   502m         127Mi           ',
      'web-2   2000m        512Mi           ',
      '',
    ].join('\n'),
  );
  await same(['pods', '-A']);
  await same(['pods', '-A', '--containers']);
  await same(['pods', '-A', '--containers', '--sum']);
  await same(['pods', '--sum']);
  await same(['pods', '-l', 'app=web', '--sort-by', 'cpu']);
  await same(['pods', '--sort-by', 'memory', '--containers', '--no-headers']);
  await same(['pods', 'web-1', '--containers']);
  await same(['pods', '-n', 'other']);
  const empty = await same(['pods', '-n', 'empty']);
  assert.equal(empty.stderr, 'No resources found in empty namespace.\n');
  const fresh = await same(['pods', 'lonely']);
  assert.match(fresh.stderr, /podmetrics.metrics.k8s.io "default\/lonely" not found/);
  const none = await same(['pods', '-l', 'app=lonely']);
  assert.equal(none.stderr, 'error: metrics not available yet\n');
});

// metrics-server's ConvertToTable (addNodeMetricsToTable, addPodMetricsToTable): what
// `kubectl get` prints for the metrics resources. A pod's figures are its containers' summed.
test('kubectl get of the metrics resources prints metrics-server tables', async () => {
  const nodes = await api.kubectl(['get', 'nodes.metrics.k8s.io']);
  assert.equal(nodes.code, 0, nodes.stderr);
  assert.equal(
    nodes.stdout,
    [
      'NAME     CPU          MEMORY      WINDOW',
      'node-a   851736567n   658238741   10.5s',
      'node-b   2100001u     746590209   10.5s',
      '',
    ].join('\n'),
  );
  const pods = await api.kubectl(['get', 'pods.metrics.k8s.io']);
  assert.equal(pods.code, 0, pods.stderr);
  assert.equal(
    pods.stdout,
    [
      'NAME    CPU          MEMORY      WINDOW',
      'web-1   501234567n   133942549   10.5s',
      'web-2   2            536870913   10.5s',
      '',
    ].join('\n'),
  );
  const one = await api.kubectl(['get', 'pods.metrics.k8s.io', 'db', '-n', 'other']);
  assert.equal(
    one.stdout,
    ['NAME   CPU       MEMORY   WINDOW', 'db     250500u   300Mi    10.5s', ''].join('\n'),
  );
  const empty = await api.kubectl(['get', 'pods.metrics.k8s.io', '-n', 'empty']);
  assert.equal(empty.stdout, '');
  assert.equal(empty.stderr, 'No resources found in empty namespace.\n');
});
