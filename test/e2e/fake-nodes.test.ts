// `kbox cluster start --fake-nodes 3` as a user runs it: the real CLI and daemon, kubectl through
// the merged kubeconfig. Fake nodes register Ready with their label and NoSchedule taint, take
// only pods that tolerate it, run them at once without containers, keep existing across a
// restart (cluster.json), and go away (with their pods) when the cluster is started with fewer.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dockerOrSkip } from '../support/docker.js';
import { KUBECTL } from '../support/apiserver.js';

const root = mkdtempSync(join(tmpdir(), 'kbox-fake-'));
const home = join(root, 'home');
const env = {
  ...process.env,
  KBOX_HOME: home,
  KUBECONFIG: join(root, 'kubeconfig'),
  NO_COLOR: '1',
};
const C = `fake-${process.pid}`;

interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

function run(cmd: string, args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ stdout, stderr, code: typeof code === 'number' ? code : 1 });
    });
    // A child that exits without reading its stdin (mount, a refused command) closes the
    // pipe: its result is what counts, not the write.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(stdin ?? '');
  });
}

const kbox = (args: string[]): Promise<Run> => run(process.execPath, ['bin/run.js', ...args]);
const kubectl = (args: string[], stdin?: string): Promise<Run> =>
  run(KUBECTL, ['--cache-dir', join(root, 'kcache'), ...args], stdin);

async function until<T>(fn: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface PodRow {
  name: string;
  phase: string;
  node: string;
  ip: string;
  containerID: string;
}

async function pods(selector: string): Promise<PodRow[]> {
  const r = await kubectl(['get', 'pods', '-l', selector, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const list = JSON.parse(r.stdout) as {
    items: Array<{
      metadata: { name: string; deletionTimestamp?: string };
      spec: { nodeName?: string };
      status: {
        phase?: string;
        podIP?: string;
        containerStatuses?: Array<{ containerID?: string }>;
      };
    }>;
  };
  return list.items
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => ({
      name: p.metadata.name,
      phase: p.status.phase ?? '',
      node: p.spec.nodeName ?? '',
      ip: p.status.podIP ?? '',
      containerID: p.status.containerStatuses?.[0]?.containerID ?? '',
    }));
}

/** Waits until `n` pods of the selector run on nodes accepted by `onNode`; returns them. */
function allRunning(selector: string, n: number, onNode: RegExp, ms = 30_000): Promise<PodRow[]> {
  return until(
    async () => {
      const ps = await pods(selector);
      return ps.length === n && ps.every((p) => p.phase === 'Running' && onNode.test(p.node))
        ? ps
        : undefined;
    },
    `${n} pods of ${selector} Running on ${onNode}`,
    ms,
  );
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: many
spec:
  replicas: 12
  selector:
    matchLabels: {app: many}
  template:
    metadata:
      labels: {app: many}
    spec:
      nodeSelector: {kbox.dev/fake-node: "true"}
      tolerations:
      - {key: kbox.dev/fake-node, operator: Exists, effect: NoSchedule}
      containers:
      - name: app
        image: registry.example/never-pulled:1
        command: ["/app", "--serve"]
`;

after(async () => {
  await kbox(['cluster', 'delete', '--name', C]);
  rmSync(root, { recursive: true, force: true });
});

test('fake nodes: Ready, tainted, pods Running on them fast, kept across restarts', async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;

  let r = await kbox(['cluster', 'start', '--name', C, '--fake-nodes', '3']);
  assert.equal(r.code, 0, r.stderr);
  const fakes = [1, 2, 3].map((i) => `${C}-fake${i}`);
  assert.match(
    r.stdout,
    new RegExp(
      `^Nodes: {4}4 Ready \\(${[`${C}-control-plane`, ...fakes].sort().join(', ')}\\)$`,
      'm',
    ),
  );
  const config = JSON.parse(readFileSync(join(home, C, 'cluster.json'), 'utf8')) as {
    fakeNodes?: number;
  };
  assert.equal(config.fakeNodes, 3);

  r = await kubectl(['get', 'nodes', '--no-headers', '-o', 'wide']);
  assert.equal(r.code, 0, r.stderr);
  for (const n of fakes) {
    assert.match(
      r.stdout,
      new RegExp(`^${n}\\s+Ready\\s+<none>\\s+\\d+s\\s+v1\\.32\\.0\\+kbox.*fake://0\\.1\\.0$`, 'm'),
    );
  }
  r = await kubectl([
    'get',
    'node',
    `${C}-fake2`,
    '-o',
    'jsonpath={.metadata.labels.kbox\\.dev/fake-node} {.spec.taints} {.spec.podCIDR}',
  ]);
  assert.equal(
    r.stdout,
    'true [{"effect":"NoSchedule","key":"kbox.dev/fake-node","value":"true"}] 10.250.2.0/24',
  );
  r = await kubectl([
    'get',
    'lease',
    '-n',
    'kube-node-lease',
    `${C}-fake3`,
    '-o',
    'jsonpath={.spec.holderIdentity}',
  ]);
  assert.equal(r.stdout, `${C}-fake3`);

  // A pod that does not tolerate the taint stays off the fake nodes.
  r = await kubectl([
    'run',
    'plain',
    '--image',
    'registry.example/plain:1',
    '--restart',
    'Never',
    '-l',
    'app=plain',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const plain = await until(async () => {
    const [p] = await pods('app=plain');
    return p?.node ? p : undefined;
  }, 'plain scheduled');
  assert.equal(plain.node, `${C}-control-plane`);

  const started = Date.now();
  r = await kubectl(['apply', '-f', '-'], deployment);
  assert.equal(r.stdout, 'deployment.apps/many created\n', r.stderr);
  const running = await allRunning('app=many', 12, new RegExp(`^${C}-fake[123]$`), 20_000);
  const tookMs = Date.now() - started;
  t.diagnostic(`12 pods Running on 3 fake nodes ${tookMs} ms after apply`);
  assert.equal(new Set(running.map((p) => p.node)).size, 3, 'spread over all fake nodes');
  for (const p of running) {
    const i = Number(/fake(\d)$/.exec(p.node)?.[1]);
    assert.match(p.ip, new RegExp(`^10\\.250\\.${i}\\.(\\d+)$`), `${p.name} has an IP of its node`);
    assert.match(p.containerID, /^fake:\/\/[0-9a-f]{64}$/);
  }
  assert.equal(new Set(running.map((p) => p.ip)).size, 12, 'pod IPs are unique');

  r = await kubectl([
    'get',
    'events',
    '--field-selector',
    `involvedObject.name=${running[0]?.name ?? ''}`,
    '-o',
    'jsonpath={range .items[*]}{.reason}|{.message}{"\\n"}{end}',
  ]);
  const seen = r.stdout.trim().split('\n').sort();
  const reasons = seen.map((l) => l.split('|')[0]);
  const pulled = seen.find((l) => l.startsWith('Pulled|')) ?? '';
  // The first pod of the image on its node pulls it; the others find it already present.
  if (reasons.includes('Pulling')) {
    assert.deepEqual(reasons, ['Created', 'Pulled', 'Pulling', 'Scheduled', 'Started']);
    assert.match(pulled, /^Pulled\|Successfully pulled image "registry\.example\//);
  } else {
    assert.deepEqual(reasons, ['Created', 'Pulled', 'Scheduled', 'Started']);
    assert.match(
      pulled,
      /^Pulled\|Container image "registry\.example\/.*" already present on machine$/,
    );
  }
  r = await kubectl(['logs', running[0]?.name ?? '']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '', 'a fake container writes no logs');

  // A restart keeps the fake nodes; their pods run again (fake state starts afresh).
  r = await kbox(['cluster', 'stop', '--name', C]);
  assert.equal(r.code, 0, r.stderr);
  r = await kbox(['cluster', 'start', '--name', C]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Nodes: {4}4 Ready /m);
  await allRunning('app=many', 12, new RegExp(`^${C}-fake[123]$`));

  // Started again with one fake node: the others go, with their pods; the ReplicaSet refills.
  r = await kbox(['cluster', 'stop', '--name', C]);
  assert.equal(r.code, 0, r.stderr);
  r = await kbox(['cluster', 'start', '--name', C, '--fake-nodes', '1']);
  assert.equal(r.code, 0, r.stderr);
  r = await kubectl(['get', 'nodes', '-o', 'name']);
  assert.deepEqual(r.stdout.trim().split('\n').sort(), [
    `node/${C}-control-plane`,
    `node/${C}-fake1`,
  ]);
  await allRunning('app=many', 12, new RegExp(`^${C}-fake1$`));
});
