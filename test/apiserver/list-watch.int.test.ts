// LIST and WATCH over HTTP. Plain JSON lists splice the stored bytes of each object, and watch
// frames of stored events are encoded once for every watcher: the answers must be byte for byte
// what serialising the parsed objects gives, with selectors, limit/continue and resourceVersion,
// and the Table and metadata answers must be unchanged.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { ApiServer } from '../../src/apiserver/server.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { startTestApi, type TestApi } from '../support/apiserver.js';

let api: TestApi;
const PATH = '/api/v1/namespaces/ns1/configmaps';

before(async () => {
  api = await startTestApi();
  for (const ns of ['ns1', 'ns2', 'ns3', 'ns4']) {
    const res = await api.request('POST', '/api/v1/namespaces', { metadata: { name: ns } });
    assert.equal(res.status, 201);
  }
  // Non-ASCII data: the spliced answer is bytes, its Content-Length must count them.
  for (const [i, name] of ['a', 'b', 'c', 'd', 'e', 'f', 'g'].entries()) {
    const res = await api.request('POST', PATH, {
      metadata: { name, labels: { tier: i % 2 === 0 ? 'even' : 'odd', n: String(i) } },
      data: { text: `é ${name} ✓ 🚀`, quote: '"\\\u2028' },
    });
    assert.equal(res.status, 201, await res.text());
  }
  await api.request('POST', '/api/v1/namespaces/ns2/configmaps', { metadata: { name: 'other' } });
});
after(() => api.stop());

/** What the store holds under ns1, parsed, optionally at an older revision. */
function stored(revision?: number): KubeObject[] {
  return api.storage.list('/core/configmaps/ns1/', { revision }).items;
}

/** The List the slow path would serialise: kind, apiVersion, metadata, items. */
function listText(metadata: Record<string, unknown>, items: KubeObject[]): string {
  return JSON.stringify({ kind: 'ConfigMapList', apiVersion: 'v1', metadata, items });
}

async function get(query: string): Promise<{ status: number; text: string; length: string }> {
  const res = await api.request('GET', `${PATH}${query}`);
  const text = await res.text();
  return { status: res.status, text, length: res.headers.get('content-length') ?? '' };
}

test('a plain LIST is the stored objects serialised, with a byte Content-Length', async () => {
  const rv = String(api.storage.currentRevision());
  const res = await get('');
  assert.equal(res.status, 200);
  assert.equal(res.text, listText({ resourceVersion: rv }, stored()));
  assert.equal(Number(res.length), Buffer.byteLength(res.text));
  assert.ok(Number(res.length) > res.text.length);
});

test('a LIST larger than one 64 KiB chunk arrives whole', async () => {
  const path = '/api/v1/namespaces/ns4/configmaps';
  for (let i = 0; i < 6; i++) {
    const data = { big: `${i}é🚀`.repeat(5000) };
    assert.equal(
      (await api.request('POST', path, { metadata: { name: `big${i}` }, data })).status,
      201,
    );
  }
  const res = await api.request('GET', path);
  const text = await res.text();
  const items = api.storage.list('/core/configmaps/ns4/').items;
  const rv = String(api.storage.currentRevision());
  assert.ok(Buffer.byteLength(text) > 3 * 64 * 1024);
  assert.equal(text, listText({ resourceVersion: rv }, items));
  assert.equal(Number(res.headers.get('content-length')), Buffer.byteLength(text));
});

test('an empty LIST has an empty items array', async () => {
  const res = await api.request('GET', '/api/v1/namespaces/nope/configmaps');
  const rv = String(api.storage.currentRevision());
  assert.equal(await res.text(), listText({ resourceVersion: rv }, []));
});

test('label and field selectors keep the matching stored objects', async () => {
  const rv = String(api.storage.currentRevision());
  const odd = (await get('?labelSelector=tier%3Dodd')).text;
  assert.equal(
    odd,
    listText(
      { resourceVersion: rv },
      stored().filter((o) => o.metadata.labels?.tier === 'odd'),
    ),
  );
  const byName = (await get('?fieldSelector=metadata.name%3Dc')).text;
  assert.equal(
    byName,
    listText(
      { resourceVersion: rv },
      stored().filter((o) => o.metadata.name === 'c'),
    ),
  );
  assert.equal(
    (await get('?labelSelector=tier%3Dnone')).text,
    listText({ resourceVersion: rv }, []),
  );
});

test('limit and continue page through a consistent snapshot', async () => {
  const rv = api.storage.currentRevision();
  const all = stored();
  const first = JSON.parse((await get('?limit=3')).text) as {
    metadata: { continue: string; remainingItemCount: number; resourceVersion: string };
  };
  assert.equal(first.metadata.remainingItemCount, 4);
  assert.equal((await get('?limit=3')).text, listText(first.metadata, all.slice(0, 3)));
  // A write between pages is not seen by the next page.
  const upd = await api.request('PUT', `${PATH}/e`, { ...all[4], data: { changed: 'yes' } });
  assert.equal(upd.status, 200);
  const second = await get(`?limit=3&continue=${encodeURIComponent(first.metadata.continue)}`);
  const secondMeta = (JSON.parse(second.text) as { metadata: Record<string, unknown> }).metadata;
  assert.equal(secondMeta.resourceVersion, String(rv));
  assert.equal(secondMeta.remainingItemCount, 1);
  assert.equal(second.text, listText(secondMeta, stored(rv).slice(3, 6)));
  assert.deepEqual(stored(rv), all);
  const last = await get(`?limit=3&continue=${encodeURIComponent(String(secondMeta.continue))}`);
  assert.equal(last.text, listText({ resourceVersion: String(rv) }, all.slice(6)));
});

test('limit with a selector reads on until the page is full, with no remainingItemCount', async () => {
  const rv = String(api.storage.currentRevision());
  const even = stored().filter((o) => o.metadata.labels?.tier === 'even');
  const first = await get('?limit=2&labelSelector=tier%3Deven');
  const meta = (JSON.parse(first.text) as { metadata: Record<string, unknown> }).metadata;
  assert.equal(meta.remainingItemCount, undefined);
  assert.equal(meta.resourceVersion, rv);
  assert.equal(typeof meta.continue, 'string');
  assert.equal(first.text, listText(meta, even.slice(0, 2)));
  const rest = await get(
    `?limit=2&labelSelector=tier%3Deven&continue=${encodeURIComponent(String(meta.continue))}`,
  );
  assert.equal(rest.text, listText({ resourceVersion: rv }, even.slice(2)));
});

test('resourceVersion with Exact reads the objects of that revision', async () => {
  const before = api.storage.currentRevision();
  const old = stored();
  const res = await api.request('DELETE', `${PATH}/a`);
  assert.equal(res.status, 200);
  const exact = await get(`?resourceVersion=${before}&resourceVersionMatch=Exact`);
  assert.equal(exact.text, listText({ resourceVersion: String(before) }, old));
  const now = await get('?resourceVersion=0');
  assert.equal(
    now.text,
    listText({ resourceVersion: String(api.storage.currentRevision()) }, stored()),
  );
  assert.equal(stored().length, old.length - 1);
});

test('Table and metadata answers are built from the parsed objects', async () => {
  const table = await fetch(`${api.url}${PATH}?labelSelector=tier%3Dodd`, {
    headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
  });
  const body = (await table.json()) as { kind: string; rows: { cells: unknown[] }[] };
  assert.equal(body.kind, 'Table');
  assert.deepEqual(
    body.rows.map((r) => r.cells[0]),
    stored()
      .filter((o) => o.metadata.labels?.tier === 'odd')
      .map((o) => o.metadata.name),
  );
  const meta = await fetch(`${api.url}${PATH}?limit=1`, {
    headers: { accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' },
  });
  const list = (await meta.json()) as { kind: string; items: KubeObject[] };
  assert.equal(list.kind, 'PartialObjectMetadataList');
  assert.deepEqual(
    list.items.map((o) => o.metadata),
    stored()
      .slice(0, 1)
      .map((o) => o.metadata),
  );
});

/** Opens a watch; `lines` resolves with its first `n` lines, then the watch is closed. */
async function watchLines(query: string, n: number): Promise<{ lines: Promise<string[]> }> {
  const abort = new AbortController();
  const res = await fetch(`${api.url}/api/v1/namespaces/ns3/configmaps?watch=true&${query}`, {
    signal: abort.signal,
  });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const lines = (async () => {
    let text = '';
    const decoder = new TextDecoder();
    while (text.split('\n').length <= n) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    abort.abort();
    return text.split('\n').slice(0, n);
  })();
  return { lines };
}

/** The frames the store's own events give from `revision` on, as upstream encodes them. */
async function storedFrames(revision: number, n: number): Promise<string[]> {
  const frames: string[] = [];
  const watch = api.storage.watch('/core/configmaps/ns3/', revision);
  for await (const ev of watch) {
    frames.push(`{"type":"${ev.type}","object":${ev.json}}`);
    if (frames.length === n) break;
  }
  return frames;
}

const NS3 = '/api/v1/namespaces/ns3/configmaps';

test('every watcher gets each event as the stored object, a burst complete and in order', async () => {
  const rv = api.storage.currentRevision();
  const a = await watchLines(`resourceVersion=${rv}`, 5);
  const b = await watchLines(`resourceVersion=${rv}`, 5);
  // Three creates in one turn share a commit: their events are one burst.
  const created = await Promise.all(
    ['x', 'y', 'z'].map((name) =>
      api.request('POST', NS3, { metadata: { name }, data: { text: `✓ ${name} 🚀` } }),
    ),
  );
  assert.deepEqual(
    created.map((r) => r.status),
    [201, 201, 201],
  );
  const y = (await api.request('GET', `${NS3}/y`).then((r) => r.json())) as KubeObject;
  assert.equal((await api.request('PUT', `${NS3}/y`, { ...y, data: { v: 'é' } })).status, 200);
  assert.equal((await api.request('DELETE', `${NS3}/x`)).status, 200);
  const expected = await storedFrames(rv, 5);
  assert.deepEqual(await a.lines, expected);
  assert.deepEqual(await b.lines, expected);
  const summary = expected.map((l) => {
    const ev = JSON.parse(l) as { type: string; object: KubeObject };
    return `${ev.type} ${ev.object.metadata.name}`;
  });
  assert.deepEqual(summary.slice(0, 3).sort(), ['ADDED x', 'ADDED y', 'ADDED z']);
  assert.deepEqual(summary.slice(3), ['MODIFIED y', 'DELETED x']);
});

test('a watch with a label selector sees objects enter and leave it as ADDED and DELETED', async () => {
  const rv = api.storage.currentRevision();
  const w = await watchLines(`resourceVersion=${rv}&labelSelector=pick%3Dyes`, 3);
  const label = async (value: string): Promise<void> => {
    const res = await api.request(
      'PATCH',
      `${NS3}/sel`,
      { metadata: { labels: { pick: value } } },
      'application/merge-patch+json',
    );
    assert.equal(res.status, 200);
  };
  assert.equal(
    (await api.request('POST', NS3, { metadata: { name: 'sel', labels: { pick: 'yes' } } })).status,
    201,
  );
  await label('no');
  await label('yes');
  const stored = await storedFrames(rv, 3);
  const objects = stored.map((l) => JSON.stringify((JSON.parse(l) as { object: unknown }).object));
  assert.deepEqual(await w.lines, [
    `{"type":"ADDED","object":${objects[0]}}`,
    `{"type":"DELETED","object":${objects[1]}}`,
    `{"type":"ADDED","object":${objects[2]}}`,
  ]);
});

/** A store whose next commit fails, as a full disk would make it. */
class FailingCommitStorage extends SqliteStorage {
  fail = false;
  override settled(): Promise<void> | undefined {
    return this.fail ? Promise.reject(new Error('disk I/O error')) : super.settled();
  }
}

test('a LIST that may have seen a write whose commit fails answers the failure', async () => {
  const storage = new FailingCommitStorage({ path: ':memory:', groupCommit: true });
  const server = new ApiServer({ storage, port: 0 });
  const url = await server.start();
  try {
    const path = `${url}/api/v1/namespaces/default/configmaps`;
    assert.equal((await fetch(path)).status, 200);
    storage.fail = true;
    for (const accept of ['application/json', 'application/json;as=Table;v=v1;g=meta.k8s.io']) {
      const res = await fetch(path, { headers: { accept } });
      assert.equal(res.status, 500, accept);
      const status = (await res.json()) as { kind: string; message: string };
      assert.equal(status.kind, 'Status');
      assert.match(status.message, /disk I\/O error/);
    }
  } finally {
    await server.stop();
    storage.close();
  }
});

test('a watch pipelined behind another request on one connection gets its events', async () => {
  // The watch's response is queued behind the create's until that one finishes, so it has no
  // socket when the watch starts: its events must wait for the socket, not be dropped.
  const { hostname, port } = new URL(api.url);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (b: Buffer) => (received += b.toString()));
  const body = JSON.stringify({ metadata: { name: 'pipelined-first' } });
  socket.write(
    `POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: kbox\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}` +
      'GET /api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dpipelined-second HTTP/1.1\r\nHost: kbox\r\n\r\n',
  );
  const until = async (what: string, ok: () => boolean): Promise<void> => {
    for (let i = 0; !ok(); i++) {
      if (i > 200) assert.fail(`timed out waiting for ${what}; received:\n${received}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  await until('both response heads', () => received.split('HTTP/1.1 ').length === 3);
  const res = await api.request('POST', '/api/v1/namespaces/default/configmaps', {
    metadata: { name: 'pipelined-second' },
  });
  assert.equal(res.status, 201);
  await res.arrayBuffer();
  await until('the ADDED event', () => received.includes('"name":"pipelined-second"'));
  assert.match(received, /\r\n\{"type":"ADDED","object":\{[^\n]*"name":"pipelined-second"/);
  socket.destroy();
});

/** Opens a GET on `path` (any watch URL); `lines` resolves with its first `n` lines. */
async function pathLines(
  path: string,
  n: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; contentType: string; lines: Promise<string[]> }> {
  const abort = new AbortController();
  const res = await fetch(`${api.url}${path}`, { signal: abort.signal, headers });
  const reader = res.body!.getReader();
  const lines = (async () => {
    let text = '';
    const decoder = new TextDecoder();
    while (text.split('\n').length <= n) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    abort.abort();
    return text.split('\n').slice(0, n);
  })();
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', lines };
}

test('the deprecated /watch/ paths watch the collection, or one object by name', async () => {
  const ns = '/api/v1/namespaces/ns2/configmaps';
  const rv = api.storage.currentRevision();
  // watch=false changes nothing on these routes (ListResource's forceWatch).
  const all = await pathLines(
    `/api/v1/watch/namespaces/ns2/configmaps?resourceVersion=${rv}&watch=false`,
    2,
  );
  const one = await pathLines(
    `/api/v1/watch/namespaces/ns2/configmaps/w2?resourceVersion=${rv}`,
    1,
  );
  const everywhere = await pathLines(`/api/v1/watch/configmaps?resourceVersion=${rv}`, 2);
  const table = await pathLines(
    `/api/v1/watch/namespaces/ns2/configmaps/w2?resourceVersion=${rv}`,
    1,
    {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    },
  );
  for (const w of [all, one, everywhere, table]) assert.equal(w.status, 200);
  for (const name of ['w1', 'w2']) {
    assert.equal((await api.request('POST', ns, { metadata: { name } })).status, 201);
  }
  const names = (lines: string[]) =>
    lines.map((l) => {
      const ev = JSON.parse(l) as { type: string; object: KubeObject };
      return `${ev.type} ${ev.object.metadata.name}`;
    });
  assert.deepEqual(names(await all.lines), ['ADDED w1', 'ADDED w2']);
  assert.deepEqual(names(await everywhere.lines), ['ADDED w1', 'ADDED w2']);
  assert.deepEqual(names(await one.lines), ['ADDED w2']);
  const row = JSON.parse((await table.lines)[0] ?? '') as {
    type: string;
    object: { kind: string; rows: Array<{ cells: unknown[] }> };
  };
  assert.equal(row.type, 'ADDED');
  assert.equal(row.object.kind, 'Table');
  assert.equal(row.object.rows[0]?.cells[0], 'w2');
  // The same frames as a watch by query.
  const byQuery = await pathLines(
    `${ns}?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Dw2`,
    1,
  );
  assert.deepEqual(
    await byQuery.lines,
    await (
      await pathLines(`/api/v1/watch/namespaces/ns2/configmaps/w2?resourceVersion=${rv}`, 1)
    ).lines,
  );
});

test('the /watch/ paths refuse what upstream does', async () => {
  const answer = async (method: string, path: string) => {
    const res = await api.request(method, path);
    const body = (await res.json()) as { message: string; reason: string };
    return `${res.status} ${body.reason}: ${body.message}`;
  };
  assert.equal(
    await answer(
      'GET',
      '/api/v1/watch/namespaces/ns2/configmaps/w1?fieldSelector=metadata.name%3Dw2',
    ),
    "400 BadRequest: fieldSelector metadata.name doesn't match requested name",
  );
  assert.equal(
    await answer(
      'GET',
      '/api/v1/watch/namespaces/ns2/configmaps/w1?fieldSelector=metadata.namespace%3Dns2',
    ),
    "400 BadRequest: fieldSelector metadata.name doesn't match requested name",
  );
  assert.equal(
    await answer('POST', '/api/v1/watch/namespaces/ns2/configmaps'),
    '405 MethodNotAllowed: the server does not allow this method on the requested resource',
  );
  for (const path of [
    '/api/v1/watch/configmaps/w1',
    '/api/v1/watch/namespaces/ns2/configmaps/w1/status',
    '/apis/authorization.k8s.io/v1/watch/selfsubjectaccessreviews',
    '/apis/metrics.k8s.io/v1beta1/watch/pods',
  ]) {
    assert.equal(
      await answer('GET', path),
      '404 NotFound: the server could not find the requested resource',
    );
  }
});

test('a watch/ route without watch=true starts from the current state, with no bookmark', async () => {
  const w = await pathLines('/api/v1/watch/namespaces/ns2/configmaps?allowWatchBookmarks=true', 2);
  const names = (await w.lines).map((l) => {
    const ev = JSON.parse(l) as { type: string; object: KubeObject };
    return `${ev.type} ${ev.object.metadata.name}`;
  });
  assert.deepEqual(names.sort(), ['ADDED other', 'ADDED w1']);
});

const BM = '/api/v1/namespaces/bm';
const blueprint = (list: string) => Buffer.from(`${list}\n`).toString('base64');

test('bookmarks are the empty object of the kind, as the cacher sends them', async () => {
  assert.equal(
    (await api.request('POST', '/api/v1/namespaces', { metadata: { name: 'bm' } })).status,
    201,
  );
  // A watch list's initial-events-end bookmark: a Pod's empty spec and status, the annotation and
  // the empty PodList's encoding.
  let rv = api.storage.currentRevision();
  let res = await api.request(
    'GET',
    `${BM}/pods?watch=1&allowWatchBookmarks=true&timeoutSeconds=1`,
  );
  const podList = '{"kind":"PodList","apiVersion":"v1","metadata":{},"items":null}';
  assert.equal(
    await res.text(),
    `{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"${rv}","creationTimestamp":null,` +
      `"annotations":{"k8s.io/initial-events-end":"true","k8s.io/initial-events-list-blueprint":"${blueprint(podList)}"}},` +
      '"spec":{"containers":null},"status":{}}}\n',
  );
  // Asked as metadata, the bookmark is PartialObjectMetadata and so is the blueprint.
  res = await fetch(
    `${api.url}${BM}/deployments?watch=1&allowWatchBookmarks=true&timeoutSeconds=1`.replace(
      '/api/v1',
      '/apis/apps/v1',
    ),
    {
      headers: { accept: 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io' },
    },
  );
  const partialList =
    '{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{},"items":null}';
  assert.equal(
    await res.text(),
    `{"type":"BOOKMARK","object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"${rv}","creationTimestamp":null,` +
      `"annotations":{"k8s.io/initial-events-end":"true","k8s.io/initial-events-list-blueprint":"${blueprint(partialList)}"}}}}\n`,
  );
  // A watch list is never a Table: kubectl's Accept falls back to JSON.
  res = await fetch(
    `${api.url}${BM}/configmaps?watch=1&allowWatchBookmarks=true&timeoutSeconds=1`,
    {
      headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
    },
  );
  const configMapList = '{"kind":"ConfigMapList","apiVersion":"v1","metadata":{},"items":null}';
  assert.equal(
    await res.text(),
    `{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"${rv}","creationTimestamp":null,` +
      `"annotations":{"k8s.io/initial-events-end":"true","k8s.io/initial-events-list-blueprint":"${blueprint(configMapList)}"}}}}\n`,
  );
  // Other kinds carry their own empty fields.
  rv = api.storage.currentRevision();
  res = await api.request(
    'GET',
    `/apis/apps/v1/namespaces/bm/replicasets?watch=1&allowWatchBookmarks=true&timeoutSeconds=1`,
  );
  const line = (await res.text()).split('\n')[0] ?? '';
  assert.match(
    line,
    new RegExp(
      `^\\{"type":"BOOKMARK","object":\\{"kind":"ReplicaSet","apiVersion":"apps/v1","metadata":\\{"resourceVersion":"${rv}","creationTimestamp":null,"annotations":\\{[^}]*\\}\\},` +
        '"spec":\\{"selector":null,"template":\\{"metadata":\\{"creationTimestamp":null\\},"spec":\\{"containers":null\\}\\}\\},"status":\\{"replicas":0\\}\\}\\}$',
    ),
  );
});

test('periodic bookmarks: 2 s before the deadline, only past what the watch has seen', async () => {
  // Nothing new since the watch began: no bookmark, whatever its deadline.
  let rv = api.storage.currentRevision();
  const res = await api.request(
    'GET',
    `${BM}/configmaps?watch=1&allowWatchBookmarks=true&timeoutSeconds=3&resourceVersion=${rv}`,
  );
  assert.equal(await res.text(), '');
  // An event, then the bookmark at deadline - 2 s, at that event's revision.
  rv = api.storage.currentRevision();
  const started = Date.now();
  const w = await pathLines(
    `${BM}/configmaps?watch=1&allowWatchBookmarks=true&timeoutSeconds=3&resourceVersion=${rv}`,
    3,
  );
  assert.equal(
    (await api.request('POST', `${BM}/configmaps`, { metadata: { name: 'b1' } })).status,
    201,
  );
  const at = api.storage.currentRevision();
  const lines = await w.lines;
  const elapsed = Date.now() - started;
  assert.equal(JSON.parse(lines[0] ?? '').type, 'ADDED');
  assert.equal(
    lines[1],
    `{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"${at}","creationTimestamp":null}}}`,
  );
  assert.equal(lines[2], '');
  assert.ok(elapsed >= 2900, `the watch ended after ${elapsed} ms`);
  // As a Table, the bookmark is the empty object's row.
  rv = api.storage.currentRevision();
  const t = await pathLines(
    `${BM}/configmaps?watch=1&allowWatchBookmarks=true&timeoutSeconds=3&resourceVersion=${rv}`,
    2,
    { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
  );
  assert.equal(
    (await api.request('POST', `${BM}/configmaps`, { metadata: { name: 'b2' } })).status,
    201,
  );
  const [added, mark] = (await t.lines).map(
    (l) =>
      JSON.parse(l) as {
        type: string;
        object: {
          kind: string;
          columnDefinitions?: unknown[];
          rows: Array<{ cells: unknown[]; object: KubeObject }>;
        };
      },
  );
  assert.equal(added?.object.columnDefinitions?.length, 3);
  assert.equal(mark?.type, 'BOOKMARK');
  assert.equal(mark?.object.kind, 'Table');
  // Headers go with the first event only (kbox sends [] where upstream sends null).
  assert.equal(mark?.object.columnDefinitions?.length ?? 0, 0);
  assert.equal(mark?.object.rows[0]?.cells[0], '');
  assert.deepEqual(mark?.object.rows[0]?.object.metadata, {
    resourceVersion: String(api.storage.currentRevision()),
    creationTimestamp: null,
  });
  // Too short a watch for any bookmark: its deadline - 2 s has passed at once.
  rv = api.storage.currentRevision();
  const short = await pathLines(
    `${BM}/configmaps?watch=1&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=${rv}`,
    2,
  );
  assert.equal(
    (await api.request('POST', `${BM}/configmaps`, { metadata: { name: 'b3' } })).status,
    201,
  );
  const shortLines = await short.lines;
  assert.equal(JSON.parse(shortLines[0] ?? '').type, 'ADDED');
  assert.equal(shortLines[1], '');
});
