import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStatusError } from '../../../src/api/status.js';
import {
  applyPatch,
  patchTypeOf,
  PATCH_CONTENT_TYPES,
} from '../../../src/apiserver/patch/apply-patch.js';
import { jsonMergePatch } from '../../../src/apiserver/patch/merge-patch.js';

const JSON_PATCH = 'application/json-patch+json';
const MERGE = 'application/merge-patch+json';
const SMP = 'application/strategic-merge-patch+json';
const deployment = { group: 'apps', kind: 'Deployment' };
const widget = { group: 'example.com', kind: 'Widget' };

function pod(): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', labels: { app: 'web', tier: 'fe' }, finalizers: ['a'] },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  };
}

test('kubectl label: merge patch adds and removes labels', () => {
  const original = pod();
  const out = applyPatch(MERGE, original, '{"metadata":{"labels":{"env":"prod","tier":null}}}', {
    group: '',
    kind: 'Pod',
  });
  assert.deepEqual(out, {
    ...pod(),
    metadata: { name: 'p', labels: { app: 'web', env: 'prod' }, finalizers: ['a'] },
  });
  assert.deepEqual(original, pod(), 'original untouched');
});

test('kubectl scale: merge patch on replicas; lists in a merge patch replace', () => {
  const scale = { kind: 'Scale', spec: { replicas: 1 }, status: { replicas: 1 } };
  assert.deepEqual(
    applyPatch(MERGE, scale, '{"spec":{"replicas":3}}', { group: 'autoscaling', kind: 'Scale' }),
    { kind: 'Scale', spec: { replicas: 3 }, status: { replicas: 1 } },
  );
  assert.deepEqual(
    applyPatch(MERGE, pod(), '{"metadata":{"finalizers":["b"]}}', { group: '', kind: 'Pod' }),
    { ...pod(), metadata: { name: 'p', labels: { app: 'web', tier: 'fe' }, finalizers: ['b'] } },
  );
});

test('RFC 7386 examples', () => {
  assert.deepEqual(
    jsonMergePatch(
      { title: 'Goodbye!', author: { givenName: 'John', familyName: 'Doe' }, tags: ['a', 'b'] },
      { title: 'Hello!', phoneNumber: '+01-123', author: { familyName: null }, tags: ['c'] },
    ),
    { title: 'Hello!', author: { givenName: 'John' }, tags: ['c'], phoneNumber: '+01-123' },
  );
  assert.deepEqual(jsonMergePatch({ a: 'b' }, { a: { bb: { ccc: null } } }), { a: { bb: {} } });
  assert.deepEqual(jsonMergePatch({ a: 'foo' }, 'bar'), 'bar');
});

test('strategic merge patch: finalizers are unioned for a built-in kind', () => {
  assert.deepEqual(
    applyPatch(SMP, pod(), '{"metadata":{"finalizers":["b"]}}', { group: '', kind: 'Pod' }),
    {
      ...pod(),
      metadata: { name: 'p', labels: { app: 'web', tier: 'fe' }, finalizers: ['b', 'a'] },
    },
  );
});

test('strategic merge patch: RollingUpdate → Recreate with $retainKeys', () => {
  const d = {
    spec: {
      replicas: 1,
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
      },
    },
  };
  const body =
    '{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","rollingUpdate":null}}}';
  assert.deepEqual(applyPatch(SMP, d, body, deployment), {
    spec: { replicas: 1, strategy: { type: 'Recreate' } },
  });
});

test('strategic merge patch on an unknown kind merges like RFC 7386', () => {
  const w = {
    spec: { items: [{ name: 'a', v: 1 }], size: 1, color: 'red' },
    metadata: { finalizers: ['x'] },
  };
  const body = '{"spec":{"items":[{"name":"b"}],"color":null},"metadata":{"finalizers":["y"]}}';
  assert.deepEqual(applyPatch(SMP, w, body, widget), {
    spec: { items: [{ name: 'b' }], size: 1 },
    metadata: { finalizers: ['y'] },
  });
});

test('JSON patch: add, replace, remove, test, move, copy', () => {
  const body = JSON.stringify([
    { op: 'test', path: '/metadata/name', value: 'p' },
    { op: 'add', path: '/metadata/labels/env', value: 'prod' },
    { op: 'replace', path: '/spec/containers/0/image', value: 'nginx:1.27' },
    { op: 'remove', path: '/metadata/labels/tier' },
    { op: 'add', path: '/metadata/finalizers/-', value: 'b' },
    { op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/copied' },
    { op: 'move', from: '/metadata/labels/env', path: '/metadata/labels/environment' },
  ]);
  const original = pod();
  assert.deepEqual(applyPatch(JSON_PATCH, original, body, { group: '', kind: 'Pod' }), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'p',
      labels: { app: 'web', copied: 'web', environment: 'prod' },
      finalizers: ['a', 'b'],
    },
    spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] },
  });
  assert.deepEqual(original, pod(), 'original untouched');
});

test('kubectl rollout undo: JSON patch replacing the template and annotations', () => {
  const d = {
    metadata: { name: 'web', annotations: { 'deployment.kubernetes.io/revision': '2' } },
    spec: {
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'v2' }] },
      },
    },
  };
  const body = JSON.stringify([
    {
      op: 'replace',
      path: '/spec/template',
      value: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'v1' }] },
      },
    },
    {
      op: 'replace',
      path: '/metadata/annotations',
      value: { 'deployment.kubernetes.io/revision': '1' },
    },
  ]);
  assert.deepEqual(applyPatch(JSON_PATCH, d, body, deployment), {
    metadata: { name: 'web', annotations: { 'deployment.kubernetes.io/revision': '1' } },
    spec: {
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'v1' }] },
      },
    },
  });
});

test('JSON patch: a failed test is 422 Invalid and nothing is applied', () => {
  const original = pod();
  const body =
    '[{"op":"replace","path":"/metadata/name","value":"q"},{"op":"test","path":"/metadata/labels/app","value":"db"}]';
  assert.throws(
    () => applyPatch(JSON_PATCH, original, body, { group: '', kind: 'Pod' }),
    (err) =>
      isStatusError(err, 'Invalid') &&
      err.code === 422 &&
      err.message ===
        'testing value /metadata/labels/app failed: the value differs (json patch operation 1)',
  );
  assert.deepEqual(original, pod());
});

test('JSON patch: missing paths are 422 Invalid', () => {
  for (const op of [
    { op: 'remove', path: '/metadata/annotations/x' },
    { op: 'replace', path: '/spec/nodeName', value: 'n1' },
    { op: 'add', path: '/metadata/annotations/x', value: 'y' },
  ]) {
    assert.throws(
      () => applyPatch(JSON_PATCH, pod(), JSON.stringify([op]), { group: '', kind: 'Pod' }),
      (err) => isStatusError(err, 'Invalid') && /doc is missing path/.test(err.message),
      JSON.stringify(op),
    );
  }
});

test('JSON patch: malformed operations are 400 BadRequest naming the operation', () => {
  const cases: [string, RegExp][] = [
    ['{"op":"add"}', /must be a JSON array of operations, got object/],
    ['[{"op":"frobnicate","path":"/a"}]', /operation 0: "op" must be one of/],
    [
      '[{"op":"add","path":"/a","value":1},{"op":"add","path":"a","value":1}]',
      /operation 1: "path" must be a JSON pointer/,
    ],
    ['[{"op":"replace","path":"/a"}]', /operation 0: replace needs a "value"/],
    ['[{"op":"move","path":"/a"}]', /operation 0: move needs a string "from"/],
  ];
  for (const [body, message] of cases) {
    assert.throws(
      () => applyPatch(JSON_PATCH, pod(), body, { group: '', kind: 'Pod' }),
      (err) => isStatusError(err, 'BadRequest') && err.code === 400 && message.test(err.message),
      body,
    );
  }
});

test('malformed JSON and non-object patches are 400 BadRequest', () => {
  for (const type of [JSON_PATCH, MERGE, SMP]) {
    for (const body of ['{"metadata":', '']) {
      assert.throws(
        () => applyPatch(type, pod(), body, { group: '', kind: 'Pod' }),
        (err) =>
          isStatusError(err, 'BadRequest') &&
          err.code === 400 &&
          err.message.startsWith('error decoding patch: '),
        `${type} ${JSON.stringify(body)}`,
      );
    }
  }
  for (const type of [MERGE, SMP]) {
    assert.throws(
      () => applyPatch(type, pod(), '[1]', { group: '', kind: 'Pod' }),
      (err) =>
        isStatusError(err, 'BadRequest') && /must be a JSON object, got an array/.test(err.message),
    );
  }
});

test('unsupported content types are 415 with upstream wording', () => {
  for (const type of ['application/json', 'text/plain', '']) {
    assert.throws(
      () => applyPatch(type, pod(), '{}', { group: '', kind: 'Pod' }),
      (err) =>
        isStatusError(err, 'UnsupportedMediaType') &&
        err.code === 415 &&
        err.message ===
          'the body of the request was in an unknown format - accepted media types include: ' +
            'application/json-patch+json, application/merge-patch+json, ' +
            'application/strategic-merge-patch+json, application/apply-patch+yaml',
    );
  }
  assert.deepEqual(PATCH_CONTENT_TYPES.length, 4);
});

test('content type parameters and case are ignored; apply-patch is routed elsewhere', () => {
  assert.equal(patchTypeOf('Application/Merge-Patch+JSON; charset=utf-8'), 'merge');
  assert.equal(patchTypeOf('application/apply-patch+yaml'), 'apply');
  assert.deepEqual(
    applyPatch('application/merge-patch+json; charset=utf-8', { a: 1 }, '{"b":2}', widget),
    { a: 1, b: 2 },
  );
  assert.throws(
    () => applyPatch('application/apply-patch+yaml', pod(), 'a: 1', { group: '', kind: 'Pod' }),
    (err) => isStatusError(err, 'InternalError') && /server-side apply/.test(err.message),
  );
});
