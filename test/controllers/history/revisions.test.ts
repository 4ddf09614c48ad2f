// ControllerRevision helpers: Go-compatible JSON, FNV hashes (checked against the published
// FNV test vectors), safe encoding, and the revision data shape.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  fnv32,
  fnv32a,
  goJson,
  podTemplateHash,
  revisionHash,
  revisionName,
  safeEncode,
  sortRevisions,
  templateOf,
  templatePatch,
} from '../../../src/controllers/history/revisions.js';

test('FNV-1 and FNV-1a 32-bit match the reference vectors', () => {
  assert.equal(fnv32(''), 0x811c9dc5);
  assert.equal(fnv32('a'), 0x050c5d7e);
  assert.equal(fnv32('foobar'), 0x31f0b262);
  assert.equal(fnv32a('a'), 0xe40c292c);
  assert.equal(fnv32a('foobar'), 0xbf9cf968);
});

test('safeEncode maps decimal digits like rand.SafeEncodeString', () => {
  // '0'..'9' are bytes 48..57; alphabet "bcdfghjklmnpqrstvwxz2456789" indexed by byte % 27.
  assert.equal(safeEncode(1234567890), '56789bcdf4');
});

test('goJson sorts keys, drops nulls and escapes HTML like encoding/json', () => {
  assert.equal(
    goJson({ b: 1, a: { d: [1, 'x<y&z>'], c: null } }),
    '{"a":{"d":[1,"x\\u003cy\\u0026z\\u003e"]},"b":1}',
  );
});

test('revision data is the template as a replacing patch, and back', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [] } };
  const data = templatePatch(template);
  assert.equal(
    goJson(data),
    '{"spec":{"template":{"$patch":"replace","metadata":{"labels":{"app":"web"}},"spec":{"containers":[]}}}}',
  );
  assert.deepEqual(templateOf({ metadata: {}, data } as never), template);
});

test('hashes are deterministic, key-order independent, and change with the collision count', () => {
  const a = templatePatch({ spec: { x: 1, y: 2 } });
  const b = templatePatch({ spec: { y: 2, x: 1 } });
  assert.equal(revisionHash(a, 0), revisionHash(b, 0));
  assert.notEqual(revisionHash(a, 0), revisionHash(a, 1));
  assert.equal(revisionHash(a, 0), safeEncode(fnv32(`${goJson(a)}0`)));
  assert.equal(podTemplateHash({ x: 1 }), safeEncode(fnv32a('{"x":1}')));
  assert.notEqual(podTemplateHash({ x: 1 }, 1), podTemplateHash({ x: 1 }));
  assert.equal(revisionName('web', 'abc'), 'web-abc');
  assert.equal(revisionName('x'.repeat(300), 'h').length, 225);
});

test('sortRevisions orders by revision number', () => {
  const r = (name: string, revision: number): never => ({ metadata: { name }, revision }) as never;
  assert.deepEqual(
    sortRevisions([r('c', 3), r('a', 1), r('b', 2)]).map((x) => x.metadata.name),
    ['a', 'b', 'c'],
  );
});
