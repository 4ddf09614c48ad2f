// kbox scale, label and annotate against a real API server. Each scenario runs the same commands
// through kubectl in namespace "k" and through kbox in namespace "b" (the output names no
// namespace), so output, exit codes and the resulting objects must match exactly.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';
import { runKbox, type CliResult } from '../support/kbox-cli.js';

let api: TestApi;

const deployment = (name: string, replicas: number): unknown => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    },
  },
});

async function json(path: string): Promise<Record<string, unknown>> {
  const res = await api.request('GET', path);
  assert.equal(res.status, 200, path);
  return (await res.json()) as Record<string, unknown>;
}

before(async () => {
  api = await startTestApi();
  for (const ns of ['k', 'b']) {
    let res = await api.request('POST', '/api/v1/namespaces', { metadata: { name: ns } });
    assert.equal(res.status, 201);
    for (const [name, replicas] of [
      ['web', 1],
      ['api', 2],
    ] as const) {
      res = await api.request(
        'POST',
        `/apis/apps/v1/namespaces/${ns}/deployments`,
        deployment(name, replicas),
      );
      assert.equal(res.status, 201);
    }
  }
});
after(() => api.stop());

/** Runs args through kubectl in "k" and kbox in "b"; asserts equal results; returns kbox's. */
async function same(args: string[]): Promise<CliResult> {
  const theirs = await api.kubectl(['-n', 'k', ...args]);
  const mine = await runKbox(api.kubeconfig, [...args, '-n', 'b']);
  assert.deepEqual(mine, theirs, `kbox ${args.join(' ')}`);
  return mine;
}

test('scale: through the scale subresource, with kubectl messages and preconditions', async () => {
  let out = await same(['scale', 'deployment/web', '--replicas=3']);
  assert.deepEqual(out, { stdout: 'deployment.apps/web scaled\n', stderr: '', code: 0 });
  out = await same(['scale', 'deploy', 'web', '--replicas=2', '--current-replicas=5']);
  assert.deepEqual(out, {
    stdout: '',
    stderr: 'error: Expected replicas to be 5, was 3\n',
    code: 1,
  });
  out = await same(['scale', 'deploy', 'web', '--replicas=4', '--current-replicas=3']);
  assert.equal(out.stdout, 'deployment.apps/web scaled\n');
  out = await same(['scale', 'deploy/web', '--replicas=9', '--dry-run=server']);
  assert.equal(out.stdout, 'deployment.apps/web scaled (server dry run)\n');
  out = await same(['scale', 'deploy', 'web', 'api', '--replicas=0']);
  assert.equal(out.stdout, 'deployment.apps/web scaled\ndeployment.apps/api scaled\n');
  out = await same(['scale', 'deploy/nope', '--replicas=1']);
  assert.equal(out.code, 1);
  assert.equal(out.stderr, 'error: no objects passed to scale deployments.apps "nope" not found\n');
  for (const ns of ['k', 'b']) {
    const d = await json(`/apis/apps/v1/namespaces/${ns}/deployments/web`);
    assert.equal((d.spec as { replicas: number }).replicas, 0, ns);
  }
  // Back to where the label scenario expects it.
  await same(['scale', 'deploy', 'web', 'api', '--replicas=1']);
});

test('label: set, refuse without --overwrite, overwrite, remove, report missing keys', async () => {
  const steps: Array<[string[], CliResult]> = [
    [['label', 'deploy', 'web', 'tier=front'], ok('deployment.apps/web labeled\n')],
    [['label', 'deploy', 'web', 'tier=front'], ok('deployment.apps/web not labeled\n')],
    [
      ['label', 'deploy', 'web', 'tier=back'],
      {
        stdout: '',
        stderr: "error: 'tier' already has a value (front), and --overwrite is false\n",
        code: 1,
      },
    ],
    [['label', 'deploy/web', 'tier=back', '--overwrite'], ok('deployment.apps/web labeled\n')],
    [['label', 'deploy', 'web', 'tier-'], ok('deployment.apps/web unlabeled\n')],
    [
      ['label', 'deploy', 'web', 'tier-'],
      ok('label "tier" not found.\ndeployment.apps/web not labeled\n'),
    ],
    [
      ['label', 'deploy', '--all', 'team=blue'],
      ok('deployment.apps/api labeled\ndeployment.apps/web labeled\n'),
    ],
    [['label', 'deploy', '-l', 'app=api', 'x=1'], ok('deployment.apps/api labeled\n')],
    [
      ['label', 'deploy', 'web', 'y=2', '--dry-run=client'],
      ok('deployment.apps/web labeled (dry run)\n'),
    ],
    [
      ['label', 'deploy', 'web', 'y=2', '--dry-run=server'],
      ok('deployment.apps/web labeled (server dry run)\n'),
    ],
    [
      ['label', 'deploy', 'web'],
      { stdout: '', stderr: 'error: at least one label update is required\n', code: 1 },
    ],
    [
      ['label', 'deploy', 'nope', 'a=b'],
      {
        stdout: '',
        stderr: 'Error from server (NotFound): deployments.apps "nope" not found\n',
        code: 1,
      },
    ],
  ];
  for (const [args, want] of steps) assert.deepEqual(await same(args), want, args.join(' '));
  const k = await json('/apis/apps/v1/namespaces/k/deployments/web');
  const b = await json('/apis/apps/v1/namespaces/b/deployments/web');
  const labels = (o: Record<string, unknown>): unknown =>
    (o.metadata as { labels?: unknown }).labels;
  assert.deepEqual(labels(b), { app: 'web', team: 'blue' });
  assert.deepEqual(labels(b), labels(k));
});

test('annotate: set, refuse a different value, overwrite, remove; goes on past a failure', async () => {
  const steps: Array<[string[], CliResult]> = [
    [['annotate', 'deploy', 'web', 'note=hello world'], ok('deployment.apps/web annotated\n')],
    [
      ['annotate', 'deploy/web', 'deploy/api', 'note=other'],
      {
        stdout: 'deployment.apps/api annotated\n',
        stderr:
          "error: --overwrite is false but found the following declared annotation(s): 'note' already has a value (hello world)\n",
        code: 1,
      },
    ],
    [
      ['annotate', 'deploy', 'web', 'note=other', '--overwrite'],
      ok('deployment.apps/web annotated\n'),
    ],
    [['annotate', 'deploy', 'web', 'note-'], ok('deployment.apps/web annotated\n')],
    [['annotate', 'deploy', 'web', 'note-'], ok('deployment.apps/web annotated\n')],
    [
      ['annotate', 'deploy', 'web'],
      { stdout: '', stderr: 'error: at least one annotation update is required\n', code: 1 },
    ],
  ];
  for (const [args, want] of steps) assert.deepEqual(await same(args), want, args.join(' '));
  const note = (o: Record<string, unknown>): unknown =>
    (o.metadata as { annotations?: Record<string, string> }).annotations?.note;
  assert.equal(note(await json('/apis/apps/v1/namespaces/b/deployments/web')), undefined);
  assert.equal(note(await json('/apis/apps/v1/namespaces/b/deployments/api')), 'other');
  assert.equal(note(await json('/apis/apps/v1/namespaces/k/deployments/api')), 'other');
});

test('--help documents every flag', async () => {
  const out = await runKbox(api.kubeconfig, ['scale', '--help']);
  assert.equal(out.code, 0, out.stderr);
  for (const flag of [
    '--replicas',
    '--current-replicas',
    '--dry-run',
    '--namespace',
    '--kubeconfig',
  ])
    assert.match(out.stdout, new RegExp(`${flag}=<[a-z]+>\\s+\\S`), flag);
  assert.match(out.stdout, /precondition: only scale if the\s+current size is this/);
});

function ok(stdout: string): CliResult {
  return { stdout, stderr: '', code: 0 };
}
