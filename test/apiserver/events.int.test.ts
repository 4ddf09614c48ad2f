// core/v1 and events.k8s.io/v1 Events over HTTP: one storage, each request served in its API's
// shape, each API's validation, and the real kubectl on both.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { ApiServer } from '../../src/apiserver/server.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { startTestApi, type TestApi } from '../support/apiserver.js';

let api: TestApi;

before(async () => {
  api = await startTestApi();
});
after(() => api.stop());

const CORE = '/api/v1/namespaces/default/events';
const V1 = '/apis/events.k8s.io/v1/namespaces/default/events';

function coreEvent(name: string, pod = 'web'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'default' },
    involvedObject: { kind: 'Pod', namespace: 'default', name: pod, uid: `uid-${pod}` },
    reason: 'Started',
    message: `Started ${pod}`,
    source: { component: 'kubelet', host: 'n1' },
    firstTimestamp: '2026-01-02T03:04:05Z',
    lastTimestamp: '2026-01-02T03:04:06Z',
    count: 2,
    type: 'Normal',
  };
}

function v1Event(name: string, pod = 'web'): KubeObject {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name, namespace: 'default' },
    eventTime: '2026-01-02T03:04:05.000001Z',
    reportingController: 'example.com/ctl',
    reportingInstance: 'ctl-1',
    action: 'Sync',
    reason: 'Synced',
    regarding: { kind: 'Pod', namespace: 'default', name: pod },
    note: `synced ${pod}`,
    type: 'Normal',
  };
}

async function json(res: Response, status: number): Promise<KubeObject & Record<string, unknown>> {
  const body = (await res.json()) as KubeObject;
  assert.equal(res.status, status, JSON.stringify(body));
  return body;
}

/** Everything but metadata, which carries managedFields and timestamps. */
function body(obj: KubeObject): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...obj };
  delete rest['metadata'];
  return rest;
}

test('an event created through core/v1 reads through events.k8s.io/v1 converted', async () => {
  const created = await json(await api.request('POST', CORE, coreEvent('c1')), 201);
  const got = await json(await api.request('GET', `${V1}/c1`), 200);
  assert.equal(got.metadata.uid, created.metadata.uid);
  assert.equal(got.metadata.resourceVersion, created.metadata.resourceVersion);
  assert.deepEqual(body(got), {
    kind: 'Event',
    apiVersion: 'events.k8s.io/v1',
    eventTime: null,
    reason: 'Started',
    regarding: { kind: 'Pod', namespace: 'default', name: 'web', uid: 'uid-web' },
    note: 'Started web',
    type: 'Normal',
    deprecatedSource: { component: 'kubelet', host: 'n1' },
    deprecatedFirstTimestamp: '2026-01-02T03:04:05Z',
    deprecatedLastTimestamp: '2026-01-02T03:04:06Z',
    deprecatedCount: 2,
  });
  // The core read has core's zero values filled in as kube-apiserver serialises them.
  assert.deepEqual(body(await json(await api.request('GET', `${CORE}/c1`), 200)), {
    ...body(coreEvent('c1')),
    eventTime: null,
    reportingComponent: '',
    reportingInstance: '',
  });
});

test('an event created through events.k8s.io/v1 reads through core/v1 converted', async () => {
  const created = await json(await api.request('POST', V1, v1Event('n1')), 201);
  assert.equal(created.apiVersion, 'events.k8s.io/v1');
  assert.equal(created['note'], 'synced web');
  const got = await json(await api.request('GET', `${CORE}/n1`), 200);
  assert.equal(got.metadata.uid, created.metadata.uid);
  assert.equal(got.metadata.resourceVersion, created.metadata.resourceVersion);
  assert.deepEqual(body(got), {
    kind: 'Event',
    apiVersion: 'v1',
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'web' },
    reason: 'Synced',
    message: 'synced web',
    source: {},
    firstTimestamp: null,
    lastTimestamp: null,
    type: 'Normal',
    eventTime: '2026-01-02T03:04:05.000001Z',
    action: 'Sync',
    reportingComponent: 'example.com/ctl',
    reportingInstance: 'ctl-1',
  });
  // Lists of either API hold every event, each in the list's shape.
  const coreList = await json(await api.request('GET', CORE), 200);
  const v1List = await json(await api.request('GET', V1), 200);
  assert.equal(v1List.kind, 'EventList');
  assert.equal(v1List.apiVersion, 'events.k8s.io/v1');
  const names = (l: Record<string, unknown>): string[] =>
    (l['items'] as KubeObject[]).map((i) => i.metadata.name ?? '').sort();
  assert.deepEqual(names(v1List), names(coreList));
  assert.ok((v1List['items'] as KubeObject[]).every((i) => i.apiVersion === 'events.k8s.io/v1'));
  assert.ok((coreList['items'] as KubeObject[]).every((i) => i['involvedObject'] !== undefined));
});

test('an events.k8s.io create without reportingController is a 422 with upstream text', async () => {
  const ev = v1Event('bad');
  delete ev['reportingController'];
  const status = await json(await api.request('POST', V1, ev), 422);
  assert.equal(
    status['message'],
    `Event.events.k8s.io "bad" is invalid: [reportingController: Required value, reportingController: Invalid value: "": name part must be non-empty, reportingController: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')]`,
  );
  assert.deepEqual((status['details'] as { causes: unknown[] }).causes[0], {
    reason: 'FieldValueRequired',
    message: 'Required value',
    field: 'reportingController',
  });
  // The same legacy-shaped event is fine through core/v1.
  const legacy = coreEvent('legacy-ok');
  await json(await api.request('POST', CORE, legacy), 201);
  // …but not through events.k8s.io, which wants new-style events.
  const asV1 = await json(
    await api.request('POST', V1, {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'legacy-bad' },
      regarding: { kind: 'Pod', namespace: 'default', name: 'web' },
      reason: 'Started',
      type: 'Normal',
      deprecatedCount: 2,
    }),
    422,
  );
  assert.equal(
    asV1['message'],
    'Event.events.k8s.io "legacy-bad" is invalid: [eventTime: Required value, count: Invalid value: "": needs to be unset]',
  );
});

test('core events take any name that fits a path segment; events.k8s.io wants a subdomain', async () => {
  await json(await api.request('POST', CORE, coreEvent('Web_Pod.Started')), 201);
  const slash = await json(await api.request('POST', CORE, coreEvent('a%b')), 422);
  assert.equal(
    slash['message'],
    `Event "a%b" is invalid: metadata.name: Invalid value: "a%b": may not contain '%'`,
  );
  const v1 = await json(await api.request('POST', V1, v1Event('Web_Pod.Synced')), 422);
  assert.match(
    String(v1['message']),
    /^Event\.events\.k8s\.io "Web_Pod\.Synced" is invalid: metadata\.name: Invalid value: "Web_Pod\.Synced": a lowercase RFC 1123 subdomain/,
  );
});

test('field selectors: regarding.* through events.k8s.io, involvedObject.* through core', async () => {
  await json(await api.request('POST', V1, v1Event('sel-a', 'alpha')), 201);
  await json(await api.request('POST', CORE, coreEvent('sel-b', 'alpha')), 201);
  const v1 = await json(
    await api.request('GET', `${V1}?fieldSelector=regarding.name%3Dalpha`),
    200,
  );
  assert.deepEqual((v1['items'] as KubeObject[]).map((i) => i.metadata.name).sort(), [
    'sel-a',
    'sel-b',
  ]);
  const byController = await json(
    await api.request('GET', `${V1}?fieldSelector=reportingController%3Dexample.com%2Fctl`),
    200,
  );
  assert.ok((byController['items'] as KubeObject[]).some((i) => i.metadata.name === 'sel-a'));
  assert.ok((byController['items'] as KubeObject[]).every((i) => i.metadata.name !== 'sel-b'));
  const core = await json(
    await api.request('GET', `${CORE}?fieldSelector=involvedObject.name%3Dalpha`),
    200,
  );
  assert.equal((core['items'] as KubeObject[]).length, 2);
  const wrong = await json(
    await api.request('GET', `${V1}?fieldSelector=involvedObject.name%3Dalpha`),
    400,
  );
  assert.equal(wrong['message'], 'field label not supported: involvedObject.name');
});

test('a watch through events.k8s.io delivers converted objects, also for core writes', async () => {
  const list = await json(await api.request('GET', V1), 200);
  const rv = (list.metadata as { resourceVersion: string }).resourceVersion;
  const ctl = new AbortController();
  const res = await fetch(
    `${api.url}${V1}?watch=true&resourceVersion=${rv}&fieldSelector=regarding.name%3Dwatched`,
    { signal: ctl.signal },
  );
  await json(await api.request('POST', CORE, coreEvent('w1', 'watched')), 201);
  await json(await api.request('POST', CORE, coreEvent('w-other', 'unwatched')), 201);
  await json(
    await api.request('PATCH', `${CORE}/w1`, { count: 3 }, 'application/merge-patch+json'),
    200,
  );
  await json(await api.request('DELETE', `${CORE}/w1`), 200);
  const frames: Array<{ type: string; object: KubeObject }> = [];
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      frames.push(JSON.parse(buf.slice(0, nl)) as { type: string; object: KubeObject });
      buf = buf.slice(nl + 1);
    }
    if (frames.length >= 3) break;
  }
  ctl.abort();
  assert.deepEqual(
    frames.map((f) => [
      f.type,
      f.object.metadata.name,
      f.object.apiVersion,
      f.object['deprecatedCount'],
    ]),
    [
      ['ADDED', 'w1', 'events.k8s.io/v1', 2],
      ['MODIFIED', 'w1', 'events.k8s.io/v1', 3],
      ['DELETED', 'w1', 'events.k8s.io/v1', 3],
    ],
  );
  assert.deepEqual(frames[0]?.object['regarding'], {
    kind: 'Pod',
    namespace: 'default',
    name: 'watched',
    uid: 'uid-watched',
  });
});

test('patches through events.k8s.io patch its shape, then store core', async () => {
  await json(await api.request('POST', V1, v1Event('p1')), 201);
  const series = { count: 2, lastObservedTime: '2026-01-02T03:05:00.000000Z' };
  const merged = await json(
    await api.request('PATCH', `${V1}/p1`, { series }, 'application/merge-patch+json'),
    200,
  );
  assert.deepEqual(merged['series'], series);
  const jsonPatched = await json(
    await api.request(
      'PATCH',
      `${V1}/p1`,
      [{ op: 'replace', path: '/series/count', value: 5 }],
      'application/json-patch+json',
    ),
    200,
  );
  assert.deepEqual(jsonPatched['series'], { ...series, count: 5 });
  const strategic = await json(
    await api.request(
      'PATCH',
      `${V1}/p1`,
      { metadata: { labels: { patched: 'strategic' } } },
      'application/strategic-merge-patch+json',
    ),
    200,
  );
  assert.deepEqual(strategic.metadata.labels, { patched: 'strategic' });
  const applied = await json(
    await api.request(
      'PATCH',
      `${V1}/p1?fieldManager=tester`,
      {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: 'p1', annotations: { applied: 'yes' } },
      },
      'application/apply-patch+yaml',
    ),
    200,
  );
  assert.equal(applied.metadata.annotations?.['applied'], 'yes');
  assert.ok(
    (applied.metadata.managedFields ?? []).some(
      (m) => m.manager === 'tester' && m.apiVersion === 'events.k8s.io/v1',
    ),
  );
  // What was patched as events.k8s.io is core's series and labels in storage.
  const core = await json(await api.request('GET', `${CORE}/p1`), 200);
  assert.deepEqual(core['series'], { count: 5, lastObservedTime: series.lastObservedTime });
  assert.equal(core['message'], 'synced web');
  assert.equal(core.metadata.labels?.['patched'], 'strategic');
  assert.equal(core.metadata.resourceVersion, applied.metadata.resourceVersion);
  // The note may not change through events.k8s.io (upstream's ValidateEventUpdate)…
  const immutable = await json(
    await api.request('PATCH', `${V1}/p1`, { note: 'other' }, 'application/merge-patch+json'),
    422,
  );
  assert.equal(
    immutable['message'],
    'Event.events.k8s.io "p1" is invalid: message: Invalid value: "other": field is immutable',
  );
  // …while core/v1 keeps the legacy rules (kbox's own recorder bumps count and lastTimestamp).
  const bumped = await json(
    await api.request(
      'PATCH',
      `${CORE}/p1`,
      { message: 'other', count: 2 },
      'application/merge-patch+json',
    ),
    200,
  );
  assert.equal(bumped['count'], 2);
});

test('PUT creates an event (AllowCreateOnUpdate) and updates keep uid and shape', async () => {
  const created = await json(await api.request('PUT', `${V1}/put1`, v1Event('put1')), 201);
  const current = await json(await api.request('GET', `${CORE}/put1`), 200);
  const updated = await json(
    await api.request('PUT', `${CORE}/put1`, { ...current, count: 7 }),
    200,
  );
  assert.equal(updated.metadata.uid, created.metadata.uid);
  const v1 = await json(await api.request('GET', `${V1}/put1`), 200);
  assert.equal(v1['deprecatedCount'], 7);
  assert.equal(v1.metadata.resourceVersion, updated.metadata.resourceVersion);
});

test('deletecollection through events.k8s.io deletes the core events it selects', async () => {
  await json(await api.request('POST', CORE, coreEvent('dc1', 'gone')), 201);
  await json(await api.request('POST', V1, v1Event('dc2', 'gone')), 201);
  const out = await json(
    await api.request('DELETE', `${V1}?fieldSelector=regarding.name%3Dgone`),
    200,
  );
  const items = out['items'] as KubeObject[];
  assert.deepEqual(items.map((i) => i.metadata.name).sort(), ['dc1', 'dc2']);
  assert.ok(items.every((i) => i.apiVersion === 'events.k8s.io/v1'));
  await json(await api.request('GET', `${CORE}/dc1`), 404);
  await json(await api.request('GET', `${CORE}/dc2`), 404);
});

test('real kubectl: get events.v1.events.k8s.io and create -f of an events.k8s.io Event', async () => {
  const manifest = JSON.stringify(v1Event('kubectl-made', 'kpod'));
  const created = await api.kubectl(['create', '-f', '-'], manifest);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout, 'event.events.k8s.io/kubectl-made created\n');
  await json(await api.request('POST', CORE, coreEvent('kubectl-core', 'kpod')), 201);

  const out = await api.kubectl([
    'get',
    'events.v1.events.k8s.io',
    '--field-selector',
    'regarding.name=kpod',
    '-o',
    'json',
  ]);
  assert.equal(out.code, 0, out.stderr);
  const list = JSON.parse(out.stdout) as { items: KubeObject[] };
  const byName = new Map(list.items.map((i) => [i.metadata.name, i]));
  const fromCore = byName.get('kubectl-core');
  assert.equal(fromCore?.apiVersion, 'events.k8s.io/v1');
  assert.deepEqual(fromCore?.['regarding'], {
    kind: 'Pod',
    namespace: 'default',
    name: 'kpod',
    uid: 'uid-kpod',
  });
  assert.equal(fromCore?.['note'], 'Started kpod');
  assert.deepEqual(fromCore?.['deprecatedSource'], { component: 'kubelet', host: 'n1' });
  assert.equal(fromCore?.['deprecatedCount'], 2);
  assert.equal(fromCore?.['involvedObject'], undefined);
  assert.equal(byName.get('kubectl-made')?.['reportingController'], 'example.com/ctl');

  // Both APIs print the same Table; the new-style event shows its reporting controller as source.
  const table = await api.kubectl([
    'get',
    'events.v1.events.k8s.io',
    '--field-selector',
    'regarding.name=kpod',
    '-o',
    'wide',
  ]);
  assert.equal(table.code, 0, table.stderr);
  const coreTable = await api.kubectl([
    'get',
    'events',
    '--field-selector',
    'involvedObject.name=kpod',
    '-o',
    'wide',
  ]);
  assert.equal(coreTable.stdout, table.stdout);
  const [header, ...rows] = table.stdout.trimEnd().split('\n');
  assert.deepEqual(header?.split(/\s{2,}/), [
    'LAST SEEN',
    'TYPE',
    'REASON',
    'OBJECT',
    'SUBOBJECT',
    'SOURCE',
    'MESSAGE',
    'FIRST SEEN',
    'COUNT',
    'NAME',
  ]);
  assert.ok(
    rows.some((r) => /Synced\s+pod\/kpod\s+example\.com\/ctl, ctl-1\s+synced kpod/.test(r)),
  );

  // kubectl describe reads events through core/v1 with involvedObject selectors.
  const described = await api.kubectl(['get', 'events', '-o', 'name']);
  assert.match(described.stdout, /^event\/kubectl-made$/m);
});

test('events.k8s.io Events an older kbox stored apart move into core storage at start', async () => {
  const storage = new SqliteStorage({ path: ':memory:' });
  const old = {
    ...v1Event('kept-apart'),
    metadata: { name: 'kept-apart', namespace: 'default', uid: 'old-uid' },
  };
  storage.create('/events.k8s.io/events/default/kept-apart', old);
  const server = new ApiServer({ storage, port: 0 });
  const url = await server.start();
  try {
    const core = (await (await fetch(`${url}${CORE}/kept-apart`)).json()) as KubeObject;
    assert.equal(core.metadata.uid, 'old-uid');
    assert.equal(core['message'], 'synced web');
    assert.deepEqual(body((await (await fetch(`${url}${V1}/kept-apart`)).json()) as KubeObject), {
      ...body(v1Event('kept-apart')),
      deprecatedSource: {},
      deprecatedFirstTimestamp: null,
      deprecatedLastTimestamp: null,
    });
    assert.equal(storage.list('/events.k8s.io/events/').items.length, 0);
  } finally {
    await server.stop();
    storage.close();
  }
});
