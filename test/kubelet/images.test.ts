// The kubelet's image manager: pull policies, upstream's event reasons and messages, and the
// per-pod, per-image pull backoff (10 s doubling to 300 s), on the fake runtime and a fake clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goDuration, ImagePuller } from '../../src/kubelet/images.js';
import { FakeRuntime } from '../../src/kubelet/runtime/fake.js';
import { ImageError, type ImageInfo } from '../../src/kubelet/runtime/interface.js';

/** A fake node whose registry is out of reach for some images, and slow for the others. */
class RegistryRuntime extends FakeRuntime {
  pulls = 0;
  constructor(
    private readonly clock: { now: number },
    private readonly unreachable: Set<string>,
  ) {
    super({ node: 'n', ipPrefix: '10.250.1' });
  }
  override async pullImage(image: string): Promise<ImageInfo> {
    this.pulls += 1;
    if (this.unreachable.has(image)) throw new Error('dial tcp: lookup kbox.invalid: no such host');
    this.clock.now += 1234;
    const info = await super.pullImage(image);
    return { ...info, sizeBytes: 4_321 };
  }
}

function setup(unreachable: string[] = []) {
  const clock = { now: 1_000_000 };
  const rt = new RegistryRuntime(clock, new Set(unreachable));
  const puller = new ImagePuller(rt, () => clock.now);
  const events: string[] = [];
  const record = (type: string, reason: string, message: string): Promise<void> => {
    events.push(`${type} ${reason} ${message}`);
    return Promise.resolve();
  };
  return { clock, rt, puller, events, record };
}

async function rejectsWith(p: Promise<unknown>, reason: string, message: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ImageError);
    assert.equal(err.reason, reason);
    assert.equal(err.message, message);
    return true;
  });
}

test('IfNotPresent pulls once, then finds the image present', async () => {
  const { rt, puller, events, record } = setup();
  await puller.ensure('u1', 'busybox:1.36', 'IfNotPresent', record);
  await puller.ensure('u1', 'busybox:1.36', 'IfNotPresent', record);
  assert.equal(rt.pulls, 1);
  assert.deepEqual(events, [
    'Normal Pulling Pulling image "busybox:1.36"',
    'Normal Pulled Successfully pulled image "busybox:1.36" in 1.234s (1.234s including waiting). Image size: 4321 bytes.',
    'Normal Pulled Container image "busybox:1.36" already present on machine',
  ]);
});

test('Always pulls every time; Never refuses a missing image', async () => {
  const { rt, puller, events, record } = setup();
  await puller.ensure('u1', 'app:latest', 'Always', record);
  await puller.ensure('u1', 'app:latest', 'Always', record);
  assert.equal(rt.pulls, 2);
  events.length = 0;
  await rejectsWith(
    puller.ensure('u1', 'missing:1', 'Never', record),
    'ErrImageNeverPull',
    'Container image "missing:1" is not present with pull policy of Never',
  );
  await puller.ensure('u1', 'app:latest', 'Never', record);
  assert.deepEqual(events, [
    'Warning ErrImageNeverPull Container image "missing:1" is not present with pull policy of Never',
    'Normal Pulled Container image "app:latest" already present on machine',
  ]);
  assert.equal(rt.pulls, 2);
});

test('a failed pull backs off 10 s, doubling to 300 s, per pod and image', async () => {
  const img = 'kbox.invalid/nope:1';
  const { clock, rt, puller, events, record } = setup([img]);
  const pullErr = 'dial tcp: lookup kbox.invalid: no such host';
  await rejectsWith(puller.ensure('u1', img, 'IfNotPresent', record), 'ErrImagePull', pullErr);
  assert.deepEqual(events, [
    `Normal Pulling Pulling image "${img}"`,
    `Warning Failed Failed to pull image "${img}": ${pullErr}`,
  ]);
  assert.equal(puller.backoffRemaining('u1', img), 10_000);
  assert.equal(puller.backoffRemaining('u2', img), 0, 'another pod has its own backoff');

  events.length = 0;
  clock.now += 9_999;
  await rejectsWith(
    puller.ensure('u1', img, 'IfNotPresent', record),
    'ImagePullBackOff',
    `Back-off pulling image "${img}"`,
  );
  assert.deepEqual(events, [`Normal BackOff Back-off pulling image "${img}"`]);
  assert.equal(rt.pulls, 1);

  const delays: number[] = [];
  for (let i = 0; i < 7; i++) {
    clock.now += puller.backoffRemaining('u1', img);
    await rejectsWith(puller.ensure('u1', img, 'IfNotPresent', record), 'ErrImagePull', pullErr);
    delays.push(puller.backoffRemaining('u1', img));
  }
  assert.deepEqual(delays, [20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);

  // Idle for more than twice the maximum: back to the first step.
  clock.now += 600_001;
  await rejectsWith(puller.ensure('u1', img, 'IfNotPresent', record), 'ErrImagePull', pullErr);
  assert.equal(puller.backoffRemaining('u1', img), 10_000);
  puller.forgetPod('u1');
  assert.equal(puller.backoffRemaining('u1', img), 0);
});

test('Always with a present image and no registry runs the local image', async () => {
  const { rt, puller, events, record } = setup(['local:latest']);
  await FakeRuntime.prototype.pullImage.call(rt, 'local:latest');
  await puller.ensure('u1', 'local:latest', 'Always', record);
  assert.deepEqual(events, [
    'Normal Pulling Pulling image "local:latest"',
    'Normal Pulled Container image "local:latest" already present on machine',
  ]);
});

test('durations print as Go prints a time.Duration truncated to milliseconds', () => {
  assert.deepEqual(
    [0, 7, 999, 1000, 1200, 1234, 59_999, 61_500, 3_600_000, 3_723_004].map(goDuration),
    ['0s', '7ms', '999ms', '1s', '1.2s', '1.234s', '59.999s', '1m1.5s', '1h0m0s', '1h2m3.004s'],
  );
});
