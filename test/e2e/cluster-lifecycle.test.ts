// kbox cluster start/stop/list/status/kubeconfig/delete as a user runs them: the real CLI, the
// real detached daemon, the real Docker engine, and the real kubectl through the merged kubeconfig.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
    child.stdin?.end(stdin ?? '');
  });
}

const kbox = (args: string[], extraEnv?: Record<string, string>): Promise<Run> =>
  run(process.execPath, ['bin/run.js', ...args], extraEnv);
const kubectl = (args: string[], stdin?: string): Promise<Run> =>
  run(KUBECTL, ['--cache-dir', join(root, 'kcache'), ...args], {}, stdin);

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
