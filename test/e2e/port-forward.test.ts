// kbox port-forward against a real cluster on Docker: a pod, its Service (port translated to the
// container's named port) and its Deployment, a few MB through the tunnel byte for byte, the
// lines kubectl prints, and the failure kubectl reports when nothing listens on the pod's port.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { get } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { dockerOrSkip } from '../support/docker.js';
import { e2eCluster } from '../support/e2e-cluster.js';

const RUN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));
const c = e2eCluster('pf');
after(() => c.delete());

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function httpGet(port: number, path: string): Promise<{ code: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
  });
}

interface Forward {
  stdout(): string;
  /** Stops it with SIGINT unless it exits by itself within graceMs. */
  stop(graceMs?: number): Promise<{ stdout: string; stderr: string; code: number | null }>;
}

/** Starts `kbox port-forward ARGS` and waits for its first `Forwarding from` line. */
async function kboxForward(args: string[]): Promise<Forward> {
  const child = spawn(process.execPath, [RUN, 'port-forward', ...args], {
    env: c.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  for (let i = 0; i < 600 && !stdout.includes('Forwarding from'); i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(stdout, /Forwarding from/, `kbox port-forward ${args.join(' ')}: ${stderr}`);
  return {
    stdout: () => stdout,
    stop: async (graceMs = 0) => {
      for (let i = 0; i * 50 < graceMs && child.exitCode === null; i++)
        await new Promise((r) => setTimeout(r, 50));
      if (child.exitCode === null) child.kill('SIGINT');
      const code = await exited;
      return { stdout, stderr, code };
    },
  };
}

test('kbox port-forward: pod, service, deployment, MBs intact, kubectl lines', async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;
  await ensureBusyboxImage(docker);
  let r = await c.kbox(['cluster', 'start', '--name', c.name]);
  assert.equal(r.code, 0, r.stderr);
  r = await c.kubectl(
    ['apply', '-f', '-'],
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: kbox.test/busybox:local
        command: ["sh", "-c", "mkdir -p /www && echo hello-from-web > /www/index.html && exec httpd -f -p 8080 -h /www"]
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - {name: front, port: 80, targetPort: http}
`,
  );
  assert.equal(r.code, 0, r.stderr);
  r = await c.kubectl(['rollout', 'status', 'deploy/web', '--timeout=120s']);
  assert.equal(r.code, 0, r.stderr);
  r = await c.kubectl(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}']);
  const pod = r.stdout;
  assert.match(pod, /^web-/);
  r = await c.kubectl([
    'exec',
    'deploy/web',
    '--',
    'sh',
    '-c',
    'head -c 3000000 /dev/urandom > /www/big && md5sum /www/big',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const md5 = r.stdout.split(' ')[0] ?? '';

  await t.test('pod: two connections, 3 MB each intact, one line per connection', async () => {
    const port = await freePort();
    const pf = await kboxForward(['--address', '127.0.0.1', `pod/${pod}`, `${port}:8080`]);
    const started = Date.now();
    for (let i = 0; i < 2; i++) {
      const res = await httpGet(port, '/big');
      assert.equal(res.code, 200);
      assert.equal(res.body.length, 3_000_000);
      assert.equal(createHash('md5').update(res.body).digest('hex'), md5);
    }
    const ms = Date.now() - started;
    t.diagnostic(`6 MB through kbox port-forward in ${ms} ms`);
    const done = await pf.stop();
    assert.equal(done.code, 0, done.stderr);
    assert.equal(
      done.stdout,
      `Forwarding from 127.0.0.1:${port} -> 8080\nHandling connection for ${port}\nHandling connection for ${port}\n`,
    );
    assert.equal(done.stderr, '');
  });

  await t.test('svc (named target port) and deploy, a free local port, localhost', async () => {
    let pf = await kboxForward(['svc/web', ':front']);
    let m = /^Forwarding from 127\.0\.0\.1:(\d+) -> 8080\n/.exec(pf.stdout());
    assert.ok(m, pf.stdout());
    let res = await httpGet(Number(m[1]), '/');
    assert.equal(res.body.toString(), 'hello-from-web\n');
    let done = await pf.stop();
    assert.equal(done.code, 0, done.stderr);

    pf = await kboxForward(['deploy/web', ':8080', '--address', '127.0.0.1']);
    m = /^Forwarding from 127\.0\.0\.1:(\d+) -> 8080\n$/.exec(pf.stdout());
    assert.ok(m, pf.stdout());
    res = await httpGet(Number(m[1]), '/big');
    assert.equal(createHash('md5').update(res.body).digest('hex'), md5);
    done = await pf.stop();
    assert.equal(done.stdout, `${m[0]}Handling connection for ${m[1]}\n`);

    r = await c.kbox(['port-forward', 'svc/web', '81']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'error: Service web does not have a service port 81\n');
  });

  await t.test('a port nothing listens on ends the forward like kubectl', async () => {
    const port = await freePort();
    const pf = await kboxForward(['--address', '127.0.0.1', `pod/${pod}`, `${port}:9999`]);
    await httpGet(port, '/').catch(() => undefined);
    const done = await pf.stop(15_000);
    assert.match(
      done.stderr,
      new RegExp(
        `an error occurred forwarding ${port} -> 9999: error forwarding port 9999 to pod default/${pod}, uid [0-9a-f-]+: failed to connect to [\\d.]+:9999: connect ECONNREFUSED`,
      ),
    );
    assert.match(done.stderr, /error: lost connection to pod\n$/);
    assert.equal(done.code, 1);
  });
});
