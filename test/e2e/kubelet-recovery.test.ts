// The kubelet rebuilds its state from Docker: after the daemon is killed (-9) and started again
// it adopts the pod's running containers (same IDs, no restart), and a container removed behind
// its back comes back as a restart (restartCount + 1), as upstream's kubelet counts it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { dockerOrSkip } from '../support/docker.js';
import { e2eCluster, until } from '../support/e2e-cluster.js';

const c = e2eCluster('recovery');
const { kbox, kubectl } = c;

after(() => c.delete());

const pod = `apiVersion: v1
kind: Pod
metadata:
  name: sleeper
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: kbox.test/busybox:local
    command: ["sh", "-c", "exec sleep 3600"]
`;

test('containers are adopted after a daemon crash and recreated as restarts when removed', async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;
  await ensureBusyboxImage(docker);
  let r = await kbox(['cluster', 'start', '--name', c.name]);
  assert.equal(r.code, 0, r.stderr);
  r = await kubectl(['apply', '-f', '-'], pod);
  assert.equal(r.stdout, 'pod/sleeper created\n', r.stderr);
  r = await kubectl(['wait', '--for=condition=Ready', 'pod/sleeper', '--timeout=60s']);
  assert.equal(r.code, 0, r.stderr);

  const appContainers = async (): Promise<string[]> =>
    (
      await docker.listContainers({
        filters: JSON.stringify({
          label: [
            `io.kbox.cluster=${c.name}`,
            'io.kubernetes.pod.name=sleeper',
            'io.kubernetes.container.name=main',
          ],
        }),
      })
    ).map((x) => x.Id);
  const status = async (): Promise<string> =>
    (
      await kubectl([
        'get',
        'pod',
        'sleeper',
        '-o',
        'jsonpath={.status.phase} {.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].containerID}',
      ])
    ).stdout;
  const [first] = await appContainers();
  assert.ok(first);
  assert.equal(await status(), `Running 0 docker://${first}`);

  // kill -9: nothing is stopped; the next start finds the containers running and keeps them.
  const pid = Number(readFileSync(join(c.env.KBOX_HOME ?? '', c.name, 'daemon.pid'), 'utf8'));
  process.kill(pid, 'SIGKILL');
  await until(
    'the daemon to die',
    async () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    },
    (dead) => dead,
    10_000,
  );
  r = await kbox(['cluster', 'start', '--name', c.name]);
  assert.equal(r.code, 0, r.stderr);
  await kubectl(['wait', '--for=condition=Ready', 'pod/sleeper', '--timeout=60s']);
  assert.deepEqual(await appContainers(), [first]);
  assert.equal(await status(), `Running 0 docker://${first}`);

  // Removed behind kbox's back: a new container, counted as a restart.
  await docker.getContainer(first).remove({ force: true });
  const after = await until(
    'the container to come back as a restart',
    status,
    (s) => s.startsWith('Running 1 docker://'),
    60_000,
  );
  const [second] = await appContainers();
  assert.ok(second && second !== first);
  assert.equal(after, `Running 1 docker://${second}`);
  r = await kubectl([
    'get',
    'pod',
    'sleeper',
    '--no-headers',
    '-o',
    'custom-columns=R:.status.containerStatuses[0].restartCount',
  ]);
  assert.equal(r.stdout, '1\n');
});
