// kbox rollout against a real API server (no controllers run: the test moves a Deployment's
// status itself through deployments/status, and writes the ReplicaSets a controller would have
// made). Wherever kubectl can run the same command, its output is the expected value.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KUBECTL, startTestApi, type TestApi } from '../support/apiserver.js';
import { runKbox, streamKbox, streamProcess, type CliResult } from '../support/kbox-cli.js';

let api: TestApi;

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

function template(app: string, image: string, hash?: string): unknown {
  return {
    metadata: { labels: { app, ...(hash ? { 'pod-template-hash': hash } : {}) } },
    spec: { containers: [{ name: 'c', image }] },
  };
}

async function send(method: string, path: string, body?: unknown, type?: string): Promise<Obj> {
  const res = await api.request(method, path, body, type);
  const text = await res.text();
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as Obj;
}

const deployPath = (ns: string, name = ''): string =>
  `/apis/apps/v1/namespaces/${ns}/deployments${name ? `/${name}` : ''}`;

async function createDeployment(ns: string, name: string, image: string): Promise<Obj> {
  return send('POST', deployPath(ns), {
    metadata: { name, annotations: { 'deployment.kubernetes.io/revision': '2' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: template(name, image),
    },
  });
}

/** Two ReplicaSets as the deployment controller leaves them: revision 1 (old) and 2 (current). */
async function createHistory(ns: string, d: Obj): Promise<void> {
  const name = String(d.metadata.name);
  const owner = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name,
    uid: String(d.metadata.uid),
    controller: true,
    blockOwnerDeletion: true,
  };
  const revisions = [
    { rev: '1', hash: 'aaa111', image: 'busybox:1', cause: undefined },
    { rev: '2', hash: 'bbb222', image: 'busybox:2', cause: 'kubectl set image to busybox:2' },
  ];
  for (const { rev, hash, image, cause } of revisions) {
    await send('POST', `/apis/apps/v1/namespaces/${ns}/replicasets`, {
      metadata: {
        name: `${name}-${hash}`,
        labels: { app: name, 'pod-template-hash': hash },
        annotations: {
          'deployment.kubernetes.io/revision': rev,
          'deployment.kubernetes.io/desired-replicas': '3',
          ...(cause ? { 'kubernetes.io/change-cause': cause } : {}),
        },
        ownerReferences: [owner],
      },
      spec: {
        replicas: rev === '2' ? 3 : 0,
        selector: { matchLabels: { app: name, 'pod-template-hash': hash } },
        template: template(name, image, hash),
      },
    });
  }
  // A ReplicaSet with matching labels that another owner controls must not count.
  await send('POST', `/apis/apps/v1/namespaces/${ns}/replicasets`, {
    metadata: {
      name: `${name}-stranger`,
      labels: { app: name },
      annotations: { 'deployment.kubernetes.io/revision': '7' },
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: name } },
      template: template(name, 'busybox:7'),
    },
  });
}

before(async () => {
  api = await startTestApi();
  for (const ns of ['k', 'b']) {
    await send('POST', '/api/v1/namespaces', { metadata: { name: ns } });
    const d = await createDeployment(ns, 'web', 'busybox:2');
    await createHistory(ns, d);
    await createDeployment(ns, 'solo', 'busybox:2');
  }
});
after(() => api.stop());

async function same(args: string[]): Promise<CliResult> {
  const theirs = await api.kubectl(['-n', 'k', ...args]);
  const mine = await runKbox(api.kubeconfig, [...args, '-n', 'b']);
  assert.deepEqual(mine, theirs, `kbox ${args.join(' ')}`);
  return mine;
}

function ok(stdout: string): CliResult {
  return { stdout, stderr: '', code: 0 };
}

test('rollout status follows the deployment status as it changes, line by line like kubectl', async () => {
  for (const ns of ['k', 'b'])
    await send('POST', deployPath(ns), {
      metadata: { name: 'moving' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'moving' } },
        template: template('moving', 'busybox'),
      },
    });
  const theirs = streamProcess(KUBECTL, [
    '--kubeconfig',
    api.kubeconfig,
    '-n',
    'k',
    'rollout',
    'status',
    'deployment/moving',
  ]);
  const mine = streamKbox(api.kubeconfig, ['rollout', 'status', 'deployment/moving', '-n', 'b']);
  try {
    const steps: Array<[Record<string, unknown>, string]> = [
      [
        { observedGeneration: 1, replicas: 1, updatedReplicas: 1 },
        'Waiting for deployment "moving" rollout to finish: 1 out of 3 new replicas have been updated...\n',
      ],
      [
        { replicas: 4, updatedReplicas: 3 },
        'Waiting for deployment "moving" rollout to finish: 1 old replicas are pending termination...\n',
      ],
      [
        { replicas: 3, availableReplicas: 1 },
        'Waiting for deployment "moving" rollout to finish: 1 of 3 updated replicas are available...\n',
      ],
      [{ availableReplicas: 3 }, 'deployment "moving" successfully rolled out\n'],
    ];
    let expected = 'Waiting for deployment spec update to be observed...\n';
    for (const [status, line] of steps) {
      await Promise.all([mine.waitFor(expected), theirs.waitFor(expected)]);
      for (const ns of ['k', 'b'])
        await send(
          'PATCH',
          `${deployPath(ns, 'moving')}/status`,
          { status },
          'application/merge-patch+json',
        );
      expected += line;
    }
    const [m, t] = await Promise.all([mine.done, theirs.done]);
    assert.deepEqual(t, ok(expected));
    assert.deepEqual(m, ok(expected));
  } finally {
    mine.child.kill();
    theirs.child.kill();
  }
});

test('rollout status --watch=false, --timeout, --revision and a missing object', async () => {
  assert.deepEqual(
    await same(['rollout', 'status', 'deploy', 'solo', '--watch=false']),
    ok('Waiting for deployment spec update to be observed...\n'),
  );
  assert.deepEqual(await same(['rollout', 'status', 'deploy/solo', '--timeout=1s']), {
    stdout: 'Waiting for deployment spec update to be observed...\n',
    stderr: 'error: timed out waiting for the condition\n',
    code: 1,
  });
  assert.deepEqual(await same(['rollout', 'status', 'deploy/solo', '--revision=3']), {
    stdout: '',
    stderr: 'error: desired revision (3) is different from the running revision (2)\n',
    code: 1,
  });
  assert.deepEqual(await same(['rollout', 'status', 'deploy/nope']), {
    stdout: '',
    stderr: 'Error from server (NotFound): deployments.apps "nope" not found\n',
    code: 1,
  });
  // A deadline the controller reported is a failure, not a wait.
  for (const ns of ['k', 'b'])
    await send(
      'PATCH',
      `${deployPath(ns, 'solo')}/status`,
      {
        status: {
          observedGeneration: 1,
          conditions: [
            { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' },
          ],
        },
      },
      'application/merge-patch+json',
    );
  assert.deepEqual(await same(['rollout', 'status', 'deploy/solo']), {
    stdout: '',
    stderr: 'error: deployment "solo" exceeded its progress deadline\n',
    code: 1,
  });
});

test('rollout history lists revisions and change causes of the owned ReplicaSets', async () => {
  const out = await same(['rollout', 'history', 'deployment/web']);
  assert.deepEqual(
    out,
    ok(
      'deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         kubectl set image to busybox:2\n\n',
    ),
  );
});

test('rollout undo restores the previous template without the hash label', async () => {
  assert.deepEqual(
    await same(['rollout', 'undo', 'deployment/web']),
    ok('deployment.apps/web rolled back\n'),
  );
  const k = await send('GET', deployPath('k', 'web'));
  const b = await send('GET', deployPath('b', 'web'));
  // kubectl's typed patch carries `creationTimestamp: null` in the template; that is all that
  // may differ.
  const spec = (o: Obj): { metadata: Record<string, unknown>; spec: unknown } => {
    const t = structuredClone((o.spec as { template: Obj }).template);
    delete t.metadata.creationTimestamp;
    return t as { metadata: Record<string, unknown>; spec: unknown };
  };
  assert.deepEqual(spec(b), spec(k));
  assert.deepEqual(spec(b).metadata, { labels: { app: 'web' } });
  assert.equal(
    (spec(b).spec as { containers: Array<{ image: string }> }).containers[0]?.image,
    'busybox:1',
  );
  // The deployment keeps its own revision annotation and takes the ReplicaSet's others.
  assert.deepEqual(b.metadata.annotations, k.metadata.annotations);
  assert.deepEqual(b.metadata.annotations, { 'deployment.kubernetes.io/revision': '2' });

  assert.deepEqual(
    await same(['rollout', 'undo', 'deployment/web']),
    ok('deployment.apps/web skipped rollback (current template already matches revision 0)\n'),
  );
  assert.deepEqual(
    await same(['rollout', 'undo', 'deploy', 'web', '--to-revision=2']),
    ok('deployment.apps/web rolled back\n'),
  );
  const after2 = await send('GET', deployPath('b', 'web'));
  assert.equal(
    (after2.metadata.annotations as Record<string, string>)['kubernetes.io/change-cause'],
    'kubectl set image to busybox:2',
  );
  assert.deepEqual(await same(['rollout', 'undo', 'deploy/web', '--to-revision=5']), {
    stdout: '',
    stderr: 'error: unable to find specified revision 5 in history\n',
    code: 1,
  });
  assert.deepEqual(await same(['rollout', 'undo', 'deploy/solo']), {
    stdout: '',
    stderr: 'error: no rollout history found for deployment "solo"\n',
    code: 1,
  });
});

test('rollout pause, resume and restart with kubectl messages and refusals', async () => {
  const steps: Array<[string[], CliResult]> = [
    [['rollout', 'pause', 'deployment/web'], ok('deployment.apps/web paused\n')],
    [
      ['rollout', 'pause', 'deployment/web'],
      { stdout: '', stderr: 'error: deployments.apps "web" is already paused\n', code: 1 },
    ],
    [
      ['rollout', 'restart', 'deployment/web'],
      {
        stdout: '',
        stderr:
          'error: deployments.apps "web" can\'t restart paused deployment (run rollout resume first)\n',
        code: 1,
      },
    ],
    [
      ['rollout', 'undo', 'deployment/web'],
      {
        stdout: '',
        stderr:
          "error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again\n",
        code: 1,
      },
    ],
    [['rollout', 'resume', 'deployment/web'], ok('deployment.apps/web resumed\n')],
    [
      ['rollout', 'resume', 'deployment/web'],
      { stdout: '', stderr: 'error: deployments.apps "web" is not paused\n', code: 1 },
    ],
    [
      ['rollout', 'restart', 'deployment/web', 'deployment/nope'],
      {
        stdout: 'deployment.apps/web restarted\n',
        stderr: 'Error from server (NotFound): deployments.apps "nope" not found\n',
        code: 1,
      },
    ],
  ];
  for (const [args, want] of steps) assert.deepEqual(await same(args), want, args.join(' '));
  const d = await send('GET', deployPath('b', 'web'));
  assert.equal((d.spec as { paused?: boolean }).paused, undefined);
  const at = (d.spec as { template: { metadata: { annotations: Record<string, string> } } })
    .template.metadata.annotations['kubectl.kubernetes.io/restartedAt'];
  assert.match(at ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
  assert.ok(Math.abs(Date.parse(at ?? '') - Date.now()) < 120_000, at);
});

test('rollout history of a stateful set reads its ControllerRevisions', async () => {
  for (const ns of ['k', 'b']) {
    const sts = await send('POST', `/apis/apps/v1/namespaces/${ns}/statefulsets`, {
      metadata: { name: 'db' },
      spec: {
        replicas: 1,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: template('db', 'busybox'),
      },
    });
    for (const [revision, cause] of [
      [4, 'resized'],
      [2, undefined],
    ] as const)
      await send('POST', `/apis/apps/v1/namespaces/${ns}/controllerrevisions`, {
        metadata: {
          name: `db-${revision}`,
          labels: { app: 'db' },
          ...(cause ? { annotations: { 'kubernetes.io/change-cause': cause } } : {}),
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'StatefulSet',
              name: 'db',
              uid: String(sts.metadata.uid),
              controller: true,
            },
          ],
        },
        revision,
        data: {},
      });
  }
  assert.deepEqual(
    await same(['rollout', 'history', 'statefulset/db']),
    ok('statefulset.apps/db \nREVISION  CHANGE-CAUSE\n2         <none>\n4         resized\n\n'),
  );
});
