// kbox get against kubectl get on the same objects: tables (plain, wide, -A, labels, no
// headers, several types, TYPE/NAME), names, JSONPath and the errors, byte for byte with the
// same exit code. Each case runs through the fast entry (src/cli/fast.ts) and through oclif
// (KBOX_NO_FAST=1), which must not differ either.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
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
});
after(() => api.stop());

// AGE may tick between the two runs (and widen its column): compare with ages and the padding
// after them blanked.
const ageless = (r: CliResult): CliResult => ({
  ...r,
  stdout: r.stdout.replace(/\b\d+[dhms](?:\d+[hms])?\b */g, '<age> '),
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
