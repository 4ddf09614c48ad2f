// The streaming pod subresources with the real kubectl: exec (output, exit codes, stdin, errors,
// no exec left behind a client that goes away), attach, and port-forward to a pod, a Service
// and a Deployment, including a port nothing listens on.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { get } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { KUBECTL } from '../support/apiserver.js';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { dockerOrSkip } from '../support/docker.js';
import { e2eCluster } from '../support/e2e-cluster.js';

const c = e2eCluster('exec');
const { root, env, run, kbox, kubectl } = c;
const cluster = c.name;

after(() => c.delete());

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function httpGet(port: number, path: string): Promise<{ code: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, timeout: 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
  });
}

/** Runs `kubectl port-forward`, waits until it listens, and returns a way to stop it. */
async function portForward(
  target: string,
  remote: number,
): Promise<{
  port: number;
  /** Waits up to `graceMs` for kubectl to exit by itself, then stops it. */
  stop(graceMs?: number): Promise<{ stderr: string; code: number | null }>;
}> {
  const port = await freePort();
  const child = spawn(
    KUBECTL,
    [
      '--cache-dir',
      join(root, 'kcache'),
      'port-forward',
      '--address',
      '127.0.0.1',
      target,
      `${port}:${remote}`,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  for (let i = 0; i < 200 && !stdout.includes('Forwarding from'); i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(stdout, new RegExp(`Forwarding from 127.0.0.1:${port} -> ${remote}`), stderr);
  return {
    port,
    stop: async (graceMs = 0) => {
      for (let i = 0; i * 50 < graceMs && child.exitCode === null; i++) {
        await new Promise((res) => setTimeout(res, 50));
      }
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      return { stderr, code };
    },
  };
}

test('kubectl exec, attach and port-forward against pods on Docker', async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;
  await ensureBusyboxImage(docker);
  let r = await kbox(['cluster', 'start', '--name', cluster]);
  assert.equal(r.code, 0, r.stderr);

  r = await kubectl(
    ['apply', '-f', '-'],
    `apiVersion: v1
kind: Pod
metadata:
  name: box
  labels: {app: box}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: kbox.test/busybox:local
    command: ["sh", "-c", "mkdir -p /www && echo hello-from-box > /www/index.html && exec httpd -f -p 8080 -h /www"]
  - name: finished
    image: kbox.test/busybox:local
    command: ["true"]
---
apiVersion: v1
kind: Pod
metadata:
  name: reader
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: reader
    image: kbox.test/busybox:local
    command: ["sh", "-c", "echo started; while read l; do echo got:$l; done"]
    stdin: true
---
apiVersion: v1
kind: Service
metadata:
  name: box
spec:
  selector: {app: box}
  ports:
  - {port: 80, targetPort: 8080}
`,
  );
  assert.equal(r.code, 0, r.stderr);
  r = await kubectl([
    'wait',
    '--for=jsonpath={.status.containerStatuses[?(@.name=="finished")].state.terminated.reason}=Completed',
    'pod/box',
    '--timeout=90s',
  ]);
  if (r.code !== 0) assert.fail(`${r.stderr}\n${await c.diagnose('pod/box')}`);
  r = await kubectl(['wait', '--for=condition=Ready', 'pod/reader', '--timeout=90s']);
  if (r.code !== 0) assert.fail(`${r.stderr}\n${await c.diagnose('pod/reader')}`);

  await t.test('exec: stdout, stderr and the exit code', async () => {
    let e = await kubectl(['exec', 'box', '-c', 'web', '--', 'echo', 'hi']);
    assert.deepEqual(e, { stdout: 'hi\n', stderr: '', code: 0 });
    e = await kubectl([
      'exec',
      'box',
      '-c',
      'web',
      '--',
      'sh',
      '-c',
      'echo out; echo err >&2; exit 3',
    ]);
    assert.equal(e.code, 3);
    assert.equal(e.stdout, 'out\n');
    assert.equal(e.stderr, 'err\ncommand terminated with exit code 3\n');
    // Without -c, kubectl picks the first container and says so.
    e = await kubectl(['exec', 'box', '--', 'cat', '/www/index.html']);
    assert.equal(e.stdout, 'hello-from-box\n');
    assert.match(e.stderr, /Defaulted container "web" out of: web, finished/);
  });

  await t.test(
    'exec -i: stdin reaches the command, and its end closes the command stdin',
    async () => {
      let e = await kubectl(
        ['exec', '-i', 'box', '-c', 'web', '--', 'cat'],
        'line one\nline two\n',
      );
      assert.deepEqual(e, { stdout: 'line one\nline two\n', stderr: '', code: 0 });
      // More than any window or buffer on the way: 3 MB in, its checksum out.
      const big = Buffer.alloc(3 * 1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
      e = await kubectl(['exec', '-i', 'box', '-c', 'web', '--', 'wc', '-c'], big);
      assert.equal(e.stdout.trim(), String(big.length), e.stderr);
    },
  );

  await t.test(
    'exec -it: a terminal of the client size, resized, with the exit code',
    async (tt) => {
      // script(1) gives kubectl a terminal, as a user's shell would.
      const probe = await run('script', ['--version']);
      if (probe.code !== 0) {
        tt.skip('script(1) is not installed');
        return;
      }
      const inner =
        `stty cols 123 rows 45; ${KUBECTL} --cache-dir ${join(root, 'kcache')} exec -it box -c web -- ` +
        `sh -c 'sleep 0.5; stty size; tty; exit 5'`;
      const e = await run('script', ['-qec', inner, '/dev/null']);
      assert.equal(e.code, 5, e.stdout + e.stderr);
      assert.match(e.stdout, /45 123\r\n\/dev\/pts\/\d+\r\n/);
      assert.match(e.stdout, /command terminated with exit code 5/);
    },
  );

  await t.test('kbox exec: the same output, exit codes and errors as kubectl', async () => {
    const cases: Array<[string[], string | undefined]> = [
      [['exec', 'box', '-c', 'web', '--', 'echo', 'hi'], undefined],
      [['exec', 'pod/box', '-c', 'web', '--', 'echo', 'hi'], undefined],
      [['exec', 'box', '-c', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], undefined],
      [['exec', 'box', '--', 'cat', '/www/index.html'], undefined],
      [['exec', '-i', 'box', '-c', 'web', '--', 'cat'], 'line one\nline two\n'],
      [['exec', 'nosuch', '--', 'true'], undefined],
      [['exec', 'box', '-c', 'finished', '--', 'true'], undefined],
    ];
    for (const [args, stdin] of cases) {
      const theirs = await kubectl(args, stdin);
      const mine = await kbox(args, stdin);
      assert.deepEqual(mine, theirs, `kbox ${args.join(' ')}`);
    }
  });

  await t.test('exec errors: a missing pod, a container that is not running', async () => {
    let e = await kubectl(['exec', 'nosuch', '--', 'true']);
    assert.equal(e.code, 1);
    assert.equal(e.stderr, 'Error from server (NotFound): pods "nosuch" not found\n');
    e = await kubectl(['exec', 'box', '-c', 'finished', '--', 'true']);
    assert.equal(e.code, 1);
    assert.equal(
      e.stderr,
      'Error from server (BadRequest): unable to upgrade connection: container not found ("finished")\n',
    );
    e = await kubectl(['exec', 'box', '-c', 'nope', '--', 'true']);
    assert.equal(e.code, 1);
    assert.match(e.stderr, /container nope is not valid for pod box/);
  });

  await t.test('exec: a client that goes away takes its command with it', async () => {
    const child = spawn(
      KUBECTL,
      ['--cache-dir', join(root, 'kcache'), 'exec', 'box', '-c', 'web', '--', 'sleep', '311'],
      { env, stdio: 'ignore' },
    );
    const running = async (): Promise<boolean> =>
      (await kubectl(['exec', 'box', '-c', 'web', '--', 'ps'])).stdout.includes('sleep 311');
    let seen = false;
    for (let i = 0; i < 50 && !seen; i++) {
      seen = await running();
      if (!seen) await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(seen, 'the exec never started');
    child.kill('SIGKILL');
    let gone = false;
    for (let i = 0; i < 50 && !gone; i++) {
      gone = !(await running());
      if (!gone) await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(gone, 'the exec outlived its client');
  });

  await t.test('attach -i: stdin goes to the main process, its output comes back', async () => {
    // As a user types: a line, its answer, the next line.
    const child = spawn(KUBECTL, ['--cache-dir', join(root, 'kcache'), 'attach', '-i', 'reader'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    const waitFor = async (text: string): Promise<void> => {
      for (let i = 0; i < 200 && !out.includes(text); i++) {
        await new Promise((res) => setTimeout(res, 50));
      }
      assert.ok(out.includes(text), `no ${JSON.stringify(text)} in ${JSON.stringify(out)}`);
    };
    await new Promise((res) => setTimeout(res, 1000));
    child.stdin.write('one\n');
    await waitFor('got:one\n');
    child.stdin.write('two\n');
    await waitFor('got:two\n');
    child.stdin.end();
    assert.equal(await exited, 0);
    assert.equal(out, 'got:one\ngot:two\n');
    const logs = await kubectl(['logs', 'reader']);
    assert.equal(logs.stdout, 'started\ngot:one\ngot:two\n');
  });

  await t.test('port-forward: pod, service and a port nothing listens on', async () => {
    let pf = await portForward('pod/box', 8080);
    let res = await httpGet(pf.port, '/');
    assert.deepEqual([res.code, res.body.toString()], [200, 'hello-from-box\n']);
    // A body well past SPDY's 64 KiB initial window (kubectl never sends WINDOW_UPDATE).
    r = await kubectl([
      'exec',
      'box',
      '-c',
      'web',
      '--',
      'sh',
      '-c',
      'head -c 2000000 /dev/urandom > /www/big && md5sum /www/big',
    ]);
    const md5 = r.stdout.split(' ')[0] ?? '';
    res = await httpGet(pf.port, '/big');
    assert.equal(res.body.length, 2_000_000);
    assert.equal(createHash('md5').update(res.body).digest('hex'), md5);
    let stopped = await pf.stop();
    assert.doesNotMatch(stopped.stderr, /error/i);

    pf = await portForward('svc/box', 80);
    res = await httpGet(pf.port, '/');
    assert.equal(res.body.toString(), 'hello-from-box\n');
    await pf.stop();

    pf = await portForward('pod/box', 9999);
    await httpGet(pf.port, '/').catch(() => undefined);
    // kubectl gives up on the whole forward after an error, and exits 1.
    stopped = await pf.stop(10_000);
    assert.match(
      stopped.stderr,
      /an error occurred forwarding \d+ -> 9999: error forwarding port 9999 to pod default\/box, uid [0-9a-f-]+: failed to connect to [\d.]+:9999: connect ECONNREFUSED/,
    );
    assert.match(stopped.stderr, /error: lost connection to pod/);
    assert.equal(stopped.code, 1);
  });
});
