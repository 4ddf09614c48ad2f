// The Runtime conformance suite: every implementation of src/kubelet/runtime/interface.ts runs it
// (the fake runtime as a unit test, the Docker runtime end to end). It checks the contract the
// kubelet relies on, not how an implementation does it.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test, type TestContext } from 'node:test';
import type { ContainerSpec, Runtime, SandboxSpec } from '../../src/kubelet/runtime/interface.js';

export interface RuntimeFixture {
  runtime: Runtime;
  /** An image present on the node that has `sleep` and `true`. */
  image: string;
  /** The network sandboxes join. */
  network: string;
  /** Whether a volume named by ensureTmpfsVolume exists. */
  volumeExists(name: string): Promise<boolean>;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';
const TIMEOUT = { timeout: 60_000 };
let serial = 0;

function sandboxSpec(f: RuntimeFixture, podUid: string): SandboxSpec {
  return {
    podUid,
    podName: `conf-${podUid.slice(-8)}`,
    namespace: 'default',
    hostname: 'conf',
    network: f.network,
    dnsSearch: ['default.svc.cluster.local'],
    dnsOptions: ['ndots:5'],
    hostPorts: [],
    labels: {},
  };
}

function containerSpec(
  f: RuntimeFixture,
  podUid: string,
  name: string,
  kind: 'init' | 'regular',
  attempt: number,
): ContainerSpec {
  return {
    podUid,
    podName: `conf-${podUid.slice(-8)}`,
    namespace: 'default',
    name,
    kind,
    attempt,
    image: f.image,
    command: ['sleep', '3600'],
    env: ['A=1'],
    tty: false,
    stdin: false,
    specHash: `hash-${name}-${attempt}`,
    labels: {},
  };
}

function newUid(): string {
  serial += 1;
  return `00000000-0000-4000-8000-${String(process.pid).padStart(6, '0')}${String(serial).padStart(6, '0')}`;
}

/**
 * Registers the suite. `fixture` returns the runtime under test, or undefined when the test must
 * be skipped (it has then said why); it is called by every test and may cache.
 */
export function runtimeConformance(
  name: string,
  fixture: (t: TestContext) => Promise<RuntimeFixture | undefined>,
): void {
  describe(`Runtime conformance: ${name}`, () => {
    test(
      'a sandbox runs with an IP, and creating it again returns the same one',
      TIMEOUT,
      async (t) => {
        const f = await fixture(t);
        if (!f) return;
        const uid = newUid();
        const a = await f.runtime.createSandbox(sandboxSpec(f, uid));
        const b = await f.runtime.createSandbox(sandboxSpec(f, uid));
        assert.equal(b.id, a.id);
        assert.equal(a.kind, 'sandbox');
        assert.equal(a.name, 'POD');
        assert.equal(a.podUid, uid);
        assert.equal(a.state, 'running');
        assert.match(a.ip, /^\d+\.\d+\.\d+\.\d+$/);
        assert.deepEqual(
          (await f.runtime.podContainers(uid)).map((c) => c.id),
          [a.id],
        );
        assert.ok((await f.runtime.listContainers()).some((c) => c.id === a.id));

        const other = await f.runtime.createSandbox(sandboxSpec(f, newUid()));
        assert.notEqual(other.ip, a.ip, 'each sandbox has its own IP');
        await f.runtime.removeContainer(other.id);
        await f.runtime.removeContainer(a.id);
        assert.equal(await f.runtime.inspect(a.id), undefined);
        assert.deepEqual(await f.runtime.podContainers(uid), []);
      },
    );

    test(
      "a sandbox of the next attempt is a new one beside the pod's dead one",
      TIMEOUT,
      async (t) => {
        const f = await fixture(t);
        if (!f) return;
        const uid = newUid();
        const first = await f.runtime.createSandbox(sandboxSpec(f, uid));
        assert.equal(first.attempt, 0);
        await f.runtime.stopContainer(first.id, 0);
        // The dead one stays (its removal failed, say): the next attempt does not reuse it.
        const next = await f.runtime.createSandbox({ ...sandboxSpec(f, uid), attempt: 1 });
        assert.notEqual(next.id, first.id);
        assert.equal(next.attempt, 1);
        assert.equal(next.state, 'running');
        assert.deepEqual(
          (await f.runtime.podContainers(uid)).map((c) => `${c.attempt}:${c.state}`).sort(),
          ['0:exited', '1:running'],
        );
        await f.runtime.removeContainer(next.id);
        await f.runtime.removeContainer(first.id);
        assert.deepEqual(await f.runtime.podContainers(uid), []);
      },
    );

    test(
      'resource readings cover the running containers and sandbox; images list the one in use',
      TIMEOUT,
      async (t) => {
        const f = await fixture(t);
        if (!f) return;
        const rt = f.runtime;
        const uid = newUid();
        const sandbox = await rt.createSandbox(sandboxSpec(f, uid));
        const id = await rt.createContainer(sandbox.id, containerSpec(f, uid, 'app', 'regular', 0));
        await rt.startContainer(id);
        const mine = (await rt.containerStats()).filter((u) => u.podUid === uid);
        assert.deepEqual(
          mine.map((u) => [u.kind, u.name, u.id]).sort(),
          [
            ['regular', 'app', id],
            ['sandbox', 'POD', sandbox.id],
          ].sort(),
        );
        for (const u of mine) {
          assert.ok(u.cpuUsageNanoSeconds >= 0 && u.memoryWorkingSetBytes >= 0);
          assert.ok(u.memoryWorkingSetBytes <= u.memoryUsageBytes || u.memoryUsageBytes === 0);
          assert.ok(u.timeMs > Date.parse('2020-01-01'));
          assert.equal(u.podName, sandboxSpec(f, uid).podName);
        }
        await rt.stopContainer(id, 0);
        assert.ok(!(await rt.containerStats()).some((u) => u.id === id), 'stopped: no reading');
        const images = await rt.listImages();
        assert.ok(
          images.some((i) => i.names.includes(f.image)),
          JSON.stringify(images),
        );
        await rt.removeContainer(id);
        await rt.removeContainer(sandbox.id);
      },
    );

    test(
      'a container goes created → running → exited with its exit code → removed',
      TIMEOUT,
      async (t) => {
        const f = await fixture(t);
        if (!f) return;
        const rt = f.runtime;
        const uid = newUid();
        const sandbox = await rt.createSandbox(sandboxSpec(f, uid));
        const spec = containerSpec(f, uid, 'app', 'regular', 2);
        const id = await rt.createContainer(sandbox.id, spec);
        assert.equal(await rt.createContainer(sandbox.id, spec), id, 'creation is idempotent');

        const created = await rt.inspect(id);
        assert.ok(created);
        assert.equal(created.state, 'created');
        assert.equal(created.podUid, uid);
        assert.equal(created.name, 'app');
        assert.equal(created.kind, 'regular');
        assert.equal(created.attempt, 2);
        assert.equal(created.specHash, 'hash-app-2');
        assert.equal(created.image, f.image);
        assert.notEqual(created.imageId, '');

        await rt.startContainer(id);
        await rt.startContainer(id); // starting a running container is not an error
        const running = await rt.inspect(id);
        assert.equal(running?.state, 'running');
        assert.notEqual(running.startedAt, ZERO_TIME);
        assert.ok(!Number.isNaN(Date.parse(running.startedAt)));

        const init = await rt.createContainer(
          sandbox.id,
          containerSpec(f, uid, 'setup', 'init', 0),
        );
        assert.equal((await rt.inspect(init))?.kind, 'init');

        const mine = await rt.podContainers(uid);
        assert.deepEqual(mine.map((c) => `${c.kind}:${c.name}:${c.attempt}:${c.state}`).sort(), [
          'init:setup:0:created',
          'regular:app:2:running',
          'sandbox:POD:0:running',
        ]);
        assert.deepEqual(
          (await rt.listContainers())
            .filter((c) => c.podUid === uid)
            .map((c) => c.id)
            .sort(),
          mine.map((c) => c.id).sort(),
        );

        const ex = await rt.exec(id, ['true'], 10_000);
        assert.deepEqual(ex, { exitCode: 0, output: '', timedOut: false });

        const out = new PassThrough();
        const chunks: Buffer[] = [];
        out.on('data', (c: Buffer) => chunks.push(c));
        await rt.logs(
          id,
          { follow: false, timestamps: false, tty: false },
          out,
          new AbortController().signal,
        );
        assert.equal(Buffer.concat(chunks).toString('utf8'), '', 'sleep writes nothing');

        await rt.stopContainer(id, 0);
        await rt.stopContainer(id, 0); // stopping a stopped container is not an error
        const exited = await rt.inspect(id);
        assert.equal(exited?.state, 'exited');
        assert.equal(exited.exitCode, 137, 'killed without grace: 128 + SIGKILL');
        assert.ok(Date.parse(exited.finishedAt) >= Date.parse(running.startedAt));

        for (const c of await rt.podContainers(uid)) await rt.removeContainer(c.id);
        await rt.removeContainer(id); // removing twice is not an error
        assert.equal(await rt.inspect(id), undefined);
        assert.deepEqual(await rt.podContainers(uid), []);
      },
    );

    test('unknown pods and ids: empty lists, undefined, no errors', TIMEOUT, async (t) => {
      const f = await fixture(t);
      if (!f) return;
      const missing = 'f'.repeat(64);
      assert.deepEqual(await f.runtime.podContainers(newUid()), []);
      assert.equal(await f.runtime.inspect(missing), undefined);
      await f.runtime.stopContainer(missing, 0);
      await f.runtime.removeContainer(missing);
    });

    test('tmpfs volumes are created once and removed with the pod', TIMEOUT, async (t) => {
      const f = await fixture(t);
      if (!f) return;
      const uid = newUid();
      const a = await f.runtime.ensureTmpfsVolume(uid, 'cache', 1024 * 1024);
      assert.equal(await f.runtime.ensureTmpfsVolume(uid, 'cache', 1024 * 1024), a);
      const b = await f.runtime.ensureTmpfsVolume(uid, 'other', undefined);
      assert.notEqual(b, a);
      assert.equal(await f.volumeExists(a), true);
      assert.equal(await f.volumeExists(b), true);
      await f.runtime.removePodVolumes(uid);
      assert.equal(await f.volumeExists(a), false);
      assert.equal(await f.volumeExists(b), false);
      await f.runtime.removePodVolumes(uid); // nothing left: not an error
    });

    test(
      'image status: present images have an id, absent ones are undefined',
      TIMEOUT,
      async (t) => {
        const f = await fixture(t);
        if (!f) return;
        const present = await f.runtime.imageStatus(f.image);
        assert.ok(present);
        assert.match(present.id, /^sha256:[0-9a-f]{64}$/);
        assert.ok(present.sizeBytes >= 0);
        assert.equal(await f.runtime.imageStatus('kbox.invalid/never-pulled:1'), undefined);
      },
    );
  });
}
