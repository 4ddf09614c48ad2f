// `run -i/-t --rm` and `attach` with the real kubectl and with kbox against one cluster on
// Docker: the same commands must give the same stdout, stderr and exit code. Piped stdin must
// reach the container and its output come back after stdin ends (stdinOnce), --rm deletes the
// pod, a failed container's exit code is returned, -it gets a terminal of the client's size.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KUBECTL } from '../support/apiserver.js';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { dockerOrSkip } from '../support/docker.js';
import { e2eCluster, until, type ProcessResult } from '../support/e2e-cluster.js';

const c = e2eCluster('run');
const { root, env, run, kbox, kubectl } = c;
const IMAGE = 'kbox.test/busybox:local';
const RUN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));

after(() => c.delete());

async function gone(pod: string): Promise<void> {
  await until(
    `pod ${pod} to be deleted`,
    () => kubectl(['get', 'pod', pod]),
    (r) => r.code === 1 && r.stderr.includes('NotFound'),
  );
}

/** Runs `args` with kubectl, then (once its pod is gone) with kbox; both results. */
async function both(
  args: string[],
  stdin: string,
  pod: string,
): Promise<{ theirs: ProcessResult; mine: ProcessResult }> {
  const theirs = await kubectl(args, stdin);
  await gone(pod);
  const mine = await kbox(args, stdin);
  await gone(pod);
  return { theirs, mine };
}

/** Starts a command that attaches; resolves with what it printed once it exits. */
function attachProcess(cmd: string, args: string[], stdin?: string): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('exit', (code) => resolve({ stdout, stderr, code: code ?? -1 }));
    child.stdin.on('error', () => undefined);
    if (stdin === undefined) return;
    // Typed after the session is up: stdinOnce closes the process's stdin when it ends.
    setTimeout(() => child.stdin.end(stdin), 1500);
  });
}

test('kbox run -i/-t --rm and kbox attach behave as kubectl', async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;
  await ensureBusyboxImage(docker);
  const r = await kbox(['cluster', 'start', '--name', c.name]);
  assert.equal(r.code, 0, r.stderr);

  await t.test('piped stdin with --rm: the output after stdin ends, the pod gone', async () => {
    const args = ['run', '-i', '--rm', 'cat', '--image', IMAGE, '--restart', 'Never', '--', 'cat'];
    const { theirs, mine } = await both(args, 'hi\n', 'cat');
    assert.deepEqual(theirs, {
      stdout: 'hi\npod "cat" deleted\n',
      stderr: "If you don't see a command prompt, try pressing enter.\n",
      code: 0,
    });
    assert.deepEqual(mine, theirs);
    const quiet = await both(['run', '-q', ...args.slice(1)], 'one\ntwo\n', 'cat');
    assert.deepEqual(quiet.theirs, { stdout: 'one\ntwo\n', stderr: '', code: 0 });
    assert.deepEqual(quiet.mine, quiet.theirs);
  });

  await t.test("a failed container: its exit code and kubectl's message", async () => {
    const args = [
      'run',
      '-i',
      '--rm',
      'fails',
      '--image',
      IMAGE,
      '--restart',
      'Never',
      '--command',
      '--',
      'sh',
      '-c',
      'read x; echo got $x; echo oops >&2; exit 3',
    ];
    const { theirs, mine } = await both(args, 'hi\n', 'fails');
    assert.deepEqual(theirs, {
      stdout: 'got hi\npod "fails" deleted\n',
      stderr:
        "If you don't see a command prompt, try pressing enter.\noops\npod default/fails terminated (Error)\n",
      code: 3,
    });
    assert.deepEqual(mine, theirs);
  });

  await t.test('-it: a terminal of the client size, the exit code', async (tt) => {
    const probe = await run('script', ['--version']);
    if (probe.code !== 0) {
      tt.skip('script(1) is not installed');
      return;
    }
    // The command waits long enough for the session to be up and the terminal resized.
    const tail = `run -it --rm tty --image ${IMAGE} --restart Never -- sh -c 'sleep 2; stty size; tty; exit 4'`;
    const inner = (cli: string): string => `stty cols 123 rows 45; ${cli} ${tail}`;
    const theirs = await run('script', [
      '-qec',
      inner(`${KUBECTL} --cache-dir ${join(root, 'kcache')}`),
      '/dev/null',
    ]);
    await gone('tty');
    const mine = await run('script', ['-qec', inner(`${process.execPath} ${RUN}`), '/dev/null']);
    await gone('tty');
    assert.equal(theirs.code, 4, theirs.stdout + theirs.stderr);
    assert.match(theirs.stdout, /45 123\r\n\/dev\/pts\/\d+\r\npod "tty" deleted\r\n/);
    assert.deepEqual(mine, theirs);
  });

  await t.test('attach: to a running pod, with and without stdin', async () => {
    const pods = (name: string, extra: string): string => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: ${IMAGE}
${extra}`;
    const once = (name: string): string =>
      pods(
        name,
        `    command: ["sh", "-c", "while read l; do echo got:$l; echo err:$l >&2; done; echo bye"]
    stdin: true
    stdinOnce: true
`,
      );
    let e = await kubectl(
      ['apply', '-f', '-'],
      [
        pods('later', `    command: ["sh", "-c", "sleep 4; echo done; echo err >&2"]\n`),
        once('once-k'),
        once('once-b'),
      ].join('---\n'),
    );
    assert.equal(e.code, 0, e.stderr);
    e = await kubectl([
      'wait',
      '--for=condition=Ready',
      'pod/later',
      'pod/once-k',
      'pod/once-b',
      '--timeout=60s',
    ]);
    if (e.code !== 0) assert.fail(`${e.stderr}\n${await c.diagnose()}`);
    const kc = ['--cache-dir', join(root, 'kcache')];
    // Both attached at once to a process that prints later and exits.
    const [theirs, mine] = await Promise.all([
      attachProcess(KUBECTL, [...kc, 'attach', 'later']),
      attachProcess(process.execPath, [RUN, 'attach', 'later']),
    ]);
    assert.deepEqual(theirs, {
      stdout: 'done\n',
      stderr: "If you don't see a command prompt, try pressing enter.\nerr\n",
      code: 0,
    });
    assert.deepEqual(mine, theirs);
    // -i on a stdinOnce container: stdin ends, the process reads to its end and says bye.
    const [onceTheirs, onceMine] = await Promise.all([
      attachProcess(KUBECTL, [...kc, 'attach', '-i', '-q', 'once-k'], 'x\ny\n'),
      attachProcess(process.execPath, [RUN, 'attach', '-i', '-q', 'once-b'], 'x\ny\n'),
    ]);
    assert.deepEqual(onceTheirs, {
      stdout: 'got:x\ngot:y\nbye\n',
      stderr: 'err:x\nerr:y\n',
      code: 0,
    });
    assert.deepEqual(onceMine, onceTheirs);
    // Errors: a completed pod, a missing container.
    for (const args of [
      ['attach', 'later'],
      ['attach', 'once-k', '-c', 'nope'],
      ['attach', 'nosuch'],
    ]) {
      assert.deepEqual(await kbox(args), await kubectl(args), args.join(' '));
    }
  });
});
