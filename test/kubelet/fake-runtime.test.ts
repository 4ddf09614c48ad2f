// The fake runtime against the shared Runtime suite, plus what only a fake node does: IPs from
// its own range (reused once freed), follow-mode logs that end with the container, pulls that
// always succeed.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { FakeRuntime } from '../../src/kubelet/runtime/fake.js';
import { runtimeConformance, type RuntimeFixture } from './runtime-conformance.js';

const IMAGE = 'registry.example/app:1';

runtimeConformance('fake', async () => {
  const runtime = new FakeRuntime({ node: 'conf-fake1', ipPrefix: '10.250.1' });
  await runtime.pullImage(IMAGE);
  const f: RuntimeFixture = {
    runtime,
    image: IMAGE,
    network: 'none',
    volumeExists: (name) => Promise.resolve(runtime.hasVolume(name)),
  };
  return f;
});

const sandbox = (uid: string) => ({
  podUid: uid,
  podName: uid,
  namespace: 'default',
  hostname: uid,
  network: 'none',
  dnsSearch: [],
  dnsOptions: [],
  hostPorts: [],
  labels: {},
});

test('sandbox IPs come from the node range in order and are reused once freed', async () => {
  const rt = new FakeRuntime({ node: 'n', ipPrefix: '10.250.7' });
  const a = await rt.createSandbox(sandbox('a'));
  const b = await rt.createSandbox(sandbox('b'));
  assert.deepEqual([a.ip, b.ip], ['10.250.7.2', '10.250.7.3']);
  await rt.removeContainer(a.id);
  const c = await rt.createSandbox(sandbox('c'));
  assert.equal(c.ip, '10.250.7.2');
  for (let i = 0; i < 251; i++) await rt.createSandbox(sandbox(`x${i}`));
  await assert.rejects(rt.createSandbox(sandbox('full')), {
    message: 'fake node n has no free pod IP left in 10.250.7.0/24',
  });
});

test('stop with grace reports SIGTERM; follow logs end when the container stops', async () => {
  const rt = new FakeRuntime({
    node: 'n',
    ipPrefix: '10.250.8',
    clock: () => new Date('2026-01-02T03:04:05.000Z'),
  });
  const s = await rt.createSandbox(sandbox('p'));
  const id = await rt.createContainer(s.id, {
    podUid: 'p',
    podName: 'p',
    namespace: 'default',
    name: 'c',
    kind: 'regular',
    attempt: 0,
    image: 'never-pulled:1',
    env: [],
    tty: false,
    stdin: false,
    specHash: 'h',
    labels: {},
  });
  await rt.startContainer(id);
  assert.equal((await rt.inspect(id))?.startedAt, '2026-01-02T03:04:05.000Z');
  let ended = false;
  const follow = rt
    .logs(
      id,
      { follow: true, timestamps: false, tty: false },
      new PassThrough(),
      new AbortController().signal,
    )
    .then(() => {
      ended = true;
    });
  await new Promise((r) => setImmediate(r));
  assert.equal(ended, false, 'follow waits while the container runs');
  await rt.stopContainer(id, 30);
  await follow;
  assert.equal((await rt.inspect(id))?.exitCode, 143);
  assert.equal(await rt.version(), 'fake://0.1.0');
});

test('pulls always succeed and make the image present', async () => {
  const rt = new FakeRuntime({ node: 'n', ipPrefix: '10.250.9' });
  assert.equal(await rt.imageStatus('busybox:1.36'), undefined);
  const pulled = await rt.pullImage('busybox:1.36');
  assert.deepEqual(await rt.imageStatus('busybox:1.36'), pulled);
  assert.equal(pulled.sizeBytes, 0);
});

test('init containers complete at once with exit code 0', async () => {
  const rt = new FakeRuntime({ node: 'n', ipPrefix: '10.250.10' });
  const s = await rt.createSandbox(sandbox('p'));
  const id = await rt.createContainer(s.id, {
    podUid: 'p',
    podName: 'p',
    namespace: 'default',
    name: 'setup',
    kind: 'init',
    attempt: 0,
    image: 'i:1',
    env: [],
    tty: false,
    stdin: false,
    specHash: 'h',
    labels: {},
  });
  await rt.startContainer(id);
  const c = await rt.inspect(id);
  assert.equal(c?.state, 'exited');
  assert.equal(c.exitCode, 0);
  assert.equal(c.finishedAt, c.startedAt);
});
