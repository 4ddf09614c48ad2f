// Proves the Docker path: the offline busybox image runs as a real container through dockerode.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { dockerOrSkip, TEST_LABEL } from '../support/docker.js';

test('the offline busybox image runs a container whose output we read back', async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;
  const image = await ensureBusyboxImage(docker);
  const container = await docker.createContainer({
    Image: image,
    Cmd: ['sh', '-c', 'echo "hello from $(uname -s)"; ls /bin | grep -c . >&2; exit 3'],
    Labels: { [TEST_LABEL]: 'docker-image' },
  });
  t.after(() => container.remove({ force: true }));
  await container.start();
  const exit = (await container.wait()) as { StatusCode: number };
  assert.equal(exit.StatusCode, 3);
  const logs = await container.logs({ stdout: true, stderr: false });
  // Non-TTY logs are multiplexed frames: 8-byte header [stream,0,0,0,len32be] then payload.
  assert.equal(logs[0], 1, 'first frame is stdout');
  assert.equal(logs.subarray(8, 8 + logs.readUInt32BE(4)).toString(), 'hello from Linux\n');
  const errLogs = await container.logs({ stdout: false, stderr: true });
  const appletCount = Number(errLogs.subarray(8, 8 + errLogs.readUInt32BE(4)).toString());
  assert.ok(appletCount > 100, `expected the applet links in /bin, found ${appletCount} entries`);
});
