// kbox get against kubectl get on the same objects: tables (plain, wide, -A, labels, no
// headers, several types, TYPE/NAME), names, JSONPath, --sort-by, custom columns and the
// errors, byte for byte with the
// same exit code. Each case runs through the fast entry (src/cli/fast.ts) and through oclif
// (KBOX_NO_FAST=1), which must not differ either.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestApi, type TestApi } from '../support/apiserver.js';
import { runKbox, type CliResult } from '../support/kbox-cli.js';

let api: TestApi;

before(async () => {
  api = await startTestApi();
  const post = async (path: string, body: unknown): Promise<void> => {
    const res = await api.request('POST', path, body);
    assert.equal(res.status, 201, `${path}: ${await res.text()}`);
  };
  await post('/api/v1/namespaces', { metadata: { name: 'other' } });
  for (const [ns, name] of [
    ['default', 'web-1'],
    ['default', 'web-2'],
    ['other', 'db'],
  ] as const) {
    await post(`/api/v1/namespaces/${ns}/pods`, {
      metadata: { name, labels: { app: name.split('-')[0] ?? name, tier: 'x' } },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
  }
  await post('/apis/apps/v1/namespaces/default/deployments', {
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'busybox' }] },
      },
    },
  });
  await post('/api/v1/namespaces/default/configmaps', {
    metadata: { name: 'settings' },
    data: { a: '1' },
  });
  // For --sort-by: created a second apart in an order that is neither by name nor by grace
  // period; "size" annotations are quantities (2 < 900 < 1Ki) and one pod has none.
  await post('/api/v1/namespaces', { metadata: { name: 'sorted' } });
  const sorted: Array<[string, number, Record<string, string>, string[]]> = [
    ['zeta', 100, { size: '1Ki' }, ['busybox', 'nginx']],
    ['alpha', 30, { size: '900' }, ['busybox']],
    ['mid-10', 5, {}, ['redis:7']],
    ['mid-9', 7, { size: '2' }, ['x']],
  ];
  for (const [i, [name, grace, annotations, images]] of sorted.entries()) {
    if (i > 0) await new Promise((r) => setTimeout(r, 1050));
    await post('/api/v1/namespaces/sorted/pods', {
      metadata: { name, annotations },
      spec: {
        terminationGracePeriodSeconds: grace,
        containers: images.map((image, j) => ({ name: `c${j}`, image })),
      },
    });
  }
});
after(() => api.stop());

// AGE may tick between the two runs (and widen its column): compare with ages and the padding
// after them (and after the AGE heading) blanked.
const ageless = (r: CliResult): CliResult => ({
  ...r,
  stdout: r.stdout.replace(/\b\d+[dhms](?:\d+[hms])?\b */g, '<age> ').replace(/\bAGE +/g, 'AGE '),
});

async function same(args: string[]): Promise<CliResult> {
  const theirs = ageless(await api.kubectl(args));
  const fast = ageless(await runKbox(api.kubeconfig, args));
  assert.deepEqual(fast, theirs, `kbox ${args.join(' ')}`);
  const slow = ageless(
    await runKbox(api.kubeconfig, args, undefined, 60_000, { KBOX_NO_FAST: '1' }),
  );
  assert.deepEqual(slow, theirs, `KBOX_NO_FAST=1 kbox ${args.join(' ')}`);
  return fast;
}

test('tables match kubectl get', async () => {
  const out = await same(['get', 'pods']);
  assert.match(
    out.stdout,
    /^NAME +READY +STATUS +RESTARTS +AGE\nweb-1 +0\/1 +Pending +0 +<age> \n/,
  );
  await same(['get', 'pods', '-o', 'wide']);
  await same(['get', 'po', '-A']);
  await same(['get', 'pods', '--all-namespaces', '--show-labels']);
  await same(['get', 'pods', '-l', 'app=web', '--no-headers']);
  await same(['get', 'pods', '-lapp=db', '-Ao', 'wide']);
  await same(['get', 'pods', '--selector=tier=x', '-n', 'other']);
  await same(['get', 'pods', '--field-selector', 'metadata.name=web-2']);
  await same(['get', 'deploy,cm']);
  await same(['get', 'pod/web-1', 'deployment/web']);
  await same(['get', 'pods', 'web-1', 'web-2']);
  await same(['get', 'namespaces']);
});

test('names, JSONPath and yaml match kubectl get', async () => {
  await same(['get', 'pods', '-o', 'name']);
  await same(['get', 'pods', '-o', 'jsonpath={.items[*].metadata.name}']);
  await same(['get', 'cm', 'settings', '-o', 'jsonpath={.data.a}']);
  await same(['get', 'cm', 'settings', '-o=yaml']);
});

test('errors match kubectl get', async () => {
  let out = await same(['get', 'pods', 'nope']);
  assert.deepEqual(out, {
    stdout: '',
    stderr: 'Error from server (NotFound): pods "nope" not found\n',
    code: 1,
  });
  out = await same(['get', 'pods', '-n', 'empty']);
  assert.equal(out.stderr, 'No resources found in empty namespace.\n');
});

test('input the fast entry leaves to oclif still gets oclif’s answer', async () => {
  const help = await runKbox(api.kubeconfig, ['get', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Display one or many resources/);
  const unknown = await runKbox(api.kubeconfig, ['get', 'pods', '--bogus']);
  const oclif = await runKbox(api.kubeconfig, ['get', 'pods', '--bogus'], undefined, 60_000, {
    KBOX_NO_FAST: '1',
  });
  assert.deepEqual(unknown, oclif);
  const missing = await runKbox(api.kubeconfig, ['get', '-o']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /Flag --output expects a value/);
});

const names = (out: CliResult): string[] =>
  out.stdout
    .split('\n')
    .slice(1)
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n !== '');

test('--sort-by orders tables, names and lists as kubectl does', async () => {
  const ns = ['-n', 'sorted'];
  // Strings in byte order (kubectl 1.32 puts mid-10 before mid-9).
  let out = await same(['get', 'pods', ...ns, '--sort-by=.metadata.name']);
  assert.deepEqual(names(out), ['alpha', 'mid-10', 'mid-9', 'zeta']);
  out = await same(['get', 'pods', ...ns, '--sort-by=.metadata.creationTimestamp']);
  assert.deepEqual(names(out), ['zeta', 'alpha', 'mid-10', 'mid-9']);
  // Numbers numerically, in any of the path spellings kubectl relaxes.
  out = await same(['get', 'pods', ...ns, '--sort-by={.spec.terminationGracePeriodSeconds}']);
  assert.deepEqual(names(out), ['mid-10', 'mid-9', 'alpha', 'zeta']);
  await same([
    'get',
    'pods',
    ...ns,
    '--sort-by',
    'spec.terminationGracePeriodSeconds',
    '-o',
    'wide',
  ]);
  // Quantities by amount; an object without the field goes first.
  out = await same(['get', 'pods', ...ns, '--sort-by=.metadata.annotations.size', '-o', 'name']);
  assert.equal(out.stdout, 'pod/mid-10\npod/mid-9\npod/alpha\npod/zeta\n');
  await same(['get', 'pods', ...ns, '--sort-by=.spec.containers[*].image', '--no-headers']);
  await same(['get', 'pods', '-A', '--sort-by=.metadata.creationTimestamp']);
  await same(['get', 'pods,cm', '-A', '--sort-by=.metadata.name', '-o', 'name']);
  await same([
    'get',
    'pods',
    ...ns,
    '--sort-by=.spec.terminationGracePeriodSeconds',
    '-o',
    'jsonpath={.items[*].metadata.name}',
  ]);
  await same(['get', 'pods', ...ns, 'zeta', 'alpha', '--sort-by=.metadata.name', '-o', 'name']);
  // One Table per name: kubectl sorts the Tables themselves, which have no .metadata.name.
  await same(['get', 'pods', ...ns, 'zeta', 'alpha', '--sort-by=.kind']);
  await same(['get', 'pods', ...ns, 'alpha', '--sort-by=.nothing']);
  await same(['get', 'pods', ...ns, '--sort-by=']);
});

test('--sort-by errors match kubectl get', async () => {
  const ns = ['-n', 'sorted'];
  let out = await same(['get', 'pods', ...ns, '--sort-by=.nothing', '-o', 'name']);
  assert.equal(
    out.stderr,
    'error: couldn\'t find any field with path "{.nothing}" in the list of objects\n',
  );
  // kubectl get drops a table it cannot sort and then has printed nothing.
  out = await same(['get', 'pods', ...ns, '--sort-by=.nothing']);
  assert.equal(out.stderr, 'No resources found in sorted namespace.\n');
  await same(['get', 'pods', ...ns, '--sort-by={.metadata.name', '-o', 'json']);
  await same(['get', 'pods', ...ns, '--sort-by={.metadata.name']);
  await same(['get', 'pods', ...ns, 'zeta', 'alpha', '--sort-by=.metadata.name']);
  await same(['get', 'deploy,cm', '--sort-by=.metadata.name']);
  // A map cannot be ordered: klog's fatal line (time and pid differ).
  const klog = (r: CliResult): CliResult => ({
    ...r,
    stderr: r.stderr.replace(/^F\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ /, 'F<time> <pid> '),
  });
  for (const args of [
    ['get', 'pods', ...ns, '--sort-by=.spec'],
    ['get', 'pods', ...ns, '--sort-by=.spec', '-o', 'name'],
  ]) {
    const theirs = klog(await api.kubectl(args));
    assert.match(theirs.stderr, /^F<time> <pid> sorter\.go:\d+\] Field \{\.spec\} in /);
    assert.deepEqual(klog(await runKbox(api.kubeconfig, args)), theirs);
  }
});

test('custom columns match kubectl get', async () => {
  const ns = ['-n', 'sorted'];
  const cols =
    'NAME:.metadata.name,IMAGES:.spec.containers[*].image,SIZE:.metadata.annotations.size';
  const out = await same(['get', 'pods', ...ns, '-o', `custom-columns=${cols}`]);
  assert.match(out.stdout, /^NAME +IMAGES +SIZE\n/);
  assert.match(out.stdout, /\nmid-10 +redis:7 +<none>\n/);
  assert.match(out.stdout, /\nzeta +busybox,nginx +1Ki\n/);
  await same(['get', 'pods', ...ns, '-o', `custom-columns=${cols}`, '--no-headers']);
  await same([
    'get',
    'pods',
    ...ns,
    '--sort-by=.spec.terminationGracePeriodSeconds',
    '-o=custom-columns=N:{.metadata.name},G:spec.terminationGracePeriodSeconds,A:.metadata.annotations,L:.metadata.labels',
  ]);
  await same([
    'get',
    'pods',
    ...ns,
    'alpha',
    '-o',
    'custom-columns=NAME:.metadata.name,IP:.status.podIP',
  ]);
  await same(['get', 'pods,cm', '-A', '-o', 'custom-columns=NAME:.metadata.name,KIND:.kind']);
  await same(['get', 'pods', '-n', 'empty', '-o', 'custom-columns=NAME:.metadata.name']);
  await same(['get', 'pods', '-o', 'custom-columns=']);
  await same(['get', 'pods', '-o', 'custom-columns=NAME']);
  await same(['get', 'pods', '-o', 'custom-columns=NAME:{.a']);
  const dir = await mkdtemp(join(tmpdir(), 'kbox-cc-'));
  try {
    const file = join(dir, 'columns.txt');
    await writeFile(file, 'NAME   IMAGES\n.metadata.name  {.spec.containers[*].image}\n');
    await same(['get', 'pods', ...ns, '-o', `custom-columns-file=${file}`]);
    await same(['get', 'pods', ...ns, '-o', `custom-columns-file=${join(dir, 'none.txt')}`]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a reader that goes away ends the command quietly, as SIGPIPE ends kubectl', async () => {
  const run = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));
  for (const env of [{}, { KBOX_NO_FAST: '1' }]) {
    const child = spawn(
      process.execPath,
      [run, 'get', 'pods', '-o', 'name', '--kubeconfig', api.kubeconfig],
      {
        env: {
          ...process.env,
          KBOX_HOME: join(dirname(api.kubeconfig), 'kbox-home'),
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    // The pipe's reading end is closed before the command writes: its write fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(stderr, '', JSON.stringify(env));
    assert.equal(code, 141, JSON.stringify(env));
  }
});
