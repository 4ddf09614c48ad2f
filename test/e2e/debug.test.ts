// `kubectl debug` against kbox on Docker, as against a real cluster: an ephemeral container
// joins the running pod (its network, and with --target the target's processes), kubectl
// attaches to it, its logs stay readable, it ends terminated and is never restarted; and
// `--copy-to` makes a copy of the pod with the debug container added.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { KUBECTL } from '../support/apiserver.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../support/busybox-image.js';
import { dockerOrSkip } from '../support/docker.js';
import { e2eCluster, until } from '../support/e2e-cluster.js';

const c = e2eCluster('debug');
const { kbox, kubectl } = c;

after(() => c.delete());

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: main
    image: ${BUSYBOX_IMAGE}
    command: ["sh", "-c", "echo main up; exec sleep 3600"]
`;

const TARGETING =
  'Targeting container "main". If you don\'t see processes from this container it may be because the container runtime doesn\'t support this feature.\n';

test('kubectl debug: an ephemeral container in the pod, attached, with the target process', async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;
  await ensureBusyboxImage(docker);
  let r = await kbox(['cluster', 'start', '--name', c.name]);
  assert.equal(r.code, 0, r.stderr);
  r = await kubectl(['apply', '-f', '-'], POD);
  assert.equal(r.code, 0, r.stderr);
  r = await kubectl(['wait', '--for=condition=Ready', 'pod/app', '--timeout=90s']);
  assert.equal(r.code, 0, `${r.stderr}\n${await c.diagnose('pod/app')}`);

  await t.test('--attach: the output of a container that shares the target PIDs', async () => {
    // The sleep gives kubectl time to attach before the output (attach streams what follows).
    r = await kubectl([
      'debug',
      'app',
      `--image=${BUSYBOX_IMAGE}`,
      '-c',
      'dbg',
      '--target=main',
      '--attach',
      '--',
      'sh',
      '-c',
      'sleep 3; ps -o pid,args; echo hi',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith(TARGETING), r.stdout);
    const lines = r.stdout.slice(TARGETING.length).trimEnd().split('\n');
    // The target's process is PID 1 of the shared namespace; then the debug shell's own.
    assert.match(lines[0] ?? '', /^PID\s+COMMAND$/);
    assert.match(lines[1] ?? '', /^\s*1 sleep 3600$/);
    assert.ok(lines.some((l) => /^\s*\d+ sh -c sleep 3; ps -o pid,args; echo hi$/.test(l)));
    assert.equal(lines.at(-1), 'hi');

    const ended = await until(
      'the ephemeral container terminated',
      () => kubectl(['get', 'pod', 'app', '-o', 'jsonpath={.status.ephemeralContainerStatuses}']),
      (x) => x.stdout.includes('"terminated"'),
    );
    const statuses = JSON.parse(ended.stdout) as Array<{
      name: string;
      ready: boolean;
      restartCount: number;
      state: { terminated?: { exitCode: number; reason: string } };
    }>;
    assert.deepEqual(
      statuses.map((s) => [s.name, s.ready, s.restartCount, s.state.terminated?.exitCode]),
      [['dbg', false, 0, 0]],
    );
    assert.equal(statuses[0]?.state.terminated?.reason, 'Completed');

    r = await kubectl(['logs', 'app', '-c', 'dbg']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trimEnd().split('\n').at(-1), 'hi');
    assert.match(r.stdout, /\n\s*1 sleep 3600\n/);

    r = await kubectl(['get', 'pod', 'app', '-o', 'jsonpath={.spec.ephemeralContainers[0]}']);
    assert.deepEqual(JSON.parse(r.stdout), {
      name: 'dbg',
      image: BUSYBOX_IMAGE,
      command: ['sh', '-c', 'sleep 3; ps -o pid,args; echo hi'],
      resources: {},
      targetContainerName: 'main',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'IfNotPresent',
    });
    // Never restarted; the pod and its main container run on.
    r = await kubectl([
      'get',
      'pod',
      'app',
      '-o',
      'jsonpath={.status.phase} {.status.containerStatuses[0].restartCount} {.status.ephemeralContainerStatuses[0].restartCount}',
    ]);
    assert.equal(r.stdout, 'Running 0 0');
  });

  await t.test(
    '-i: piped stdin reaches the debug shell; without --target, PIDs of its own',
    async () => {
      // No stdinOnce (kubectl debug sets none): when kubectl's stdin ends, the runtime detaches
      // its output as containerd does, so what the shell did is read from its logs.
      r = await kubectl(
        [
          'debug',
          '-i',
          'app',
          `--image=${BUSYBOX_IMAGE}`,
          '-c',
          'dbg2',
          '--',
          'sh',
          '-c',
          'read x; echo got $x; ps -o args',
        ],
        'hello\n',
      );
      assert.equal(r.code, 0, r.stderr);
      await until(
        'dbg2 terminated',
        () =>
          kubectl([
            'get',
            'pod',
            'app',
            '-o',
            'jsonpath={.status.ephemeralContainerStatuses[?(@.name=="dbg2")].state.terminated.exitCode}',
          ]),
        (x) => x.stdout === '0',
      );
      r = await kubectl(['logs', 'app', '-c', 'dbg2']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.trimEnd().split('\n'), [
        'got hello',
        'COMMAND',
        // Alone in its PID namespace: the shell exec'd its last command.
        '{ps} sh -c read x; echo got $x; ps -o args',
      ]);
    },
  );

  await t.test('-it: a terminal of the client size; the exit code in the status', async (tt) => {
    const probe = await c.run('script', ['--version']);
    if (probe.code !== 0) {
      tt.skip('script(1) is not installed');
      return;
    }
    // The command waits long enough for the session to be up and the terminal resized.
    const cmd = `stty cols 123 rows 45; ${KUBECTL} --cache-dir ${join(c.root, 'kcache')} debug -it app --image=${BUSYBOX_IMAGE} -c tty --target=main -- sh -c 'sleep 4; stty size; tty; exit 4'`;
    r = await c.run('script', ['-qec', cmd, '/dev/null']);
    // As upstream: attach ends with Success whatever the exit code (kubectl run looks the code up
    // in the pod's status; kubectl debug does not), then kubectl's reattach hint.
    assert.equal(r.code, 0, JSON.stringify(r));
    assert.match(
      r.stdout,
      /45 123\r\n\/dev\/pts\/\d+\r\nSession ended, the ephemeral container will not be restarted but may be reattached using 'kubectl attach app -c tty -i -t' if it is still running\r\n$/,
    );
    r = await kubectl([
      'get',
      'pod',
      'app',
      '-o',
      'jsonpath={.status.ephemeralContainerStatuses[?(@.name=="tty")].state.terminated.exitCode} {.spec.ephemeralContainers[?(@.name=="tty")].tty}',
    ]);
    assert.equal(r.stdout, '4 true');
  });

  await t.test('--copy-to: a copy of the pod with the debug container', async () => {
    r = await kubectl([
      'debug',
      'app',
      `--image=${BUSYBOX_IMAGE}`,
      '--copy-to=app-copy',
      '-c',
      'dbg',
      '--',
      'sh',
      '-c',
      'echo copied; sleep 3600',
    ]);
    assert.equal(r.code, 0, r.stderr);
    r = await kubectl(['wait', '--for=condition=Ready', 'pod/app-copy', '--timeout=90s']);
    assert.equal(r.code, 0, `${r.stderr}\n${await c.diagnose('pod/app-copy')}`);
    r = await kubectl([
      'get',
      'pod',
      'app-copy',
      '-o',
      'jsonpath={.spec.containers[*].name} {.spec.ephemeralContainers}',
    ]);
    assert.equal(r.stdout, 'main dbg ');
    r = await kubectl(['logs', 'app-copy', '-c', 'dbg']);
    assert.equal(r.stdout, 'copied\n');
  });

  await t.test('deleting the pod removes its ephemeral containers', async () => {
    r = await kubectl(['delete', 'pod', 'app', 'app-copy', '--grace-period=1']);
    assert.equal(r.code, 0, r.stderr);
    const left = await docker.listContainers({
      all: true,
      filters: JSON.stringify({
        label: [`io.kbox.cluster=${c.name}`, 'io.kbox.container.kind=ephemeral'],
      }),
    });
    assert.deepEqual(left, []);
  });
});
