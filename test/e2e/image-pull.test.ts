// Image pulls through the kubelet on the real Docker engine, with no registry in reach: an unknown
// image goes ErrImagePull → ImagePullBackOff with upstream's events; a missing image under
// imagePullPolicy Never is ErrImageNeverPull; a present image is used with Pulled ("already
// present"), Created and Started events.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import type { KubeObject } from '../../src/api/types.js';
import { ApiServer } from '../../src/apiserver/server.js';
import { seedNamespaceDefaults } from '../support/apiserver.js';
import { CORE, KubeClient } from '../../src/client/rest.js';
import { Kubelet } from '../../src/kubelet/kubelet.js';
import { DockerRuntime } from '../../src/kubelet/runtime/docker.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { dockerOrSkip } from '../support/docker.js';

const cluster = `imgpull-${process.pid}`;
const node = `${cluster}-control-plane`;
let storage: SqliteStorage;
let server: ApiServer;
let client: KubeClient;
let kubelet: Kubelet | undefined;
let docker: Docker | undefined;
const podsDir = mkdtempSync(join(tmpdir(), 'kbox-imgpull-pods-'));

interface Waiting {
  reason?: string;
  message?: string;
}

async function until<T>(fn: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The pod's events as "type reason fieldPath: message", sorted (repeats bump a count). */
async function eventsOf(pod: string): Promise<string[]> {
  const list = await client.list(CORE.events, 'default');
  return list.items
    .filter((e) => (e.involvedObject as { name?: string }).name === pod)
    .map(
      (e) =>
        `${String(e.type)} ${String(e.reason)} ${String((e.involvedObject as { fieldPath?: string }).fieldPath)}: ${String(e.message)}`,
    )
    .sort();
}

function pod(name: string, image: string, policy: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'main', image, imagePullPolicy: policy, command: ['sleep', '3600'] }],
    },
  };
}

before(async () => {
  storage = new SqliteStorage({ path: ':memory:' });
  server = new ApiServer({ storage, port: 0 });
  client = new KubeClient({ server: await server.start() });
  await seedNamespaceDefaults(client);
});

after(async () => {
  await kubelet?.stop();
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

test('image pulls: ErrImagePull → ImagePullBackOff, ErrImageNeverPull, present images', async (t) => {
  docker = await dockerOrSkip(t);
  if (!docker) return;
  const image = await ensureBusyboxImage(docker);
  const runtime = new DockerRuntime({ cluster, node, docker });
  const network = await runtime.ensureNetwork();
  kubelet = new Kubelet({ client, runtime, nodeName: node, network, podsDir, log: () => {} });
  await kubelet.start();

  // Every waiting state the pods pass through, from a watch opened before they exist: ErrImagePull
  // lasts only until the next sync, which polling can miss on a loaded machine.
  const seen: Array<{ pod: string } & Waiting> = [];
  const stop = new AbortController();
  const rv = (await client.list(CORE.pods, 'default')).metadata?.resourceVersion;
  const watching = client.watch(
    CORE.pods,
    'default',
    { resourceVersion: rv },
    (ev) => {
      const cs = (
        ev.object.status as { containerStatuses?: Array<{ state: { waiting?: Waiting } }> }
      )?.containerStatuses;
      const w = cs?.[0]?.state.waiting;
      if (w) seen.push({ pod: ev.object.metadata?.name ?? '', ...w });
    },
    stop.signal,
  );
  t.after(async () => {
    stop.abort();
    await watching.catch(() => undefined);
  });
  const reached = (name: string, reason: string): (() => Promise<Waiting | undefined>) => {
    return () => Promise.resolve(seen.find((w) => w.pod === name && w.reason === reason));
  };

  const bad = 'kbox.invalid/nope:1';
  await client.create(CORE.pods, 'default', pod('unknown', bad, 'IfNotPresent'));
  await client.create(CORE.pods, 'default', pod('never', 'kbox.invalid/absent:2', 'Never'));
  await client.create(CORE.pods, 'default', pod('present', image, 'IfNotPresent'));

  const pullErr = await until(reached('unknown', 'ErrImagePull'), 'ErrImagePull');
  assert.match(pullErr.message ?? '', /kbox\.invalid/);
  assert.doesNotMatch(pullErr.message ?? '', /HTTP code/, 'the engine message, unwrapped');
  const backOff = await until(reached('unknown', 'ImagePullBackOff'), 'ImagePullBackOff');
  assert.equal(backOff.message, `Back-off pulling image "${bad}"`);
  const f = 'spec.containers{main}';
  assert.deepEqual(
    await eventsOf('unknown'),
    [
      `Normal Pulling ${f}: Pulling image "${bad}"`,
      `Warning Failed ${f}: Failed to pull image "${bad}": ${pullErr.message}`,
      `Warning Failed ${f}: Error: ErrImagePull`,
      `Normal BackOff ${f}: Back-off pulling image "${bad}"`,
      `Warning Failed ${f}: Error: ImagePullBackOff`,
    ].sort(),
  );
  const p = await client.get(CORE.pods, 'default', 'unknown');
  assert.equal((p.status as { phase: string }).phase, 'Pending');

  const never = await until(reached('never', 'ErrImageNeverPull'), 'ErrImageNeverPull');
  assert.equal(
    never.message,
    'Container image "kbox.invalid/absent:2" is not present with pull policy of Never',
  );
  assert.deepEqual(
    await eventsOf('never'),
    [
      `Warning ErrImageNeverPull ${f}: ${never.message}`,
      `Warning Failed ${f}: Error: ErrImageNeverPull`,
    ].sort(),
  );

  await until(async () => {
    const q = await client.get(CORE.pods, 'default', 'present');
    return (q.status as { phase?: string }).phase === 'Running' ? q : undefined;
  }, 'present image pod Running');
  assert.deepEqual(
    await eventsOf('present'),
    [
      `Normal Pulled ${f}: Container image "${image}" already present on machine`,
      `Normal Created ${f}: Created container main`,
      `Normal Started ${f}: Started container main`,
    ].sort(),
  );
});
