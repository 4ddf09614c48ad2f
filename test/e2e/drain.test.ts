// `kubectl drain` on a cluster of fake nodes, as a user runs it: the node is cordoned, DaemonSet
// pods block the drain unless --ignore-daemonsets, the Deployment's pods leave through the
// eviction API (graceful deletion) and come back on the other node, and uncordon reopens it.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { dockerOrSkip } from '../support/docker.js';
import { e2eCluster, until } from '../support/e2e-cluster.js';

const c = e2eCluster('drain');
const cluster = c.name;
const { kbox, kubectl } = c;

after(() => c.delete());

const manifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 4
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      nodeSelector: {kbox.dev/fake-node: "true"}
      tolerations:
      - {key: kbox.dev/fake-node, operator: Exists, effect: NoSchedule}
      containers:
      - {name: app, image: registry.example/never-pulled:1}
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      nodeSelector: {kbox.dev/fake-node: "true"}
      tolerations:
      - {key: kbox.dev/fake-node, operator: Exists, effect: NoSchedule}
      containers:
      - {name: agent, image: registry.example/never-pulled:1}
`;

interface PodRow {
  name: string;
  node: string;
  phase: string;
}

async function pods(app: string): Promise<PodRow[]> {
  const r = await kubectl(['get', 'pods', '-l', `app=${app}`, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const list = JSON.parse(r.stdout) as {
    items: Array<{
      metadata: { name: string; deletionTimestamp?: string };
      spec: { nodeName?: string };
      status: { phase?: string };
    }>;
  };
  return list.items
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => ({
      name: p.metadata.name,
      node: p.spec.nodeName ?? '',
      phase: p.status.phase ?? '',
    }));
}

test('kubectl drain cordons, evicts, respects DaemonSets; uncordon reopens', async (t) => {
  if (!(await dockerOrSkip(t))) return;
  let r = await kbox(['cluster', 'start', '--name', cluster, '--fake-nodes', '2']);
  assert.equal(r.code, 0, r.stderr);
  const [n1, n2] = [`${cluster}-fake1`, `${cluster}-fake2`];
  r = await kubectl(['apply', '-f', '-'], manifest);
  assert.equal(r.code, 0, r.stderr);
  const running = (rows: PodRow[], n: number): boolean =>
    rows.length === n && rows.every((p) => p.phase === 'Running' && p.node !== '');
  const web = await until(
    '4 web pods Running',
    () => pods('web'),
    (rows) => running(rows, 4),
  );
  await until(
    '2 agent pods Running',
    () => pods('agent'),
    (rows) => running(rows, 2),
  );
  const onN1 = web
    .filter((p) => p.node === n1)
    .map((p) => p.name)
    .sort();
  assert.ok(onN1.length > 0, `web pods spread over both nodes: ${JSON.stringify(web)}`);

  // DaemonSet pods block the drain (after the cordon) unless ignored.
  r = await kubectl(['drain', n1, '--timeout=60s']);
  assert.notEqual(r.code, 0);
  assert.match(r.stdout, new RegExp(`^node/${n1} cordoned$`, 'm'));
  assert.match(
    r.stderr,
    /cannot delete DaemonSet-managed Pods \(use --ignore-daemonsets to ignore\): default\/agent-/,
  );

  r = await kubectl(['drain', n1, '--ignore-daemonsets', '--timeout=60s']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Warning: ignoring DaemonSet-managed Pods: default\/agent-/);
  const evicted = [...r.stdout.matchAll(/^pod\/(\S+) evicted$/gm)].map((m) => m[1]).sort();
  assert.deepEqual(evicted, onN1);
  assert.match(r.stdout, new RegExp(`^node/${n1} drained$`, 'm'));

  r = await kubectl(['get', 'node', n1, '-o', 'jsonpath={.spec.unschedulable}']);
  assert.equal(r.stdout, 'true');
  const after = await until(
    'web pods back to 4, all on the other node',
    () => pods('web'),
    (rows) => running(rows, 4) && rows.every((p) => p.node === n2),
  );
  assert.equal(after.filter((p) => onN1.includes(p.name)).length, 0);
  // The DaemonSet pod stays on the drained node.
  assert.deepEqual((await pods('agent')).map((p) => p.node).sort(), [n1, n2].sort());

  r = await kubectl(['uncordon', n1]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), `node/${n1} uncordoned`);
  r = await kubectl(['get', 'node', n1, '-o', 'jsonpath={.spec.unschedulable}']);
  assert.equal(r.stdout, '');
});
