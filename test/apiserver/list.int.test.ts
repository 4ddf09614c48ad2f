// LIST over HTTP: plain JSON lists splice the stored bytes of each object. The answers must be
// byte for byte what serialising the parsed objects gives, with selectors, limit/continue and
// resourceVersion, and the Table and metadata answers must be unchanged.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { startTestApi, type TestApi } from '../support/apiserver.js';

let api: TestApi;
const PATH = '/api/v1/namespaces/ns1/configmaps';

before(async () => {
  api = await startTestApi();
  for (const ns of ['ns1', 'ns2']) {
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
