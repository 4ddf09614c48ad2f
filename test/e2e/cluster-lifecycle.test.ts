// kbox cluster start/stop/list/status/kubeconfig/delete as a user runs them: the real CLI, the
// real detached daemon, the real Docker engine, and the real kubectl through the merged kubeconfig.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { dockerOrSkip } from '../support/docker.js';
import { KUBECTL } from '../support/apiserver.js';

const root = mkdtempSync(join(tmpdir(), 'kbox-e2e-'));
const env = {
  ...process.env,
  KBOX_HOME: join(root, 'home'),
  KUBECONFIG: join(root, 'kubeconfig'),
  NO_COLOR: '1',
};
const A = `e2e-a-${process.pid}`;
const B = `e2e-b-${process.pid}`;

interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

function run(
  cmd: string,
  args: string[],
  extraEnv: Record<string, string> = {},
  stdin?: string,
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { env: { ...env, ...extraEnv }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ stdout, stderr, code: typeof code === 'number' ? code : 1 });
      },
    );
    // A child that exits without reading its stdin (mount, a refused command) closes the
    // pipe: its result is what counts, not the write.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(stdin ?? '');
  });
}

const kbox = (args: string[], extraEnv?: Record<string, string>): Promise<Run> =>
  run(process.execPath, ['bin/run.js', ...args], extraEnv);
const kubectl = (args: string[], stdin?: string): Promise<Run> =>
  run(KUBECTL, ['--cache-dir', join(root, 'kcache'), ...args], {}, stdin);

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

before(async () => {
  // Nothing to prepare: every cluster is created by the tests themselves.
});

after(async () => {
  await kbox(['cluster', 'delete', '--all']);
  rmSync(root, { recursive: true, force: true });
});

test('start, use with kubectl, stop, start again, two clusters, delete', async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;

  let r = await kbox(['cluster', 'start', '--name', A]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^API: {6}https:\/\/127\.0\.0\.1:\d+$/m);
  assert.match(r.stdout, new RegExp(`^Context:  kbox-${A} \\(current context in `, 'm'));
  assert.match(r.stdout, new RegExp(`^Nodes: {4}1 Ready \\(${A}-control-plane\\)$`, 'm'));

  r = await kubectl(['get', 'nodes', '--no-headers']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    new RegExp(`^${A}-control-plane\\s+Ready\\s+control-plane\\s+\\d+s\\s+v1\\.32\\.0\\+kbox`),
  );

  r = await kbox(['cluster', 'start', '--name', A]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`Cluster "${A}" is already running`));

  r = await kubectl(
    ['apply', '-f', '-'],
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\ndata:\n  k: v\n',
  );
  assert.equal(r.stdout, 'configmap/keep created\n', r.stderr);

  r = await kbox(['cluster', 'stop', '--name', A]);
  assert.equal(r.stdout, `Cluster "${A}" stopped\n`);
  r = await kbox(['cluster', 'status', '--name', A]);
  assert.equal(r.stdout, `${A}: stopped\n`);
  r = await kubectl(['get', 'cm', 'keep']);
  assert.notEqual(r.code, 0, 'the API is gone while stopped');

  r = await kbox(['cluster', 'start', '--name', A]);
  assert.equal(r.code, 0, r.stderr);
  r = await kubectl(['get', 'cm', 'keep', '-o', 'jsonpath={.data.k}']);
  assert.equal(r.stdout, 'v', 'objects survive a restart');

  r = await kbox(['cluster', 'start', '--name', B, '--nodes', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    new RegExp(`^Nodes: {4}2 Ready \\(${B}-control-plane, ${B}-worker\\)$`, 'm'),
  );
  r = await kubectl(['--context', `kbox-${A}`, 'get', 'nodes', '-o', 'name']);
  assert.equal(r.stdout, `node/${A}-control-plane\n`);
  r = await kubectl(['--context', `kbox-${B}`, 'get', 'nodes', '-o', 'name']);
  assert.equal(r.stdout, `node/${B}-control-plane\nnode/${B}-worker\n`);

  r = await kbox(['cluster', 'list', '-o', 'json']);
  const list = JSON.parse(r.stdout) as Array<{ name: string; status: string; nodes: number }>;
  assert.deepEqual(
    list.map((c) => [c.name, c.status, c.nodes]),
    [
      [A, 'running', 1],
      [B, 'running', 2],
    ],
  );

  r = await kbox(['cluster', 'kubeconfig', '--name', B]);
  assert.match(r.stdout, new RegExp(`current-context: kbox-${B}`));

  for (const name of [A, B]) {
    r = await kbox(['cluster', 'delete', '--name', name]);
    assert.equal(r.stdout, `Cluster "${name}" deleted\n`, r.stderr);
    assert.equal(existsSync(join(env.KBOX_HOME, name)), false);
    const nets: unknown[] = await docker.listNetworks({
      filters: JSON.stringify({ label: [`io.kbox.cluster=${name}`] }),
    });
    assert.equal(nets.length, 0, 'no Docker network left');
  }
  assert.doesNotMatch(readFileSync(env.KUBECONFIG, 'utf8'), /kbox-e2e/);
  r = await kbox(['cluster', 'delete', '--name', A]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `Cluster "${A}" does not exist\n`);
});

test('start with Docker unreachable fails with an actionable error and leaves nothing', async () => {
  const r = await kbox(['cluster', 'start', '--name', 'nodocker'], {
    DOCKER_HOST: 'unix:///nonexistent/docker.sock',
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot reach the Docker engine at unix:\/\/\/nonexistent\/docker\.sock/);
  assert.match(r.stderr, /set DOCKER_HOST to a running engine/);
  assert.equal(existsSync(join(env.KBOX_HOME, 'nodocker')), false);
});

test('damaged or newer state is refused and never overwritten', async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;
  const dir = join(env.KBOX_HOME, 'damaged');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'cluster.json'), '{"name": "damaged", "port": ');
  let r = await kbox(['cluster', 'start', '--name', 'damaged']);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /error: the state of cluster "damaged" is damaged \(.*cluster\.json: .*JSON.*\); kbox will not overwrite it: repair or move the file, or remove the cluster with: kbox cluster delete --name damaged\n/,
  );
  assert.equal(readFileSync(join(dir, 'cluster.json'), 'utf8'), '{"name": "damaged", "port": ');
  r = await kbox(['cluster', 'list']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^damaged\s+damaged\s+-\s+-\s+-\s+-$/m);

  const config = {
    name: 'damaged',
    port: 1,
    nodes: 1,
    stateVersion: 99,
    createdAt: new Date().toISOString(),
  };
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify(config));
  r = await kbox(['cluster', 'start', '--name', 'damaged']);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /cluster "damaged" was created by a newer kbox \(state version 99\); this kbox understands version 1 and will not touch it/,
  );
  assert.equal(readFileSync(join(dir, 'cluster.json'), 'utf8'), JSON.stringify(config));

  // A valid config over a store that is not a database: the daemon refuses to open it.
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify({ ...config, stateVersion: 1, port: 0 }));
  const garbage = Buffer.alloc(4096, 0x21);
  writeFileSync(join(dir, 'state.db'), garbage);
  r = await kbox(['cluster', 'start', '--name', 'damaged']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /"port" must be an integer from 1 to 65535/);
  writeFileSync(
    join(dir, 'cluster.json'),
    JSON.stringify({ ...config, stateVersion: 1, port: await freePort() }),
  );
  r = await kbox(['cluster', 'start', '--name', 'damaged']);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /error: the kbox daemon exited during start-up: the cluster store .*state\.db is damaged \(file is not a database\); kbox will not overwrite it/,
  );
  assert.deepEqual(readFileSync(join(dir, 'state.db')), garbage);

  r = await kbox(['cluster', 'delete', '--name', 'damaged']);
  assert.equal(r.stdout, 'Cluster "damaged" deleted\n', r.stderr);
  assert.equal(existsSync(dir), false);
});

test('a port in use is reported before anything is made', async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.after(() => busy.close());
  const port = (busy.address() as AddressInfo).port;
  const r = await kbox(['cluster', 'start', '--name', 'busyport', '--port', String(port)]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    new RegExp(
      `error: port ${port} on 127\\.0\\.0\\.1 is in use; free it or pass --port with another port\\n`,
    ),
  );
  assert.equal(existsSync(join(env.KBOX_HOME, 'busyport')), false);
});

test('a full disk gives an actionable error, and the cluster recovers when space returns', async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;
  if (process.getuid?.() !== 0) {
    t.skip('needs root to mount a small tmpfs as a full disk');
    return;
  }
  const mnt = mkdtempSync(join(tmpdir(), 'kbox-full-'));
  const mounted = await run('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt]);
  assert.equal(mounted.code, 0, mounted.stderr);
  const home = { KBOX_HOME: join(mnt, 'home') };
  const name = `e2e-full-${process.pid}`;
  t.after(async () => {
    await kbox(['cluster', 'delete', '--name', name], home);
    await run('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });
  const fill = (): void => {
    // Fill what is left of the disk, in 64 KiB pieces, until the disk says no.
    const fd = openSync(join(mnt, 'fill'), 'a');
    const block = Buffer.alloc(64 * 1024);
    try {
      for (;;) writeSync(fd, block);
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
    } finally {
      closeSync(fd);
    }
  };

  // Full before the first start: nothing is made.
  fill();
  let r = await kbox(['cluster', 'start', '--name', name], home);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /error: no space left on the device holding .*cluster\.json; free some disk space and run the command again\n/,
  );
  assert.equal(existsSync(join(home.KBOX_HOME, name)), false);
  rmSync(join(mnt, 'fill'));

  // Full while running: writes fail with a Status saying so; reads go on; space back, writes too.
  r = await kbox(
    ['cluster', 'start', '--name', name, '--kubeconfig', join(mnt, 'kubeconfig')],
    home,
  );
  assert.equal(r.code, 0, r.stderr);
  const kc = ['--kubeconfig', join(mnt, 'kubeconfig')];
  r = await kubectl([...kc, 'create', 'configmap', 'before']);
  assert.equal(r.stdout, 'configmap/before created\n', r.stderr);
  const big = join(root, 'big.txt');
  writeFileSync(big, 'x'.repeat(100_000));
  fill();
  r = await kubectl([...kc, 'create', 'configmap', 'during', '--from-file', `k=${big}`]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^error: failed to create configmap: Internal error occurred: the cluster store .*state\.db has no room for the write \(database or disk is full\); free disk space and retry/,
  );
  r = await kubectl([...kc, 'get', 'configmap', 'before', '-o', 'name']);
  assert.equal(r.stdout, 'configmap/before\n', r.stderr);
  rmSync(join(mnt, 'fill'));
  r = await kubectl([...kc, 'create', 'configmap', 'after']);
  assert.equal(r.stdout, 'configmap/after created\n', r.stderr);
  r = await kubectl([...kc, 'get', 'configmap', 'during']);
  assert.match(r.stderr, /NotFound/);
});
