// Write options over HTTP: CreateOptions, UpdateOptions and PatchOptions are validated with the
// kind of the verb's options (ValidateCreateOptions, ValidateUpdateOptions, ValidatePatchOptions
// and ValidateFieldManager), and DELETE answers 202 exactly when upstream's delete handler does.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';

let api: TestApi;
const CMS = '/api/v1/namespaces/default/configmaps';
const LONG = 'm'.repeat(129);

before(async () => {
  api = await startTestApi();
  for (const ns of ['default']) {
    await api.request('POST', '/api/v1/namespaces', { metadata: { name: ns } });
  }
  const res = await api.request('POST', CMS, { metadata: { name: 'cm' } });
  assert.equal(res.status, 201);
});
after(() => api.stop());

async function status(res: Response): Promise<{ code: number; message: string }> {
  const body = (await res.json()) as { code: number; message: string };
  return { code: res.status, message: body.message };
}

const TOO_LONG = 'fieldManager: Too long: may not be more than 128 bytes';

test('a fieldManager over 128 bytes is refused with the options kind of each verb', async () => {
  assert.deepEqual(
    await status(
      await api.request('POST', `${CMS}?fieldManager=${LONG}`, { metadata: { name: 'x' } }),
    ),
    { code: 422, message: `CreateOptions.meta.k8s.io "" is invalid: ${TOO_LONG}` },
  );
  assert.deepEqual(
    await status(
      await api.request('PUT', `${CMS}/cm?fieldManager=${LONG}`, { metadata: { name: 'cm' } }),
    ),
    { code: 422, message: `UpdateOptions.meta.k8s.io "" is invalid: ${TOO_LONG}` },
  );
  assert.deepEqual(
    await status(
      await api.request(
        'PATCH',
        `${CMS}/cm?fieldManager=${LONG}`,
        { data: { a: 'b' } },
        'application/merge-patch+json',
      ),
    ),
    { code: 422, message: `PatchOptions.meta.k8s.io "" is invalid: ${TOO_LONG}` },
  );
  // Apply: the length error comes after the other PatchOptions errors, in one message.
  assert.deepEqual(
    await status(
      await api.request(
        'PATCH',
        `${CMS}/cm?fieldManager=${LONG}&dryRun=x`,
        { data: { a: 'b' } },
        'application/apply-patch+yaml',
      ),
    ),
    {
      code: 422,
      message:
        `PatchOptions.meta.k8s.io "" is invalid: [${TOO_LONG}, ` +
        'dryRun: Unsupported value: []string{"x"}: supported values: "All"]',
    },
  );
  // Nothing was written.
  assert.equal((await api.request('GET', `${CMS}/x`)).status, 404);
});

test('a fieldManager with unprintable characters is invalid, one error per character', async () => {
  const manager = encodeURIComponent('a\tb\u0085c');
  assert.deepEqual(
    await status(
      await api.request('POST', `${CMS}?fieldManager=${manager}`, { metadata: { name: 'y' } }),
    ),
    {
      code: 422,
      message:
        'CreateOptions.meta.k8s.io "" is invalid: [fieldManager: Invalid value: "a\\tb\\u0085c": ' +
        'invalid character U+0009 (at position 1), fieldManager: Invalid value: "a\\tb\\u0085c": ' +
        'invalid character U+0085 (at position 3)]',
    },
  );
  // Spaces and any letter are printable.
  const ok = await api.request('POST', `${CMS}?fieldManager=${encodeURIComponent('my tool é')}`, {
    metadata: { name: 'y' },
  });
  assert.equal(ok.status, 201);
});

test('status and scale writes validate their options too', async () => {
  const deploy = '/apis/apps/v1/namespaces/default/deployments';
  const created = await api.request('POST', deploy, {
    metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      },
    },
  });
  assert.equal(created.status, 201);
  assert.deepEqual(
    await status(
      await api.request('PUT', `${deploy}/web/scale?fieldManager=${LONG}`, {
        kind: 'Scale',
        apiVersion: 'autoscaling/v1',
        metadata: { name: 'web', namespace: 'default' },
        spec: { replicas: 2 },
      }),
    ),
    { code: 422, message: `UpdateOptions.meta.k8s.io "" is invalid: ${TOO_LONG}` },
  );
  assert.deepEqual(
    await status(
      await api.request(
        'PATCH',
        `${deploy}/web/scale?dryRun=x`,
        { spec: { replicas: 2 } },
        'application/merge-patch+json',
      ),
    ),
    {
      code: 422,
      message:
        'PatchOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"x"}: supported values: "All"',
    },
  );
});

/** What a DELETE answers: a Status or the object, read loosely. */
interface Answer {
  kind: string;
  metadata: {
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    finalizers?: string[];
  };
  status: { phase?: string };
}

async function deleteWith(
  path: string,
  options: Record<string, unknown>,
): Promise<{ code: number; body: Answer }> {
  const res = await api.request('DELETE', path, {
    kind: 'DeleteOptions',
    apiVersion: 'v1',
    ...options,
  });
  return { code: res.status, body: (await res.json()) as Answer };
}

test('DELETE is 202 only for orphanDependents=false on an object not deleted at once', async () => {
  const make = async (name: string, finalizers?: string[]) => {
    const res = await api.request('POST', CMS, { metadata: { name, finalizers } });
    assert.equal(res.status, 201, await res.text());
  };
  // Finalizers keep it: 202 and the object, marked for deletion.
  await make('kept', ['example.com/keep']);
  let out = await deleteWith(`${CMS}/kept`, { orphanDependents: false });
  assert.equal(out.code, 202);
  assert.equal(out.body.kind, 'ConfigMap');
  assert.ok(out.body.metadata.deletionTimestamp);
  assert.deepEqual(out.body.metadata.finalizers, ['example.com/keep']);
  // The same deletion by propagationPolicy is 200 (Foreground adds its finalizer).
  await make('fg', ['example.com/keep']);
  out = await deleteWith(`${CMS}/fg`, { propagationPolicy: 'Foreground' });
  assert.equal(out.code, 200);
  assert.deepEqual(out.body.metadata.finalizers, ['example.com/keep', 'foregroundDeletion']);
  // Foreground with no other finalizer is not immediate either: still 200.
  await make('fg2');
  out = await deleteWith(`${CMS}/fg2`, { propagationPolicy: 'Foreground' });
  assert.equal(out.code, 200);
  assert.deepEqual(out.body.metadata.finalizers, ['foregroundDeletion']);
  // orphanDependents=false removes the orphan finalizer (and adds no foreground one).
  await make('orph', ['orphan', 'example.com/keep']);
  out = await deleteWith(`${CMS}/orph`, { orphanDependents: false });
  assert.equal(out.code, 202);
  assert.deepEqual(out.body.metadata.finalizers, ['example.com/keep']);
  // Deleted at once: 200 and a Status, whatever orphanDependents says (query form here).
  await make('gone');
  let res = await api.request('DELETE', `${CMS}/gone?orphanDependents=false`);
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { kind: string }).kind, 'Status');
  // Background drops an orphan finalizer left alone: nothing keeps the object any more.
  await make('bg', ['orphan']);
  out = await deleteWith(`${CMS}/bg`, { propagationPolicy: 'Background' });
  assert.equal(out.code, 200);
  assert.equal(out.body.kind, 'Status');
  assert.equal((await api.request('GET', `${CMS}/bg`)).status, 404);
  // orphanDependents=true keeps the orphan finalizer: 200.
  await make('orph2');
  out = await deleteWith(`${CMS}/orph2`, { orphanDependents: true });
  assert.equal(out.code, 200);
  assert.deepEqual(out.body.metadata.finalizers, ['orphan']);
  // A graceful pod deletion: 202 with the pod; 200 without orphanDependents.
  const pods = '/api/v1/namespaces/default/pods';
  for (const name of ['p1', 'p2']) {
    res = await api.request('POST', pods, {
      metadata: { name },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] },
    });
    assert.equal(res.status, 201, await res.text());
  }
  out = await deleteWith(`${pods}/p1`, { orphanDependents: false });
  assert.equal(out.code, 202);
  assert.equal(out.body.kind, 'Pod');
  assert.equal(out.body.metadata.deletionGracePeriodSeconds, 30);
  out = await deleteWith(`${pods}/p2`, {});
  assert.equal(out.code, 200);
  assert.equal(out.body.kind, 'Pod');
  // Deleting again while the grace period runs changes nothing (not even finalizers): 202 again.
  const before = (await (await api.request('GET', `${pods}/p1`)).json()) as {
    metadata: { resourceVersion: string };
  };
  out = await deleteWith(`${pods}/p1`, { orphanDependents: true });
  assert.equal(out.code, 200);
  assert.equal(out.body.metadata.finalizers, undefined);
  out = await deleteWith(`${pods}/p1`, { orphanDependents: false });
  assert.equal(out.code, 202);
  const again = (await (await api.request('GET', `${pods}/p1`)).json()) as {
    metadata: { resourceVersion: string };
  };
  assert.equal(again.metadata.resourceVersion, before.metadata.resourceVersion);
  // A namespace's deletion is never immediate.
  await api.request('POST', '/api/v1/namespaces', { metadata: { name: 'doomed' } });
  out = await deleteWith('/api/v1/namespaces/doomed', { orphanDependents: false });
  assert.equal(out.code, 202);
  assert.equal(out.body.status.phase, 'Terminating');
});

test('create subresources validate CreateOptions; a dry-run eviction deletes nothing', async () => {
  const pods = '/api/v1/namespaces/default/pods';
  const res = await api.request('POST', pods, {
    metadata: { name: 'ev' },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] },
  });
  assert.equal(res.status, 201, await res.text());
  const eviction = {
    kind: 'Eviction',
    apiVersion: 'policy/v1',
    metadata: { name: 'ev', namespace: 'default' },
  };
  for (const sub of ['eviction', 'binding']) {
    assert.deepEqual(
      await status(await api.request('POST', `${pods}/ev/${sub}?fieldManager=${LONG}`, eviction)),
      { code: 422, message: `CreateOptions.meta.k8s.io "" is invalid: ${TOO_LONG}` },
    );
  }
  assert.equal((await api.request('POST', `${pods}/ev/eviction?dryRun=All`, eviction)).status, 201);
  const pod = (await (await api.request('GET', `${pods}/ev`)).json()) as {
    metadata: { deletionTimestamp?: string };
  };
  assert.equal(pod.metadata.deletionTimestamp, undefined);
  assert.equal((await api.request('POST', `${pods}/ev/eviction`, eviction)).status, 201);
  const evicted = (await (await api.request('GET', `${pods}/ev`)).json()) as {
    metadata: { deletionTimestamp?: string };
  };
  assert.ok(evicted.metadata.deletionTimestamp);
});
