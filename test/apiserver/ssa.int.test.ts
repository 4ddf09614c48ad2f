// Server-side apply and managedFields with the real kubectl 1.32: what kubectl prints, its exit
// codes, and the managedFields upstream would record for the same commands.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject, ManagedFieldsEntry } from '../../src/api/types.js';
import { startTestApi, type TestApi } from '../support/apiserver.js';
import { runKbox } from '../support/kbox-cli.js';

let api: TestApi;

before(async () => {
  api = await startTestApi();
});
after(() => api.stop());

const manifest = (name: string, replicas: number, container = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
      - name: nginx
        image: nginx
        ports:
        - containerPort: 80${container}
`;

async function object(path: string): Promise<KubeObject> {
  const res = await api.request('GET', path);
  assert.equal(res.status, 200, path);
  return (await res.json()) as KubeObject;
}

/** managedFields without their times (checked to be RFC 3339 seconds). */
function entries(obj: KubeObject): ManagedFieldsEntry[] {
  return (obj.metadata.managedFields ?? []).map((m) => {
    assert.match(m.time ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const rest = { ...m };
    delete rest.time;
    return rest;
  });
}

const DEPLOY = '/apis/apps/v1/namespaces/default/deployments';

const appliedFields = {
  'f:metadata': { 'f:labels': { 'f:app': {} } },
  'f:spec': {
    'f:replicas': {},
    'f:selector': {},
    'f:template': {
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:containers': {
          'k:{"name":"nginx"}': {
            '.': {},
            'f:image': {},
            'f:name': {},
            'f:ports': {
              'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} },
            },
          },
        },
      },
    },
  },
};

test('kubectl apply --server-side: create, unchanged re-apply, managedFields as upstream', async () => {
  let r = await api.kubectl(['apply', '--server-side', '-f', '-'], manifest('web', 2));
  assert.deepEqual(r, { stdout: 'deployment.apps/web serverside-applied\n', stderr: '', code: 0 });
  const first = await object(`${DEPLOY}/web`);
  assert.deepEqual(entries(first), [
    {
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      fieldsType: 'FieldsV1',
      fieldsV1: appliedFields,
    },
  ]);
  // The server's bytes: "." comes before the children, as structured-merge-diff's
  // emitContentsV1 writes it.
  const raw = JSON.stringify(first.metadata.managedFields?.[0]?.fieldsV1);
  assert.ok(raw.includes('{".":{},"f:image":{},"f:name":{},"f:ports":{'), raw);
  assert.ok(raw.includes('{".":{},"f:containerPort":{}}'), raw);

  r = await api.kubectl(['apply', '--server-side', '-f', '-'], manifest('web', 2));
  assert.deepEqual(r, { stdout: 'deployment.apps/web serverside-applied\n', stderr: '', code: 0 });
  const again = await object(`${DEPLOY}/web`);
  assert.deepEqual(again.metadata.managedFields, first.metadata.managedFields);
});

test('kubectl get hides managedFields unless --show-managed-fields; kbox get does the same', async () => {
  const hidden = await api.kubectl(['get', 'deploy/web', '-o', 'yaml']);
  assert.equal(hidden.code, 0);
  assert.ok(!hidden.stdout.includes('managedFields'));
  const shown = await api.kubectl(['get', 'deploy/web', '-o', 'yaml', '--show-managed-fields']);
  assert.ok(shown.stdout.includes('  managedFields:\n  - apiVersion: apps/v1\n'));
  for (const args of [
    ['get', 'deploy/web', '-o', 'yaml'],
    ['get', 'deploy/web', '-o', 'yaml', '--show-managed-fields'],
    ['get', 'deploy', '-o', 'yaml', '--show-managed-fields'],
  ]) {
    const [kubectl, kbox] = await Promise.all([api.kubectl(args), runKbox(api.kubeconfig, args)]);
    assert.equal(kbox.code, 0, kbox.stderr);
    assert.equal(kbox.stdout, kubectl.stdout, args.join(' '));
  }
  // JSON carries the same fields (kbox keeps the server's key order, kubectl sorts them).
  for (const extra of [[], ['--show-managed-fields']]) {
    const args = ['get', 'deploy', '-o', 'json', ...extra];
    const [kubectl, kbox] = await Promise.all([api.kubectl(args), runKbox(api.kubeconfig, args)]);
    assert.deepEqual(JSON.parse(kbox.stdout), JSON.parse(kubectl.stdout), args.join(' '));
  }
});

test('apply after kubectl scale: conflict with the scale manager, exit 1; --force-conflicts wins', async () => {
  let r = await api.kubectl(['scale', 'deploy/web', '--replicas=3']);
  assert.equal(r.code, 0, r.stderr);
  const scaled = await object(`${DEPLOY}/web`);
  assert.deepEqual(entries(scaled)[1], {
    manager: 'kubectl',
    operation: 'Update',
    apiVersion: 'apps/v1',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    subresource: 'scale',
  });

  r = await api.kubectl(['apply', '--server-side', '-f', '-'], manifest('web', 2));
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    `error: Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas
Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the \`--force-conflicts\` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts
`,
  );
  assert.equal(((await object(`${DEPLOY}/web`)).spec as { replicas: number }).replicas, 3);

  r = await api.kubectl(
    ['apply', '--server-side', '--force-conflicts', '-f', '-'],
    manifest('web', 2),
  );
  assert.deepEqual(r, { stdout: 'deployment.apps/web serverside-applied\n', stderr: '', code: 0 });
  const forced = await object(`${DEPLOY}/web`);
  assert.equal((forced.spec as { replicas: number }).replicas, 2);
  assert.deepEqual(
    entries(forced).map((m) => [m.manager, m.operation]),
    [['kubectl', 'Apply']],
  );
});

test('fields dropped from the applied manifest are removed', async () => {
  const env = '\n        env:\n        - name: MODE\n          value: fast';
  let r = await api.kubectl(['apply', '--server-side', '-f', '-'], manifest('drop', 1, env));
  assert.equal(r.code, 0, r.stderr);
  const containers = async (): Promise<Array<Record<string, unknown>>> =>
    ((await object(`${DEPLOY}/drop`)).spec as { template: { spec: { containers: [] } } }).template
      .spec.containers;
  assert.deepEqual((await containers())[0]?.env, [{ name: 'MODE', value: 'fast' }]);
  r = await api.kubectl(['apply', '--server-side', '-f', '-'], manifest('drop', 1));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(Object.hasOwn((await containers())[0] ?? {}, 'env'), false);
  assert.deepEqual(entries(await object(`${DEPLOY}/drop`))[0]?.fieldsV1, {
    ...appliedFields,
    'f:metadata': { 'f:labels': { 'f:app': {} } },
  });
});

test('Update managers: kubectl run, label and client-side apply record what upstream records', async () => {
  let r = await api.kubectl(['run', 'p1', '--image=nginx']);
  assert.equal(r.code, 0, r.stderr);
  r = await api.kubectl(['label', 'pod/p1', 'tier=fe']);
  assert.equal(r.code, 0, r.stderr);
  // Entries written in the same second sort by manager name; compare them in one order.
  const byManager = (a: ManagedFieldsEntry, b: ManagedFieldsEntry): number =>
    (a.manager ?? '').localeCompare(b.manager ?? '');
  assert.deepEqual(entries(await object('/api/v1/namespaces/default/pods/p1')).sort(byManager), [
    {
      manager: 'kubectl-label',
      operation: 'Update',
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:labels': { 'f:tier': {} } } },
    },
    {
      manager: 'kubectl-run',
      operation: 'Update',
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { '.': {}, 'f:run': {} } },
        'f:spec': {
          'f:containers': {
            'k:{"name":"p1"}': {
              '.': {},
              'f:image': {},
              'f:imagePullPolicy': {},
              'f:name': {},
              'f:resources': {},
              'f:terminationMessagePath': {},
              'f:terminationMessagePolicy': {},
            },
          },
          'f:dnsPolicy': {},
          'f:enableServiceLinks': {},
          'f:restartPolicy': {},
          'f:schedulerName': {},
          'f:securityContext': {},
          'f:terminationGracePeriodSeconds': {},
        },
      },
    },
  ]);

  r = await api.kubectl(['apply', '-f', '-'], manifest('csa', 1));
  assert.equal(r.code, 0, r.stderr);
  const csa = entries(await object(`${DEPLOY}/csa`));
  assert.deepEqual(
    csa.map((m) => [m.manager, m.operation]),
    [['kubectl-client-side-apply', 'Update']],
  );
  const meta = (csa[0]?.fieldsV1 as { 'f:metadata': unknown })['f:metadata'];
  assert.deepEqual(meta, {
    'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} },
    'f:labels': { '.': {}, 'f:app': {} },
  });
});

test('apply requests without fieldManager, and force on other patches, are 422 as upstream', async () => {
  let res = await api.request('PATCH', `${DEPLOY}/web`, '{}', 'application/apply-patch+yaml');
  assert.equal(res.status, 422);
  let status = (await res.json()) as { message: string; reason: string };
  assert.equal(
    status.message,
    'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
  );
  res = await api.request(
    'PATCH',
    `${DEPLOY}/web?force=true`,
    '{}',
    'application/merge-patch+json',
  );
  assert.equal(res.status, 422);
  status = (await res.json()) as { message: string; reason: string };
  assert.equal(
    status.message,
    'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
  );
  res = await api.request(
    'PATCH',
    `${DEPLOY}/web?fieldManager=x`,
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', managedFields: [] },
    }),
    'application/apply-patch+yaml',
  );
  assert.equal(res.status, 400);
  assert.equal(
    ((await res.json()) as { message: string }).message,
    'metadata.managedFields must be nil',
  );
});

test('an unfiltered LIST (stored JSON spliced) equals a filtered one, pages included', async () => {
  const list = async (query: string): Promise<{ items: KubeObject[]; metadata: object }> => {
    const res = await api.request('GET', `${DEPLOY}${query}`);
    assert.equal(res.status, 200);
    return (await res.json()) as { items: KubeObject[]; metadata: object };
  };
  const all = await list('');
  assert.ok(all.items.length >= 3);
  assert.ok(all.items.every((d) => (d.metadata.managedFields ?? []).length > 0));
  assert.deepEqual(all.items, (await list('?labelSelector=app')).items);
  const page = await list('?limit=2');
  assert.deepEqual(page.items, all.items.slice(0, 2));
  assert.ok('continue' in page.metadata && 'remainingItemCount' in page.metadata);
});
