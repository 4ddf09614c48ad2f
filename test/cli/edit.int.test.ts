// kbox edit against a real API server, side by side with kubectl edit: the same editor script
// (EDITOR) runs for both, kubectl in namespace "k" and kbox in "b". Output, exit codes, the
// header kubectl writes when it reopens an invalid edit (captured by the script) and the stored
// objects must agree.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';
import { runKbox, type CliResult } from '../support/kbox-cli.js';

let api: TestApi;
const dir = mkdtempSync(join(tmpdir(), 'kbox-edit-test-'));

/** An editor: a shell script run with the file to edit as $1. */
function editor(name: string, body: string): string {
  const path = join(dir, `${name}.sh`);
  writeFileSync(path, `#!/bin/sh\nset -e\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

before(async () => {
  api = await startTestApi();
  for (const ns of ['k', 'b']) {
    let res = await api.request('POST', '/api/v1/namespaces', { metadata: { name: ns } });
    assert.equal(res.status, 201);
    res = await api.request('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, {
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        },
      },
    });
    assert.equal(res.status, 201);
  }
});
const savedTmp = process.env.TMPDIR;
after(async () => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `edit args` with EDITOR=script through kubectl ("k") then kbox ("b"); both must agree. */
async function same(script: string, args: string[]): Promise<CliResult> {
  process.env.EDITOR = script;
  delete process.env.KUBE_EDITOR;
  // Both keep their edit files (and kubectl its temporary files) in this test's directory.
  process.env.TMPDIR = dir;
  process.env.CAPTURE = join(dir, 'kubectl.capture');
  const theirs = await api.kubectl(['-n', 'k', 'edit', ...args]);
  process.env.CAPTURE = join(dir, 'kbox.capture');
  const mine = await runKbox(api.kubeconfig, ['edit', ...args, '-n', 'b']);
  // A kept file's path is the one thing that may differ.
  const kept = (r: CliResult): CliResult => ({
    ...r,
    stderr: r.stderr.replace(/"[^"]+\.yaml"/g, '"FILE"'),
  });
  assert.deepEqual(kept(mine), kept(theirs), `kbox edit ${args.join(' ')}`);
  return kept(mine);
}

async function replicas(ns: string): Promise<number> {
  const res = await api.request('GET', `/apis/apps/v1/namespaces/${ns}/deployments/web`);
  return ((await res.json()) as { spec: { replicas: number } }).spec.replicas;
}

test('edit: unchanged, changed, emptied (reopened as invalid)', async () => {
  let out = await same(editor('noop', 'true'), ['deployment/web']);
  assert.deepEqual(out, { stdout: '', stderr: 'Edit cancelled, no changes made.\n', code: 0 });

  // The file starts with kubectl's header and holds the object as YAML.
  const first = editor(
    'scale',
    `head -n 4 "$1" > "$CAPTURE"; grep -q '^kind: Deployment$' "$1"; sed -i 's/^  replicas: 1$/  replicas: 3/' "$1"`,
  );
  out = await same(first, ['deploy', 'web']);
  assert.deepEqual(out, { stdout: 'deployment.apps/web edited\n', stderr: '', code: 0 });
  assert.equal(
    readFileSync(join(dir, 'kbox.capture'), 'utf8'),
    readFileSync(join(dir, 'kubectl.capture'), 'utf8'),
  );
  assert.deepEqual([await replicas('k'), await replicas('b')], [3, 3]);

  // kubectl's schema validation refuses an empty file before anything else, and reopens it.
  out = await same(editor('empty', 'cp "$1" "$CAPTURE"; : > "$1"'), ['deploy/web']);
  assert.deepEqual(out, {
    stdout: '',
    stderr:
      'error: deployments.apps "web" is invalid\nA copy of your changes has been stored to "FILE"\nerror: Edit cancelled, no valid changes were saved.\n',
    code: 1,
  });
  assert.equal(
    readFileSync(join(dir, 'kbox.capture'), 'utf8'),
    readFileSync(join(dir, 'kubectl.capture'), 'utf8'),
  );
});

test('edit: an invalid change reopens the editor with the reasons', async () => {
  const script = editor(
    'invalid-then-fix',
    `if grep -q 'was not valid' "$1"; then
  grep '^#' "$1" > "$CAPTURE"
  sed -i 's/^  replicas: -1$/  replicas: 2/' "$1"
else
  sed -i 's/^  replicas: 3$/  replicas: -1/' "$1"
fi`,
  );
  const out = await same(script, ['deploy/web']);
  assert.equal(out.code, 0);
  assert.equal(out.stdout, 'deployment.apps/web edited\n');
  assert.equal(out.stderr, 'error: deployments.apps "web" is invalid\n');
  const header = readFileSync(join(dir, 'kbox.capture'), 'utf8');
  assert.equal(header, readFileSync(join(dir, 'kubectl.capture'), 'utf8'));
  assert.match(header, /^# deployments.apps "web" was not valid:\n# \* spec.replicas: /m);
  assert.deepEqual([await replicas('k'), await replicas('b')], [2, 2]);
  const spec = async (ns: string): Promise<unknown> =>
    (
      (await (
        await api.request('GET', `/apis/apps/v1/namespaces/${ns}/deployments/web`)
      ).json()) as {
        spec: unknown;
      }
    ).spec;
  assert.deepEqual(await spec('b'), await spec('k'));
});

test('edit: changing the name is refused and the file kept', async () => {
  const out = await same(editor('rename', `sed -i 's/^  name: web$/  name: other/' "$1"`), [
    'deploy/web',
  ]);
  assert.deepEqual(out, {
    stdout: '',
    stderr:
      'A copy of your changes has been stored to "FILE"\nerror: At least one of apiVersion, kind and name was changed\n',
    code: 1,
  });
});
