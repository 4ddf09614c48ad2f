// List, watch and delete options against kube-apiserver 1.32's semantics and exact Statuses:
// ListOptions decoding and validation (apimachinery internalversion/validation), continue tokens
// (apiserver storage/continue.go, etcd3 errors.go), DeleteOptions validation and preconditions
// (rest.BeforeDelete), dryRun on every write, deletecollection, and what kubectl 1.32 prints.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { ApiServer } from '../../src/apiserver/server.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { startTestApi, type TestApi } from '../support/apiserver.js';

let api: TestApi;
const CMS = '/api/v1/namespaces/default/configmaps';

before(async () => {
  api = await startTestApi();
  for (const name of ['a', 'b', 'c', 'd', 'e']) {
    const res = await api.request('POST', CMS, { metadata: { name, labels: { app: name } } });
    assert.equal(res.status, 201, await res.text());
  }
});
after(() => api.stop());

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await api.request(method, path, body);
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The Status upstream's errors.NewInvalid builds for an options kind of meta.k8s.io. */
function invalidOptions(
  kind: string,
  errors: Array<{ reason: string; field: string; message: string }>,
): Record<string, unknown> {
  const parts = errors.map((e) => `${e.field}: ${e.message}`);
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `${kind}.meta.k8s.io "" is invalid: ${parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`}`,
    reason: 'Invalid',
    code: 422,
    details: { group: 'meta.k8s.io', kind, causes: errors },
  };
}

function badRequest(message: string): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'BadRequest',
    code: 400,
  };
}

const forbidden = (field: string, why: string) => ({
  reason: 'FieldValueForbidden',
  field,
  message: `Forbidden: ${why}`,
});

test('ListOptions are validated as ValidateListOptions does, 422 with every error', async () => {
  const cases: Array<[string, Array<{ reason: string; field: string; message: string }>]> = [
    [
      'resourceVersionMatch=Exact',
      [
        forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden unless resourceVersion is provided',
        ),
      ],
    ],
    [
      'resourceVersion=0&resourceVersionMatch=Exact',
      [
        forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
        ),
      ],
    ],
    [
      'resourceVersion=5&resourceVersionMatch=Newest',
      [
        {
          reason: 'FieldValueNotSupported',
          field: 'resourceVersionMatch',
          message: 'Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""',
        },
      ],
    ],
    [
      'resourceVersionMatch=NotOlderThan&continue=x',
      [
        forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden unless resourceVersion is provided',
        ),
        forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden when continue is provided',
        ),
      ],
    ],
    [
      'sendInitialEvents=false',
      [forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list')],
    ],
    // Watches: sendInitialEvents needs NotOlderThan, and resourceVersionMatch needs sendInitialEvents.
    [
      'watch=1&sendInitialEvents=true',
      [
        forbidden(
          'resourceVersionMatch',
          'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
        ),
      ],
    ],
    [
      'watch=true&resourceVersionMatch=NotOlderThan',
      [
        forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
        ),
      ],
    ],
    [
      'watch=true&resourceVersion=3&resourceVersionMatch=Exact&sendInitialEvents=true',
      [
        forbidden(
          'resourceVersionMatch',
          'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
        ),
        {
          reason: 'FieldValueNotSupported',
          field: 'resourceVersionMatch',
          message: 'Unsupported value: "Exact": supported values: "NotOlderThan"',
        },
      ],
    ],
  ];
  for (const [query, errors] of cases) {
    const { status, json } = await call('GET', `${CMS}?${query}`);
    assert.equal(status, 422, query);
    assert.deepEqual(json, invalidOptions('ListOptions', errors), query);
  }
});

test('numbers are parsed as Go parses them; selectors fail before validation', async () => {
  const cases: Array<[string, string]> = [
    ['limit=abc', 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ['limit=1.5', 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    [
      'limit=99999999999999999999',
      'strconv.ParseInt: parsing "99999999999999999999": value out of range',
    ],
    ['watch=true&timeoutSeconds=0.1s', 'strconv.ParseInt: parsing "0.1s": invalid syntax'],
    // A bad label selector is a decoding error: it comes before the 422 of resourceVersionMatch.
    [
      'labelSelector=a%20in%20(b&resourceVersionMatch=Exact',
      "unable to parse requirement: found '', expected: ',' or ')'",
    ],
    [
      'fieldSelector=foo%3Dbar',
      '"foo" is not a known field selector: only "metadata.name", "metadata.namespace"',
    ],
    [
      'resourceVersion=-1',
      'resourceVersion: Invalid value: "-1": strconv.ParseUint: parsing "-1": invalid syntax',
    ],
  ];
  for (const [query, message] of cases) {
    const { status, json } = await call('GET', `${CMS}?${query}`);
    assert.equal(status, 400, query);
    assert.deepEqual(json, badRequest(message), query);
  }
  // A negative limit is no limit (paging needs limit > 0).
  const all = await call('GET', `${CMS}?limit=-3`);
  assert.equal(all.status, 200);
  assert.equal((all.json.items as unknown[]).length, 5);
  assert.equal((all.json.metadata as Record<string, unknown>).continue, undefined);
});

test('continue tokens are upstream-encoded; rv "0" may go with one, another rv may not', async () => {
  const first = await call('GET', `${CMS}?limit=2`);
  const meta = first.json.metadata as {
    resourceVersion: string;
    continue: string;
    remainingItemCount: number;
  };
  assert.deepEqual(JSON.parse(Buffer.from(meta.continue, 'base64url').toString()), {
    v: 'meta.k8s.io/v1',
    rv: Number(meta.resourceVersion),
    start: 'b\u0000',
  });
  assert.equal(meta.remainingItemCount, 3);
  const second = await call('GET', `${CMS}?limit=2&resourceVersion=0&continue=${meta.continue}`);
  assert.equal(second.status, 200);
  assert.deepEqual(
    (second.json.items as KubeObject[]).map((o) => o.metadata.name),
    ['c', 'd'],
  );
  const withRv = await call('GET', `${CMS}?limit=2&resourceVersion=1&continue=${meta.continue}`);
  assert.equal(withRv.status, 400);
  assert.deepEqual(
    withRv.json,
    badRequest('specifying resource version is not allowed when using continue'),
  );
  // A start key without the trailing NUL starts at that key (inclusive), as etcd's range does.
  const inclusive = Buffer.from(
    JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(meta.resourceVersion), start: 'd' }),
  ).toString('base64url');
  const fromD = await call('GET', `${CMS}?continue=${inclusive}`);
  assert.deepEqual(
    (fromD.json.items as KubeObject[]).map((o) => o.metadata.name),
    ['d', 'e'],
  );
  const token = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const bad: Array<[string, string]> = [
    ['a=b', 'continue key is not valid: illegal base64 data at input byte 1'],
    ['abcde', 'continue key is not valid: illegal base64 data at input byte 4'],
    [
      token({ v: 'kbox.v1', rv: 3, start: 'b' }),
      'continue key is not valid: server does not recognize this encoded version kbox.v1',
    ],
    [
      token({ v: 'meta.k8s.io/v1', rv: 0, start: 'b' }),
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    ],
    [
      token({ v: 'meta.k8s.io/v1', rv: 3, start: '' }),
      'continue key is not valid: encoded start key empty (version meta.k8s.io/v1)',
    ],
    [
      token({ v: 'meta.k8s.io/v1', rv: 3, start: '../kube-system/x' }),
      'continue key is not valid: ../kube-system/x',
    ],
  ];
  for (const [t, message] of bad) {
    const { status, json } = await call('GET', `${CMS}?limit=1&continue=${t}`);
    assert.equal(status, 400, t);
    assert.deepEqual(json, badRequest(`invalid continue token: ${message}`), t);
  }
});

test('a resourceVersion with a limit reads that revision exactly (legacy match)', async () => {
  const before = (await call('GET', CMS)).json.metadata as { resourceVersion: string };
  const extra = await api.request('POST', CMS, { metadata: { name: 'f' } });
  assert.equal(extra.status, 201);
  try {
    const legacy = await call('GET', `${CMS}?limit=10&resourceVersion=${before.resourceVersion}`);
    assert.equal(
      (legacy.json.metadata as Record<string, unknown>).resourceVersion,
      before.resourceVersion,
    );
    assert.equal((legacy.json.items as unknown[]).length, 5);
    // Without a limit it is NotOlderThan: the current state.
    const current = await call('GET', `${CMS}?resourceVersion=${before.resourceVersion}`);
    assert.equal((current.json.items as unknown[]).length, 6);
  } finally {
    await api.request('DELETE', `${CMS}/f`);
  }
});

test('compacted revisions: 410s worded as etcd3 words them, the continue one with a new token', async () => {
  const storage = new SqliteStorage({
    path: ':memory:',
    groupCommit: true,
    retainRevisions: 1,
    retainSeconds: 0,
  });
  const server = new ApiServer({ storage, port: 0 });
  const url = await server.start();
  try {
    const path = `${url}/api/v1/namespaces/default/configmaps`;
    for (const name of ['a', 'b', 'c']) {
      const res = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ metadata: { name } }),
      });
      assert.equal(res.status, 201);
    }
    const page = (await (await fetch(`${path}?limit=1`)).json()) as {
      metadata: { resourceVersion: string; continue: string };
    };
    const rv = page.metadata.resourceVersion;
    await fetch(`${path}/c`, { method: 'DELETE' });
    await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'd' } }),
    });
    storage.compact();
    const expired = (message: string, metadata: Record<string, unknown> = {}) => ({
      kind: 'Status',
      apiVersion: 'v1',
      metadata,
      status: 'Failure',
      message,
      reason: 'Expired',
      code: 410,
    });
    const cont = await fetch(`${path}?limit=1&continue=${page.metadata.continue}`);
    assert.equal(cont.status, 410);
    const fresh = Buffer.from(
      JSON.stringify({ v: 'meta.k8s.io/v1', rv: -1, start: 'a\u0000' }),
    ).toString('base64url');
    assert.deepEqual(
      await cont.json(),
      expired(
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        { continue: fresh },
      ),
    );
    // The token handed out continues at the current revision.
    const rest = (await (await fetch(`${path}?continue=${fresh}`)).json()) as {
      items: KubeObject[];
    };
    assert.deepEqual(
      rest.items.map((o) => o.metadata.name),
      ['b', 'd'],
    );
    for (const q of [
      `resourceVersion=${rv}&resourceVersionMatch=Exact`,
      `resourceVersion=${rv}&limit=5`,
    ]) {
      const res = await fetch(`${path}?${q}`);
      assert.equal(res.status, 410, q);
      assert.deepEqual(
        await res.json(),
        expired('The resourceVersion for the provided list is too old.'),
        q,
      );
    }
  } finally {
    await server.stop();
    storage.close();
  }
});

/** The lines of a watch that ends by its timeoutSeconds. */
async function watchLines(query: string): Promise<Array<{ type: string; object: KubeObject }>> {
  const res = await api.request('GET', `${CMS}?watch=true&timeoutSeconds=1&${query}`);
  assert.equal(res.status, 200);
  const text = await res.text();
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { type: string; object: KubeObject });
}

test('watch: initial events for "" and "0" unless sendInitialEvents=false', async () => {
  const summary = (evs: Array<{ type: string; object: KubeObject }>) =>
    evs.map((e) =>
      e.type === 'BOOKMARK'
        ? `BOOKMARK ${JSON.stringify(e.object.metadata.annotations ?? {})}`
        : `${e.type} ${e.object.metadata.name}`,
    );
  const initial = ['ADDED a', 'ADDED b', 'ADDED c', 'ADDED d', 'ADDED e'];
  assert.deepEqual(summary(await watchLines('')), initial);
  assert.deepEqual(summary(await watchLines('resourceVersion=0')), initial);
  assert.deepEqual(
    summary(await watchLines('sendInitialEvents=false&resourceVersionMatch=NotOlderThan')),
    [],
  );
  assert.deepEqual(
    summary(
      await watchLines(
        'sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true',
      ),
    ),
    [...initial, 'BOOKMARK {"k8s.io/initial-events-end":"true"}'],
  );
  // watch is a Go bool: anything but "0"/"false" is true.
  assert.deepEqual(summary(await watchLines('watch=yes&labelSelector=app%3Da')), ['ADDED a']);
});

test('DeleteOptions are validated as ValidateDeleteOptions does; preconditions as BeforeDelete', async () => {
  const cases: Array<[unknown, Array<{ reason: string; field: string; message: string }>]> = [
    [
      { propagationPolicy: 'Sideways' },
      [
        {
          reason: 'FieldValueNotSupported',
          field: 'propagationPolicy',
          message:
            'Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil"',
        },
      ],
    ],
    [
      { orphanDependents: false, propagationPolicy: 'Background' },
      [
        {
          reason: 'FieldValueInvalid',
          field: 'propagationPolicy',
          message:
            'Invalid value: "Background": orphanDependents and deletionPropagation cannot be both set',
        },
      ],
    ],
    [
      { dryRun: ['All', 'Some'] },
      [
        {
          reason: 'FieldValueNotSupported',
          field: 'dryRun',
          message: 'Unsupported value: []string{"All", "Some"}: supported values: "All"',
        },
      ],
    ],
  ];
  for (const [body, errors] of cases) {
    const { status, json } = await call('DELETE', `${CMS}/a`, body);
    assert.equal(status, 422, JSON.stringify(body));
    assert.deepEqual(json, invalidOptions('DeleteOptions', errors));
  }
  // Options come from the query when there is no body.
  const q = await call('DELETE', `${CMS}/a?dryRun=Maybe`);
  assert.equal(q.status, 422);
  assert.equal(
    q.json.message,
    'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Maybe"}: supported values: "All"',
  );
  const a = (await call('GET', `${CMS}/a`)).json as unknown as KubeObject;
  const uid = await call('DELETE', `${CMS}/a`, { preconditions: { uid: 'other' } });
  assert.equal(uid.status, 409);
  assert.deepEqual(uid.json, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `Operation cannot be fulfilled on ConfigMap "a": the UID in the precondition (other) does not match the UID in record (${a.metadata.uid}). The object might have been deleted and then recreated`,
    reason: 'Conflict',
    code: 409,
    details: { name: 'a', kind: 'ConfigMap' },
  });
  const rv = await call('DELETE', `${CMS}/a`, { preconditions: { resourceVersion: '1' } });
  assert.equal(rv.status, 409);
  assert.equal(
    rv.json.message,
    `Operation cannot be fulfilled on ConfigMap "a": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${a.metadata.resourceVersion}). The object might have been modified`,
  );
  assert.equal((await call('GET', `${CMS}/a`)).status, 200);
});

test('dryRun: bad values are 422 on every write; All writes nothing and answers as if written', async () => {
  const create = await call('POST', `${CMS}?dryRun=all`, { metadata: { name: 'z' } });
  assert.equal(create.status, 422);
  assert.equal(
    create.json.message,
    'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"all"}: supported values: "All"',
  );
  const a = (await call('GET', `${CMS}/a`)).json as unknown as KubeObject;
  const update = await call('PUT', `${CMS}/a?dryRun=x`, a);
  assert.equal(update.status, 422);
  assert.equal(
    update.json.message,
    'UpdateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"x"}: supported values: "All"',
  );
  const res = await api.request(
    'PATCH',
    `${CMS}/a?dryRun=x`,
    { data: { k: 'v' } },
    'application/merge-patch+json',
  );
  assert.equal(res.status, 422);
  assert.equal(
    ((await res.json()) as { message: string }).message,
    'PatchOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"x"}: supported values: "All"',
  );
  assert.equal((await call('GET', `${CMS}/z`)).status, 404);
  const dry = await call('POST', `${CMS}?dryRun=All`, { metadata: { name: 'z' } });
  assert.equal(dry.status, 201);
  assert.equal((await call('GET', `${CMS}/z`)).status, 404);
  const del = await call('DELETE', `${CMS}/a?dryRun=All`);
  assert.equal(del.status, 200);
  assert.deepEqual(del.json, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: 'a', kind: 'configmaps', uid: a.metadata.uid },
  });
  assert.equal((await call('GET', `${CMS}/a`)).status, 200);
});

test('deletecollection answers the list it deleted, as listed; dryRun deletes nothing', async () => {
  for (const name of ['x1', 'x2', 'y1']) {
    await api.request('POST', CMS, { metadata: { name, labels: { group: name[0] ?? '' } } });
  }
  const dry = await call('DELETE', `${CMS}?labelSelector=group%3Dx&dryRun=All`);
  assert.equal(dry.status, 200);
  assert.equal(dry.json.kind, 'ConfigMapList');
  assert.deepEqual(
    (dry.json.items as KubeObject[]).map((o) => o.metadata.name),
    ['x1', 'x2'],
  );
  assert.equal((await call('GET', `${CMS}/x1`)).status, 200);
  const bad = await call('DELETE', `${CMS}?fieldSelector=spec.x%3D1`);
  assert.deepEqual(
    bad.json,
    badRequest(
      '"spec.x" is not a known field selector: only "metadata.name", "metadata.namespace"',
    ),
  );
  const listed = (await call('GET', `${CMS}?labelSelector=group%3Dx`)).json;
  const del = await call('DELETE', `${CMS}?labelSelector=group%3Dx`);
  assert.deepEqual(del.json.items, listed.items);
  assert.equal((await call('GET', `${CMS}/x1`)).status, 404);
  assert.equal((await call('GET', `${CMS}/y1`)).status, 200);
  await api.request('DELETE', `${CMS}/y1`);
});

test('a deleted pod is answered with the pod (ReturnDeletedObject), not a Status', async () => {
  const pod = {
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  };
  assert.equal((await api.request('POST', '/api/v1/namespaces/default/pods', pod)).status, 201);
  const del = await call('DELETE', '/api/v1/namespaces/default/pods/p');
  assert.equal(del.status, 200);
  assert.equal(del.json.kind, 'Pod');
  assert.equal((del.json.metadata as Record<string, unknown>).name, 'p');
});

test('kubectl 1.32 prints what it prints against kube-apiserver', async () => {
  const sel = await api.kubectl(['get', 'configmaps', '--field-selector=foo=bar']);
  assert.equal(sel.code, 1);
  assert.equal(
    sel.stderr,
    'Error from server (BadRequest): Unable to find "/v1, Resource=configmaps" that match label selector "", field selector "foo=bar": "foo" is not a known field selector: only "metadata.name", "metadata.namespace"\n',
  );
  const lab = await api.kubectl(['get', 'configmaps', '-l', 'a in (b']);
  assert.equal(lab.code, 1);
  assert.equal(
    lab.stderr,
    'Error from server (BadRequest): Unable to find "/v1, Resource=configmaps" that match label selector "a in (b", field selector "": unable to parse requirement: found \'\', expected: \',\' or \')\'\n',
  );
  const chunked = await api.kubectl(['get', 'configmaps', '--chunk-size=2', '-o', 'name', '-v=6']);
  assert.equal(chunked.code, 0, chunked.stderr);
  assert.equal(chunked.stdout, 'configmap/a\nconfigmap/b\nconfigmap/c\nconfigmap/d\nconfigmap/e\n');
  assert.equal(
    (chunked.stderr.match(/GET .*configmaps\?(continue=[^&]+&)?limit=2 200/g) ?? []).length,
    3,
  );
  const dry = await api.kubectl(['delete', 'configmaps', '--all', '--dry-run=server']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(
    dry.stdout,
    ['a', 'b', 'c', 'd', 'e'].map((n) => `configmap "${n}" deleted (server dry run)\n`).join(''),
  );
  assert.equal((await call('GET', CMS)).json.items instanceof Array, true);
  assert.equal(((await call('GET', CMS)).json.items as unknown[]).length, 5);
  const fg = await api.kubectl([
    'delete',
    'configmap',
    'e',
    '--cascade=foreground',
    '--wait=false',
  ]);
  assert.equal(fg.code, 0, fg.stderr);
  assert.equal(fg.stdout, 'configmap "e" deleted\n');
  // Foreground: the object stays, marked, until the garbage collector removes its dependents.
  const e = (await call('GET', `${CMS}/e`)).json as unknown as KubeObject;
  assert.deepEqual(e.metadata.finalizers, ['foregroundDeletion']);
  assert.equal(typeof e.metadata.deletionTimestamp, 'string');
});
