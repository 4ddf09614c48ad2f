// The kubelet against a real API server and the real Docker engine: a pod bound to the node runs
// as a sandbox plus containers, reports Running with its IP, restarts per policy, and is cleaned
// up on deletion.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { ApiServer } from '../../src/apiserver/server.js';
import { seedNamespaceDefaults } from '../support/apiserver.js';
import { KubeClient, type ResourceRef } from '../../src/client/rest.js';
import { Kubelet } from '../../src/kubelet/kubelet.js';
import { NodeAgent } from '../../src/kubelet/node-agent.js';
import { demuxBuffer, DockerRuntime } from '../../src/kubelet/runtime/docker.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { dockerOrSkip } from '../support/docker.js';
import type Docker from 'dockerode';

const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };
const cluster = `kubelet-test-${process.pid}`;
const node = `${cluster}-control-plane`;

let storage: SqliteStorage;
let server: ApiServer;
let client: KubeClient;
let runtime: DockerRuntime;
let agent: NodeAgent;
let kubelet: Kubelet | undefined;
let docker: Docker | undefined;
let image = '';
const podsDir = mkdtempSync(join(tmpdir(), 'kbox-kubelet-pods-'));

async function until<T>(fn: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function podWhere(
  name: string,
  ok: (p: KubeObject) => boolean,
): Promise<KubeObject | undefined> {
  const p = await client.get(PODS, 'default', name);
  return ok(p) ? p : undefined;
}

before(async () => {
  storage = new SqliteStorage({ path: ':memory:' });
  server = new ApiServer({ storage, port: 0 });
  client = new KubeClient({ server: await server.start() });
  await seedNamespaceDefaults(client);
});

after(async () => {
  await kubelet?.stop();
  await agent?.stop();
  if (docker) {
    const filters = JSON.stringify({ label: [`io.kbox.cluster=${cluster}`] });
    for (const c of await docker.listContainers({ all: true, filters })) {
      await docker.getContainer(c.Id).remove({ force: true });
    }
    for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove();
  }
  await client.close();
  await server.stop();
  storage.close();
  rmSync(podsDir, { recursive: true, force: true });
});

test('a pod runs, reports its status and IP, restarts, and is removed on delete', async (t) => {
  docker = await dockerOrSkip(t);
  if (!docker) return;
  image = await ensureBusyboxImage(docker);
  runtime = new DockerRuntime({ cluster, node, docker });
  const network = await runtime.ensureNetwork();
  const log = (): void => {};
  agent = new NodeAgent({
    client,
    nodeName: node,
    clusterName: cluster,
    role: 'control-plane',
    taintControlPlane: false,
    runtime,
    dataDir: '/tmp',
    log,
  });
  await agent.start();
  kubelet = new Kubelet({
    client,
    runtime,
    nodeName: node,
    network,
    podsDir,
    log,
    resyncMs: 1000,
  });
  await kubelet.start();

  await client.create(PODS, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      nodeName: node,
      // busybox sleep as PID 1 ignores SIGTERM: keep the kill timeout short.
      terminationGracePeriodSeconds: 1,
      initContainers: [{ name: 'init', image, command: ['sh', '-c', 'echo init done'] }],
      containers: [
        {
          name: 'main',
          image,
          command: ['sh', '-c', 'echo "$GREETING from $POD_NAME"; exec sleep 3600'],
          env: [
            { name: 'GREETING', value: 'hello' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          ],
        },
        { name: 'crasher', image, command: ['sh', '-c', 'exit 3'] },
      ],
    },
  });

  const running = await until(
    () =>
      podWhere(
        'web',
        (p) =>
          (p.status as { phase?: string }).phase === 'Running' &&
          (p.status as { podIP?: string }).podIP !== undefined,
      ),
    'pod Running with an IP',
  );
  const status = running.status as {
    podIP: string;
    initContainerStatuses: Array<{ state: { terminated?: { exitCode: number; reason: string } } }>;
    containerStatuses: Array<{ name: string; state: Record<string, unknown>; ready: boolean }>;
  };
  assert.match(status.podIP, /^\d+\.\d+\.\d+\.\d+$/);
  assert.deepEqual(status.initContainerStatuses[0]?.state.terminated?.reason, 'Completed');
  const main = status.containerStatuses.find((c) => c.name === 'main');
  assert.ok(main?.state.running, 'main is running');

  // The crasher exits 3 and, under restartPolicy Always, ends up in CrashLoopBackOff.
  const looping = await until(
    () =>
      podWhere('web', (p) => {
        const cs = (
          p.status as {
            containerStatuses?: Array<{
              name: string;
              restartCount: number;
              state: { waiting?: { reason: string } };
              lastState: { terminated?: { exitCode: number } };
            }>;
          }
        ).containerStatuses;
        const c = cs?.find((x) => x.name === 'crasher');
        return (
          c?.state.waiting?.reason === 'CrashLoopBackOff' &&
          c.restartCount >= 1 &&
          c.lastState.terminated?.exitCode === 3
        );
      }),
    'CrashLoopBackOff',
  );
  assert.equal((looping.status as { phase: string }).phase, 'Running');

  const containers = await runtime.podContainers(running.metadata.uid ?? '');
  const mainContainer = containers.find((c) => c.name === 'main');
  assert.ok(mainContainer);
  const logs = await docker.getContainer(mainContainer.id).logs({ stdout: true });
  assert.equal(logs.subarray(8).toString(), 'hello from web\n');

  await client.delete(PODS, 'default', 'web');
  await until(async () => {
    try {
      await client.get(PODS, 'default', 'web');
      return undefined;
    } catch {
      return true;
    }
  }, 'the kubelet to confirm the deletion');
  assert.deepEqual(await runtime.podContainers(running.metadata.uid ?? ''), []);
});

test('probes: readiness gates Ready, a failing liveness probe restarts the container', async (t) => {
  if (!docker || !kubelet) {
    t.skip('needs the pod test above (Docker)');
    return;
  }
  const EVENTS: ResourceRef = { group: '', version: 'v1', resource: 'events', namespaced: true };
  await client.create(PODS, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'probed' },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          // /www/ready appears after 3 s: until then httpd answers 404 and the pod is not Ready.
          name: 'web',
          image,
          command: [
            'sh',
            '-c',
            'mkdir -p /www; (sleep 3; echo ok > /www/ready) & exec httpd -f -p 8080 -h /www',
          ],
          ports: [{ name: 'http', containerPort: 8080 }],
          readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1 },
        },
        {
          // Healthy for its first seconds, then /tmp/alive goes and the liveness probe fails.
          name: 'flaky',
          image,
          command: ['sh', '-c', 'touch /tmp/alive; sleep 2; rm /tmp/alive; exec sleep 3600'],
          livenessProbe: {
            exec: { command: ['cat', '/tmp/alive'] },
            periodSeconds: 1,
            failureThreshold: 2,
          },
        },
      ],
    },
  });
  type Cs = { name: string; ready: boolean; restartCount: number; started?: boolean };
  const statuses = (p: KubeObject): Cs[] =>
    ((p.status as { containerStatuses?: Cs[] }).containerStatuses ?? []) as Cs[];
  const ready = (p: KubeObject): boolean =>
    ((p.status as { conditions?: Array<{ type: string; status: string }> }).conditions ?? []).some(
      (c) => c.type === 'Ready' && c.status === 'True',
    );

  const notYet = await until(
    () => podWhere('probed', (p) => statuses(p).find((c) => c.name === 'web')?.started === true),
    'web running',
  );
  assert.equal(
    statuses(notYet).find((c) => c.name === 'web')?.ready,
    false,
    'not ready before /ready exists',
  );
  assert.equal(ready(notYet), false);
  const readyAt = await until(
    () => podWhere('probed', (p) => statuses(p).find((c) => c.name === 'web')?.ready === true),
    'web ready',
  );
  assert.ok(readyAt);
  const restarted = await until(
    () =>
      podWhere(
        'probed',
        (p) => (statuses(p).find((c) => c.name === 'flaky')?.restartCount ?? 0) >= 1,
      ),
    'flaky restarted by its liveness probe',
  );
  assert.ok(restarted);
  const events = await client.list(EVENTS, 'default', {
    fieldSelector: `involvedObject.name=probed`,
  });
  const seen = events.items.map((e) => {
    const ev = e as unknown as {
      reason: string;
      message: string;
      type: string;
      involvedObject: { fieldPath?: string };
      source: { component: string; host?: string };
    };
    return [
      ev.type,
      ev.reason,
      ev.involvedObject.fieldPath,
      ev.message,
      ev.source.component,
      ev.source.host,
    ];
  });
  assert.ok(
    seen.some(
      (e) =>
        e[0] === 'Warning' &&
        e[1] === 'Unhealthy' &&
        e[2] === 'spec.containers{web}' &&
        e[3] === 'Readiness probe failed: HTTP probe failed with statuscode: 404' &&
        e[4] === 'kubelet' &&
        e[5] === node,
    ),
    JSON.stringify(seen),
  );
  assert.ok(
    seen.some(
      (e) =>
        e[1] === 'Unhealthy' &&
        e[2] === 'spec.containers{flaky}' &&
        e[3] === "Liveness probe failed: cat: can't open '/tmp/alive': No such file or directory",
    ),
    JSON.stringify(seen),
  );
  assert.ok(
    seen.some(
      (e) =>
        e[0] === 'Normal' &&
        e[1] === 'Killing' &&
        e[3] === 'Container flaky failed liveness probe, will be restarted',
    ),
    JSON.stringify(seen),
  );
  await client.delete(PODS, 'default', 'probed');
});

test('volumes: configMap and secret files (updated in place), emptyDir shared, downward API', async (t) => {
  if (!docker || !kubelet) {
    t.skip('needs the pod test above (Docker)');
    return;
  }
  const CMS: ResourceRef = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };
  const SECRETS: ResourceRef = { group: '', version: 'v1', resource: 'secrets', namespaced: true };
  await client.create(CMS, 'default', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'app-config' },
    data: { 'app.conf': 'level=info', unused: 'x' },
  });
  await client.create(SECRETS, 'default', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'app-secret' },
    data: { password: Buffer.from('s3cret').toString('base64') },
  });
  const script = [
    'echo "$(cat /work/shared) $(cat /etc/secret/password) $(cat /etc/info/labels)"',
    'stat -c %a /etc/config/conf/app.conf',
    'ls /etc/config',
    'echo mem=$(grep " /scratch " /proc/mounts | cut -d" " -f3)',
    'while true; do echo "conf=$(cat /etc/config/conf/app.conf)"; sleep 0.3; done',
  ].join('; ');
  await client.create(PODS, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'vols', labels: { app: 'vols', tier: 'web' } },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 1,
      initContainers: [
        {
          name: 'writer',
          image,
          command: ['sh', '-c', 'echo from-init > /work/shared'],
          volumeMounts: [{ name: 'work', mountPath: '/work' }],
        },
      ],
      containers: [
        {
          name: 'reader',
          image,
          command: ['sh', '-c', script],
          volumeMounts: [
            { name: 'work', mountPath: '/work' },
            { name: 'config', mountPath: '/etc/config' },
            { name: 'secret', mountPath: '/etc/secret', readOnly: true },
            { name: 'info', mountPath: '/etc/info' },
            { name: 'scratch', mountPath: '/scratch' },
          ],
        },
      ],
      volumes: [
        { name: 'work', emptyDir: {} },
        { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } },
        {
          name: 'config',
          configMap: {
            name: 'app-config',
            items: [{ key: 'app.conf', path: 'conf/app.conf' }],
            defaultMode: 0o600,
          },
        },
        { name: 'secret', secret: { secretName: 'app-secret' } },
        {
          name: 'info',
          downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
        },
      ],
    },
  });
  const running = await until(
    () => podWhere('vols', (p) => (p.status as { phase?: string }).phase === 'Running'),
    'pod Running',
  );
  const uid = running.metadata.uid ?? '';
  const reader = async (): Promise<string> => {
    const c = (await runtime.podContainers(uid)).find((x) => x.name === 'reader');
    if (!c) return '';
    const buf = (await docker
      ?.getContainer(c.id)
      .logs({ stdout: true, stderr: true })) as unknown as Buffer;
    return demuxBuffer(buf).toString('utf8');
  };
  const first = await until(async () => {
    const out = await reader();
    return out.includes('conf=level=info') ? out : undefined;
  }, 'the reader output');
  const lines = first.split('\n');
  assert.equal(lines[0], 'from-init s3cret app="vols"');
  assert.equal(lines[1], 'tier="web"');
  assert.equal(lines[2], '600', 'defaultMode applies to the file');
  assert.equal(lines[3], 'conf', 'only the requested items are projected');
  assert.equal(lines[4], 'mem=tmpfs');

  // A change to the ConfigMap reaches the running container without a restart.
  const cm = await client.get(CMS, 'default', 'app-config');
  await client.update(CMS, { ...cm, data: { 'app.conf': 'level=debug' } });
  await until(
    async () => ((await reader()).includes('conf=level=debug') ? true : undefined),
    'the updated file',
  );
  const after = await client.get(PODS, 'default', 'vols');
  const cs = (after.status as { containerStatuses: Array<{ restartCount: number }> })
    .containerStatuses;
  assert.equal(cs[0]?.restartCount, 0);

  // Deleting the pod removes its volume folders and its tmpfs volume.
  await client.delete(PODS, 'default', 'vols');
  await until(async () => {
    try {
      await client.get(PODS, 'default', 'vols');
      return undefined;
    } catch {
      return true;
    }
  }, 'the pod to go');
  assert.equal(existsSync(join(podsDir, uid)), false);
  const vols = await docker.listVolumes({
    filters: JSON.stringify({ label: [`io.kubernetes.pod.uid=${uid}`] }),
  });
  assert.deepEqual(vols.Volumes ?? [], []);
});

test('a missing ConfigMap keeps the pod in ContainerCreating with a FailedMount event', async (t) => {
  if (!docker || !kubelet) {
    t.skip('needs the pod test above (Docker)');
    return;
  }
  const EVENTS: ResourceRef = { group: '', version: 'v1', resource: 'events', namespaced: true };
  await client.create(PODS, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'nocm' },
    spec: {
      nodeName: node,
      containers: [
        {
          name: 'c',
          image,
          command: ['sleep', '3600'],
          volumeMounts: [{ name: 'v', mountPath: '/v' }],
        },
      ],
      volumes: [{ name: 'v', configMap: { name: 'absent' } }],
    },
  });
  const ev = await until(async () => {
    const list = await client.list(EVENTS, 'default', {
      fieldSelector: 'involvedObject.name=nocm',
    });
    return list.items.find((e) => (e as unknown as { reason: string }).reason === 'FailedMount');
  }, 'a FailedMount event');
  assert.equal(
    (ev as unknown as { message: string }).message,
    'MountVolume.SetUp failed for volume "v" : configmap "absent" not found',
  );
  const pod = await until(
    () =>
      podWhere('nocm', (p) => {
        const cs = (
          p.status as { containerStatuses?: Array<{ state: { waiting?: { reason: string } } }> }
        ).containerStatuses;
        return cs?.[0]?.state.waiting?.reason === 'ContainerCreating';
      }),
    'ContainerCreating',
  );
  assert.equal((pod.status as { phase: string }).phase, 'Pending');
  await client.delete(PODS, 'default', 'nocm');
});

test('lifecycle hooks: postStart runs after start, preStop before stop; a failed postStart restarts', async (t) => {
  if (!docker || !kubelet) {
    t.skip('needs the pod test above (Docker)');
    return;
  }
  const EVENTS: ResourceRef = { group: '', version: 'v1', resource: 'events', namespaced: true };
  const shared = mkdtempSync(join(tmpdir(), 'kbox-hooks-'));
  t.after(() => rmSync(shared, { recursive: true, force: true }));
  await client.create(PODS, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'hooked' },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 5,
      containers: [
        {
          name: 'main',
          image,
          command: ['sh', '-c', 'exec sleep 3600'],
          volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
          lifecycle: {
            postStart: { exec: { command: ['sh', '-c', 'echo started > /shared/post'] } },
            preStop: { exec: { command: ['sh', '-c', 'echo stopping > /shared/pre'] } },
          },
        },
        {
          name: 'badstart',
          image,
          command: ['sleep', '3600'],
          lifecycle: { postStart: { exec: { command: ['sh', '-c', 'exit 7'] } } },
        },
      ],
      volumes: [{ name: 'shared', hostPath: { path: shared } }],
    },
  });
  await until(
    async () => (existsSync(join(shared, 'post')) ? true : undefined),
    'the postStart hook to write its file',
  );
  const ev = await until(async () => {
    const list = await client.list(EVENTS, 'default', {
      fieldSelector: 'involvedObject.name=hooked',
    });
    return list.items.find(
      (e) => (e as unknown as { reason: string }).reason === 'FailedPostStartHook',
    );
  }, 'a FailedPostStartHook event');
  assert.match(
    (ev as unknown as { message: string }).message,
    /^Exec lifecycle hook \(\["sh","-c","exit 7"\]\) for Container "badstart" in Pod "hooked_default\(.+\)" failed/,
  );
  assert.equal(
    (ev as unknown as { involvedObject: { fieldPath: string } }).involvedObject.fieldPath,
    'spec.containers{badstart}',
  );
  assert.equal(existsSync(join(shared, 'pre')), false, 'no preStop before deletion');
  await client.delete(PODS, 'default', 'hooked');
  await until(async () => {
    try {
      await client.get(PODS, 'default', 'hooked');
      return undefined;
    } catch {
      return true;
    }
  }, 'the pod to go');
  assert.equal(
    readFileSync(join(shared, 'pre'), 'utf8'),
    'stopping\n',
    'preStop ran before the stop',
  );
});
