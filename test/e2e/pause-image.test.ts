// The pause image works as a pod sandbox: it stays up, shares its network namespace, and stops
// promptly with exit code 0 on SIGTERM.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensurePauseImage } from '../../src/kubelet/runtime/pause-image.js';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { dockerOrSkip, TEST_LABEL } from '../support/docker.js';

test('a sandbox from the pause image holds the network for another container', async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;
  const pause = await ensurePauseImage(docker);
  assert.equal(await ensurePauseImage(docker), pause, 'reused when present');
  const busybox = await ensureBusyboxImage(docker);
  const sandbox = await docker.createContainer({
    Image: pause,
    Hostname: 'sandbox-test',
    HostConfig: { IpcMode: 'shareable' },
    Labels: { [TEST_LABEL]: 'pause' },
  });
  t.after(() => sandbox.remove({ force: true }));
  await sandbox.start();
  const app = await docker.createContainer({
    Image: busybox,
    Cmd: ['hostname'],
    HostConfig: { NetworkMode: `container:${sandbox.id}`, IpcMode: `container:${sandbox.id}` },
    Labels: { [TEST_LABEL]: 'pause' },
  });
  t.after(() => app.remove({ force: true }));
  await app.start();
  await app.wait();
  const logs = await app.logs({ stdout: true });
  assert.equal(logs.subarray(8).toString(), 'sandbox-test\n', 'the app sees the sandbox hostname');
  await sandbox.stop({ t: 30 });
  const info = await sandbox.inspect();
  // 0, not 137: pause handled SIGTERM itself instead of being killed after the timeout.
  assert.equal(info.State.ExitCode, 0, 'pause exits 0 on SIGTERM');
});
