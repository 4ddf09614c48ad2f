// The kubelet on the fake runtime against a real API server: pods run without containers (init
// containers complete at once), probes are not run, statuses carry fake:// IDs and the node's IPs,
// events are upstream's, deletion completes, and a kubelet on a fresh fake runtime (a daemon
// restart) brings the pods back.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isStatusError } from '../../src/api/status.js';
import type { KubeObject } from '../../src/api/types.js';
import { CORE, KubeClient } from '../../src/client/rest.js';
import { Kubelet } from '../../src/kubelet/kubelet.js';
import { FakeRuntime } from '../../src/kubelet/runtime/fake.js';
import { seedNamespaceDefaults, startTestApi, type TestApi } from '../support/apiserver.js';

const node = 'test-fake1';
let api: TestApi;
let client: KubeClient;
const podsDir = mkdtempSync(join(tmpdir(), 'kbox-fake-kubelet-'));

before(async () => {
  api = await startTestApi();
  client = new KubeClient({ server: api.url });
  await seedNamespaceDefaults(client);
});

after(async () => {
  await client.close();
  await api.stop();
  rmSync(podsDir, { recursive: true, force: true });
});

async function until<T>(fn: () => Promise<T | undefined>, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function kubelet(runtime: FakeRuntime): Kubelet {
  return new Kubelet({
    client,
    runtime,
    nodeName: node,
    network: 'none',
    podsDir,
    log: () => {},
    runProbes: false,
  });
}

interface Status {
  phase?: string;
  podIP?: string;
  conditions?: Array<{ type: string; status: string }>;
  containerStatuses?: Array<{
    name: string;
    ready: boolean;
    restartCount: number;
    containerID?: string;
    imageID: string;
    state: { running?: unknown; waiting?: { reason: string; message?: string } };
  }>;
}

const statusOf = async (name: string): Promise<Status> =>
  (await client.get(CORE.pods, 'default', name)).status as Status;

test('pods run on a fake node, get deleted, and come back after a restart', async () => {
  const first = kubelet(new FakeRuntime({ node, ipPrefix: '10.250.1' }));
  await first.start();
  try {
    await client.create(CORE.pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
      spec: {
        nodeName: node,
        initContainers: [{ name: 'setup', image: 'registry.example/app:1' }],
        containers: [
          {
            name: 'app',
            image: 'registry.example/app:1',
            // A probe that could never pass against a fake IP: not run on fake nodes.
            readinessProbe: { httpGet: { path: '/', port: 8080 } },
          },
          { name: 'side', image: 'registry.example/side:1', imagePullPolicy: 'Always' },
        ],
      },
    } as KubeObject);
    const s = await until(async () => {
      const st = await statusOf('web');
      return st.phase === 'Running' && st.containerStatuses?.every((c) => c.ready) ? st : undefined;
    }, 'web Running and ready');
    assert.equal(s.podIP, '10.250.1.2');
    assert.equal(s.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    for (const c of s.containerStatuses ?? []) {
      assert.match(c.containerID ?? '', /^fake:\/\/[0-9a-f]{64}$/);
      assert.match(c.imageID, /^fake:\/\/sha256:[0-9a-f]{64}$/);
      assert.equal(c.restartCount, 0);
    }
    const events = await until(async () => {
      const list = await client.list(CORE.events, 'default');
      const mine = list.items
        .filter((e) => (e.involvedObject as { name?: string }).name === 'web')
        .map(
          (e) =>
            `${String((e.involvedObject as { fieldPath?: string }).fieldPath)} ${String(e.reason)}: ${String(e.message)}`,
        )
        .sort();
      return mine.length === 11 ? mine : undefined;
    }, 'eleven events');
    assert.deepEqual(
      events.map((e) => e.replace(/in (\d+ms|0s) \((\d+ms|0s) including/, 'in T (T including')),
      [
        'spec.containers{app} Created: Created container app',
        'spec.containers{app} Pulled: Container image "registry.example/app:1" already present on machine',
        'spec.containers{app} Started: Started container app',
        'spec.containers{side} Created: Created container side',
        'spec.containers{side} Pulled: Successfully pulled image "registry.example/side:1" in T (T including waiting). Image size: 0 bytes.',
        'spec.containers{side} Pulling: Pulling image "registry.example/side:1"',
        'spec.containers{side} Started: Started container side',
        'spec.initContainers{setup} Created: Created container setup',
        'spec.initContainers{setup} Pulled: Successfully pulled image "registry.example/app:1" in T (T including waiting). Image size: 0 bytes.',
        'spec.initContainers{setup} Pulling: Pulling image "registry.example/app:1"',
        'spec.initContainers{setup} Started: Started container setup',
      ].sort(),
    );

    // Never with an image this node never pulled: ErrImageNeverPull, as on any node.
    await client.create(CORE.pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'never' },
      spec: {
        nodeName: node,
        containers: [{ name: 'c', image: 'registry.example/other:1', imagePullPolicy: 'Never' }],
      },
    } as KubeObject);
    const w = await until(async () => {
      const st = await statusOf('never');
      return st.containerStatuses?.[0]?.state.waiting?.reason === 'ErrImageNeverPull'
        ? st.containerStatuses[0].state.waiting
        : undefined;
    }, 'ErrImageNeverPull');
    assert.equal(
      w.message,
      'Container image "registry.example/other:1" is not present with pull policy of Never',
    );
    await client.delete(CORE.pods, 'default', 'never', { gracePeriodSeconds: 30 });
    await until(async () => {
      try {
        await client.get(CORE.pods, 'default', 'never');
        return undefined;
      } catch (err) {
        return isStatusError(err, 'NotFound') ? true : undefined;
      }
    }, 'never deleted');
  } finally {
    await first.stop();
  }

  // A daemon restart: a new kubelet on an empty fake runtime recreates the pod's containers, as
  // after a node reboot: the sandbox is new, and each container that ran before starts as a
  // restart (upstream's kubelet keeps counting from the log directory; kbox from the status).
  const fresh = new FakeRuntime({ node, ipPrefix: '10.250.1' });
  const second = kubelet(fresh);
  const uid = (await client.get(CORE.pods, 'default', 'web')).metadata.uid ?? '';
  assert.deepEqual(await fresh.podContainers(uid), []);
  await second.start();
  try {
    const kinds = await until(async () => {
      const cs = await fresh.podContainers(uid);
      if ((await statusOf('web')).phase !== 'Running') return undefined;
      return cs.length === 4 && cs.filter((c) => c.state === 'running').length === 3
        ? cs.map((c) => `${c.kind}:${c.name}:${c.attempt}`).sort()
        : undefined;
    }, 'web recreated on the fresh runtime');
    assert.deepEqual(kinds, ['init:setup:1', 'regular:app:1', 'regular:side:1', 'sandbox:POD:0']);
    const st = await statusOf('web');
    assert.deepEqual(
      st.containerStatuses?.map((c) => c.restartCount),
      [1, 1],
    );
    assert.equal(st.phase, 'Running');
    assert.equal(st.podIP, '10.250.1.2');
  } finally {
    await second.stop();
  }
});

test('sidecar init containers run beside the app, restart when they exit, and stop when it ends', async () => {
  const runtime = new FakeRuntime({ node, ipPrefix: '10.250.3' });
  const k = new Kubelet({
    client,
    runtime,
    nodeName: node,
    network: 'none',
    podsDir,
    log: () => {},
    runProbes: false,
    resyncMs: 100,
  });
  await k.start();
  try {
    const created = await client.create(CORE.pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'with-sidecar' },
      spec: {
        nodeName: node,
        restartPolicy: 'Never',
        initContainers: [
          { name: 'setup', image: 'busybox' },
          { name: 'proxy', image: 'busybox', restartPolicy: 'Always' },
        ],
        containers: [{ name: 'app', image: 'busybox' }],
      },
    });
    type Init = {
      name: string;
      ready: boolean;
      started?: boolean;
      restartCount: number;
      state: { running?: unknown; terminated?: { reason: string; exitCode: number } };
    };
    const initOf = async (): Promise<{ phase?: string; init: Init[]; ready?: string }> => {
      const s = (await client.get(CORE.pods, 'default', 'with-sidecar')).status as Status & {
        initContainerStatuses?: Init[];
      };
      return {
        ...(s.phase ? { phase: s.phase } : {}),
        init: s.initContainerStatuses ?? [],
        ...(s.conditions ? { ready: s.conditions.find((c) => c.type === 'Ready')?.status } : {}),
      };
    };
    const running = await until(async () => {
      const s = await initOf();
      return s.phase === 'Running' && s.ready === 'True' ? s : undefined;
    }, 'the pod Running and Ready with its sidecar');
    assert.deepEqual(
      running.init.map((c) => [
        c.name,
        Object.keys(c.state)[0],
        c.started,
        c.ready,
        c.restartCount,
      ]),
      [
        ['setup', 'terminated', false, true, 0],
        ['proxy', 'running', true, true, 0],
      ],
    );
    // The sidecar exits behind the kubelet's back: restarted though the pod's policy is Never.
    // (Pods of the other test may share this node: look at this pod's containers only.)
    const mine = () => runtime.podContainers(created.metadata.uid ?? '');
    const proxy = (await mine()).find((c) => c.name === 'proxy');
    assert.ok(proxy);
    await runtime.stopContainer(proxy.id, 1);
    await until(async () => {
      const s = await initOf();
      const p = s.init.find((c) => c.name === 'proxy');
      return p?.restartCount === 1 && p.state.running !== undefined ? s : undefined;
    }, 'the sidecar restarted');
    // The app ends: the pod completes (Failed: the fake's SIGTERM code) and the sidecar is stopped.
    const app = (await mine()).find((c) => c.name === 'app');
    assert.ok(app);
    await runtime.stopContainer(app.id, 1);
    const done = await until(async () => {
      const s = await initOf();
      return s.phase === 'Failed' ? s : undefined;
    }, 'the pod terminal');
    assert.equal(done.init.find((c) => c.name === 'proxy')?.state.terminated?.exitCode, 143);
    const left = (await mine()).filter((c) => c.kind !== 'sandbox' && c.state === 'running');
    assert.deepEqual(left, []);
  } finally {
    await client
      .delete(CORE.pods, 'default', 'with-sidecar', { gracePeriodSeconds: 0 })
      .catch(() => undefined);
    await k.stop();
  }
});

test('an ephemeral container starts in the running pod, is reported, and is never restarted', async () => {
  const runtime = new FakeRuntime({ node, ipPrefix: '10.250.4' });
  const k = new Kubelet({
    client,
    runtime,
    nodeName: node,
    network: 'none',
    podsDir,
    log: () => {},
    runProbes: false,
    resyncMs: 100,
  });
  await k.start();
  try {
    const created = await client.create(CORE.pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'debugged' },
      spec: { nodeName: node, containers: [{ name: 'main', image: 'busybox' }] },
    });
    await until(
      async () => ((await statusOf('debugged')).phase === 'Running' ? true : undefined),
      'the pod Running',
    );
    await client.call(
      'PATCH',
      '/api/v1/namespaces/default/pods/debugged/ephemeralcontainers',
      {
        spec: {
          ephemeralContainers: [{ name: 'dbg', image: 'busybox', targetContainerName: 'main' }],
        },
      },
      'application/strategic-merge-patch+json',
    );
    type Ephemeral = {
      name: string;
      ready: boolean;
      restartCount: number;
      started?: boolean;
      containerID?: string;
      state: { running?: unknown; terminated?: { exitCode: number; reason: string } };
    };
    const ephemeralOf = async (): Promise<Ephemeral | undefined> =>
      ((await statusOf('debugged')) as Status & { ephemeralContainerStatuses?: Ephemeral[] })
        .ephemeralContainerStatuses?.[0];
    const running = await until(
      async () => ((await ephemeralOf())?.state.running ? await ephemeralOf() : undefined),
      'the ephemeral container running',
    );
    const mine = () => runtime.podContainers(created.metadata.uid ?? '');
    const dbg = (await mine()).find((c) => c.name === 'dbg');
    assert.equal(dbg?.kind, 'ephemeral');
    assert.deepEqual(
      { ...running, state: Object.keys(running.state) },
      {
        name: 'dbg',
        state: ['running'],
        lastState: {},
        ready: false,
        restartCount: 0,
        image: 'busybox',
        imageID: `fake://${dbg.imageId}`,
        containerID: `fake://${dbg.id}`,
      },
    );
    await runtime.stopContainer(dbg.id, 1);
    const ended = await until(
      async () => ((await ephemeralOf())?.state.terminated ? await ephemeralOf() : undefined),
      'the ephemeral container terminated',
    );
    assert.equal(ended.state.terminated?.exitCode, 143);
    // Several resyncs later: still the one container, not restarted; the pod runs on.
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(
      (await mine()).filter((c) => c.name === 'dbg').map((c) => [c.attempt, c.state]),
      [[0, 'exited']],
    );
    assert.equal((await ephemeralOf())?.restartCount, 0);
    assert.equal((await statusOf('debugged')).phase, 'Running');
    // Gone from the runtime (as after a cluster stop): not run again, its last status stands.
    await runtime.removeContainer(dbg.id);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(
      (await mine()).filter((c) => c.name === 'dbg'),
      [],
    );
    assert.deepEqual(await ephemeralOf(), ended);
  } finally {
    await client
      .delete(CORE.pods, 'default', 'debugged', { gracePeriodSeconds: 0 })
      .catch(() => undefined);
    await k.stop();
  }
});
