// kbox run and kbox expose against a real API server, compared with kubectl 1.32 byte for byte:
// the generated objects (client dry run), the created/exposed lines and the errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';
import { runKbox, type CliResult } from '../support/kbox-cli.js';

let api: TestApi;

before(async () => {
  api = await startTestApi();
  for (const ns of ['k', 'b']) {
    const res = await api.request('POST', '/api/v1/namespaces', { metadata: { name: ns } });
    assert.equal(res.status, 201);
  }
});
after(async () => {
  await api.stop();
});

/**
 * Runs the same command with kubectl in namespace k and with kbox in namespace b (client dry
 * runs in the default namespace, as the printed object names its namespace).
 */
async function same(args: string[], after: string[] = []): Promise<CliResult> {
  const dry = args.includes('--dry-run=client');
  const theirs = await api.kubectl([...(dry ? [] : ['-n', 'k']), ...args, ...after]);
  const mine = await runKbox(api.kubeconfig, [...args, ...(dry ? [] : ['-n', 'b']), ...after]);
  assert.deepEqual(mine, theirs, `kbox ${args.join(' ')}`);
  return mine;
}

test('run: the generated pod, as YAML and JSON, and the created line', async () => {
  for (const output of ['yaml', 'json']) {
    await same(
      [
        'run',
        'web',
        '--image=busybox',
        '--port=8080',
        '--env=A=1',
        '--env=B=two words',
        '--labels=app=web,tier=x',
        '--restart=Never',
        '--dry-run=client',
        '-o',
        output,
      ],
      ['--', 'sh', '-c', 'echo hi'],
    );
    await same(
      ['run', 'sleeper', '--image=busybox', '--command', '--dry-run=client', '-o', output],
      ['--', 'sleep', '10'],
    );
  }
  // -i/-t without attaching: stdin, stdinOnce (unless --leave-stdin-open) and tty in the spec.
  for (const extra of [
    ['-i', '-t'],
    ['-i', '--leave-stdin-open'],
  ]) {
    const gen = await same([
      'run',
      'shell',
      '--image=busybox',
      ...extra,
      '--attach=false',
      '--dry-run=client',
      '-o',
      'yaml',
    ]);
    assert.match(gen.stdout, /stdin: true/);
  }
  // The flag rules of kubectl's Validate, in its order.
  for (const args of [
    ['run', 'x', '--image=busybox', '-t'],
    ['run', 'x', '--image=busybox', '--rm'],
    ['run', 'x', '--image=busybox', '--rm', '--attach=false', '-i'],
    ['run', 'x', '--image=busybox', '-i', '--dry-run=client'],
  ]) {
    const theirs = await api.kubectl(args);
    const mine = await runKbox(api.kubeconfig, args);
    assert.equal(theirs.code, 1);
    // The usage hint names the command that was run.
    assert.deepEqual(mine, { ...theirs, stderr: theirs.stderr.replace("'kubectl ", "'kbox ") });
  }
  const r = await same(['run', 'web', '--image=busybox']);
  assert.equal(r.stdout, 'pod/web created\n');
  const again = await same(['run', 'web', '--image=busybox']);
  assert.equal(again.code, 1);
  assert.equal(again.stderr, 'Error from server (AlreadyExists): pods "web" already exists\n');
});

test('expose: services from a deployment, a pod and a service, with introspected ports', async () => {
  await same(['create', 'deployment', 'app', '--image=busybox', '--port=8080']);
  await same(['run', 'ported', '--image=busybox', '--port=9000']);
  // Client dry runs print their namespace, so they run against copies in the default namespace.
  for (const args of [
    ['create', 'deployment', 'app', '--image=busybox', '--port=8080'],
    ['run', 'ported', '--image=busybox', '--port=9000'],
  ]) {
    assert.equal((await api.kubectl(args)).code, 0);
  }
  for (const output of ['yaml', 'json']) {
    await same([
      'expose',
      'deployment',
      'app',
      '--port=80',
      '--target-port=8080',
      '--dry-run=client',
      '-o',
      output,
    ]);
    await same(['expose', 'pod/ported', '--dry-run=client', '-o', output]);
  }
  let r = await same([
    'expose',
    'deployment',
    'app',
    '--port=80',
    '--type=NodePort',
    '--name=app-np',
  ]);
  assert.equal(r.stdout, 'service/app-np exposed\n');
  r = await same(['expose', 'service', 'app-np', '--name=app-again']);
  assert.equal(r.stdout, 'service/app-again exposed\n');
  r = await same(['expose', 'pod', 'web']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "error: couldn't find port via --port flag or introspection\n");
  r = await same(['expose', 'deployment', 'nope', '--port=80']);
  assert.equal(r.stderr, 'Error from server (NotFound): deployments.apps "nope" not found\n');
});
