// fieldValidation over HTTP: Strict fails with upstream's messages, Warn (the default) answers
// with one Warning header per unknown field, Ignore is silent; unknown fields are never stored.
// Also the caching headers of the OpenAPI documents.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';

let api: TestApi;

before(async () => {
  api = await startTestApi();
});
after(() => api.stop());

const PODS = '/api/v1/namespaces/default/pods';

function pod(name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, annotations: { 'free-form': 'x' } },
    spec: {
      bar: 1,
      containers: [{ name: 'c', image: 'i', foo: { deep: true }, ports: [{ containerPort: 80 }] }],
    },
  };
}

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

function warnings(res: Response): string {
  return res.headers.get('warning') ?? '';
}

async function stored(name: string): Promise<{ spec: Record<string, unknown> }> {
  return (await json(await api.request('GET', `${PODS}/${name}`))) as {
    spec: Record<string, unknown>;
  };
}

test('create: Strict fails with the decoder message, naming every unknown field', async () => {
  const res = await api.request('POST', `${PODS}?fieldValidation=Strict`, pod('strict'));
  assert.equal(res.status, 400);
  const body = await json(res);
  assert.equal(body.reason, 'BadRequest');
  assert.equal(
    body.message,
    'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.bar", unknown field "spec.containers[0].foo"',
  );
  assert.equal((await api.request('GET', `${PODS}/strict`)).status, 404);
});

test('create: Warn is the default, with one warning per field; fields are dropped', async () => {
  for (const [name, query] of [
    ['warn', '?fieldValidation=Warn'],
    ['default', ''],
  ] as const) {
    const res = await api.request('POST', `${PODS}${query}`, pod(name));
    assert.equal(res.status, 201);
    assert.equal(
      warnings(res),
      '299 - "unknown field \\"spec.bar\\"", 299 - "unknown field \\"spec.containers[0].foo\\""',
    );
    const got = await stored(name);
    assert.equal('bar' in got.spec, false);
    assert.deepEqual(
      Object.keys((got.spec.containers as object[])[0] ?? {}).includes('foo'),
      false,
    );
  }
});

// The schemas are Kubernetes 1.32's: its fields are known (pod-level resources, 1.32;
// supplementalGroupsPolicy, 1.31; image volumes, 1.31), and a field of a later release
// (lifecycle.stopSignal, 1.33) is as unknown as on a 1.32 cluster.
test('create: Strict knows 1.32 fields and refuses a 1.33 one', async () => {
  const spec = {
    resources: { limits: { cpu: '0.5', memory: '1Gi' } },
    securityContext: { supplementalGroupsPolicy: 'Merge' },
    containers: [{ name: 'c', image: 'i' }],
    volumes: [{ name: 'v', image: { reference: 'busybox' } }],
  };
  let res = await api.request('POST', `${PODS}?fieldValidation=Strict`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'newer' },
    spec,
  });
  assert.equal(res.status, 201, JSON.stringify(await res.clone().json()));
  assert.equal(res.headers.get('warning'), null);
  const got = (await stored('newer')).spec;
  // Stored, and canonicalised as a Quantity: the schema knows what the field holds.
  assert.deepEqual(got.resources, { limits: { cpu: '500m', memory: '1Gi' } });
  assert.deepEqual(got.securityContext, { supplementalGroupsPolicy: 'Merge' });
  assert.deepEqual((got.volumes as unknown[])[0], { name: 'v', image: { reference: 'busybox' } });

  res = await api.request('POST', `${PODS}?fieldValidation=Strict`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'later' },
    spec: {
      containers: [{ name: 'c', image: 'i', lifecycle: { stopSignal: 'SIGUSR1' } }],
    },
  });
  assert.equal(res.status, 400);
  assert.equal(
    (await json(res)).message,
    'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].lifecycle.stopSignal"',
  );
  assert.equal((await api.request('GET', `${PODS}/later`)).status, 404);
});

test('create: Ignore is silent and still drops the fields', async () => {
  const res = await api.request('POST', `${PODS}?fieldValidation=Ignore`, pod('ignore'));
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('warning'), null);
  assert.equal('bar' in (await stored('ignore')).spec, false);
});

test('an unsupported fieldValidation is a 422 on the options', async () => {
  let res = await api.request('POST', `${PODS}?fieldValidation=strict`, pod('x'));
  assert.equal(res.status, 422);
  assert.equal(
    (await json(res)).message,
    'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"',
  );
  res = await api.request('PUT', `${PODS}/warn?fieldValidation=no`, pod('warn'));
  assert.equal(res.status, 422);
  assert.match(String((await json(res)).message), /^UpdateOptions\.meta\.k8s\.io "" is invalid/);
  res = await api.request(
    'PATCH',
    `${PODS}/warn?fieldValidation=no`,
    {},
    'application/merge-patch+json',
  );
  assert.equal(res.status, 422);
  assert.match(String((await json(res)).message), /^PatchOptions\.meta\.k8s\.io "" is invalid/);
});

test('duplicate fields of a JSON body are reported among unknown ones, in text order', async () => {
  const text =
    '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup","name":"dup"},"x":1,"data":{"a":"1","a":"2"}}';
  let res = await api.request(
    'POST',
    '/api/v1/namespaces/default/configmaps?fieldValidation=Strict',
    text,
  );
  assert.equal(res.status, 400);
  assert.equal(
    (await json(res)).message,
    'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "metadata.name", unknown field "x", duplicate field "data.a"',
  );
  res = await api.request('POST', '/api/v1/namespaces/default/configmaps', text);
  assert.equal(res.status, 201);
  assert.equal(
    warnings(res),
    '299 - "duplicate field \\"metadata.name\\"", 299 - "unknown field \\"x\\"", 299 - "duplicate field \\"data.a\\""',
  );
  assert.deepEqual((await json(res)).data, { a: '2' });
  res = await api.request(
    'PATCH',
    '/api/v1/namespaces/default/configmaps/dup?fieldValidation=Strict',
    '{"data":{"b":"1","b":"2"},"y":1}',
    'application/merge-patch+json',
  );
  assert.equal(res.status, 422);
  assert.ok(
    String((await json(res)).message).endsWith(
      'strict decoding error: duplicate field "data.b", unknown field "y"',
    ),
  );
});

// Upstream decodes YAML through sigs.k8s.io/yaml: goyaml.v2's strict pass names repeated keys by
// the line of their value; its text spans lines, so Warn's warning is dropped by the recorder.
test('keys repeated in a YAML body: goyaml.v2 error under Strict, nothing under Warn', async () => {
  const text = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: yamldup',
    '  labels:',
    '    a: x',
    '  labels:',
    '    b: y',
    '    b: z',
    'zz: 1',
    'data:',
    '  k: "1"',
    '  k: "2"',
    'aa: 2',
    '',
  ].join('\n');
  const url = '/api/v1/namespaces/default/configmaps';
  let res = await api.request('POST', `${url}?fieldValidation=Strict`, text, 'application/yaml');
  assert.equal(res.status, 400);
  assert.equal(
    (await json(res)).message,
    'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: yaml: unmarshal errors:\n' +
      '  line 9: key "b" already set in map\n' +
      '  line 8: key "labels" already set in map\n' +
      '  line 13: key "k" already set in map, unknown field "aa", unknown field "zz"',
  );
  res = await api.request('POST', url, text, 'application/yaml');
  assert.equal(res.status, 201);
  assert.equal(warnings(res), '299 - "unknown field \\"aa\\"", 299 - "unknown field \\"zz\\""');
  const created = (await json(res)) as { metadata: { labels: object }; data: object };
  assert.deepEqual(created.metadata.labels, { b: 'z' });
  assert.deepEqual(created.data, { k: '2' });
  res = await api.request(
    'PUT',
    `${url}/yamldup?fieldValidation=Strict`,
    '{"apiVersion": "v1", "kind": "ConfigMap",\n "metadata": {"name": "yamldup"},\n "data": {"k": "3", "k": "4"}}',
    'application/yaml',
  );
  assert.equal(res.status, 400);
  assert.equal(
    (await json(res)).message,
    'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: yaml: unmarshal errors:\n  line 3: key "k" already set in map',
  );
});

test('server-side apply: repeated keys fail Strict after the apply, pass under Warn', async () => {
  const text = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: ssadup',
    'data:',
    '  a: "1"',
    '  a: "2"',
    '',
  ].join('\n');
  const url = '/api/v1/namespaces/default/configmaps/ssadup?fieldManager=t';
  let res = await api.request(
    'PATCH',
    `${url}&fieldValidation=Strict`,
    text,
    'application/apply-patch+yaml',
  );
  assert.equal(res.status, 400);
  const body = await json(res);
  assert.equal(body.reason, 'BadRequest');
  assert.equal(
    body.message,
    'error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 7: key "a" already set in map',
  );
  assert.equal((await api.request('GET', url)).status, 404);
  res = await api.request(
    'PATCH',
    `${url}&fieldValidation=Warn`,
    text,
    'application/apply-patch+yaml',
  );
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('warning'), null);
  assert.deepEqual(((await json(res)) as { data: object }).data, { a: '2' });
});

test('JSON patch: its own repeated and unknown fields come first, prefixed `json patch`', async () => {
  const url = '/api/v1/namespaces/default/configmaps/dup';
  let res = await api.request(
    'PATCH',
    `${url}?fieldValidation=Strict`,
    '[{"op":"add","path":"/data/x","value":"1","value":"2","foo":1},{"op":"add","path":"/nope","value":1}]',
    'application/json-patch+json',
  );
  assert.equal(res.status, 422);
  assert.ok(
    String((await json(res)).message).endsWith(
      'strict decoding error: json patch duplicate field "[0].value", json patch unknown field "[0].foo", unknown field "nope"',
    ),
  );
  res = await api.request(
    'PATCH',
    `${url}?fieldValidation=Warn`,
    '[{"op":"add","path":"/data/x","op":"add","value":"v","foo":1},' +
      '{"op":"add","path":"/metadata/labels","value":{"l":"1","l":"2"}}]',
    'application/json-patch+json',
  );
  assert.equal(res.status, 200);
  assert.equal(
    warnings(res),
    '299 - "json patch duplicate field \\"[0].op\\"", 299 - "json patch unknown field \\"[0].foo\\"", ' +
      '299 - "json patch duplicate field \\"[1].value.l\\""',
  );
  assert.deepEqual(((await json(res)) as { metadata: { labels: object } }).metadata.labels, {
    l: '2',
  });
  res = await api.request(
    'PATCH',
    `${url}?fieldValidation=Ignore`,
    '[{"op":"add","path":"/data/y","op":"add","value":"v","foo":1}]',
    'application/json-patch+json',
  );
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('warning'), null);
});

test('update: Strict fails, Warn warns and drops', async () => {
  const current = await json(await api.request('GET', `${PODS}/warn`));
  const next = { ...current, spec: { ...(current.spec as object), extra: 'x' } };
  let res = await api.request('PUT', `${PODS}/warn?fieldValidation=Strict`, next);
  assert.equal(res.status, 400);
  assert.equal(
    (await json(res)).message,
    'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.extra"',
  );
  res = await api.request('PUT', `${PODS}/warn`, next);
  assert.equal(res.status, 200);
  assert.equal(warnings(res), '299 - "unknown field \\"spec.extra\\""');
  assert.equal('extra' in (await stored('warn')).spec, false);
});

test('merge and JSON patches: Strict is a 422 on `patch` showing the patched object', async () => {
  let res = await api.request(
    'PATCH',
    `${PODS}/warn?fieldValidation=Strict`,
    { spec: { more: 1 } },
    'application/merge-patch+json',
  );
  assert.equal(res.status, 422);
  let body = await json(res);
  const message = String(body.message);
  assert.ok(
    message.startsWith(' "" is invalid: patch: Invalid value: "{\\"apiVersion\\":\\"v1\\"'),
  );
  assert.ok(message.endsWith('": strict decoding error: unknown field "spec.more"'), message);
  assert.deepEqual(
    (body.details as { causes: Array<{ field: string }> }).causes[0]?.field,
    'patch',
  );

  res = await api.request(
    'PATCH',
    `${PODS}/warn?fieldValidation=Strict`,
    [{ op: 'add', path: '/spec/containers/0/nope', value: 1 }],
    'application/json-patch+json',
  );
  assert.equal(res.status, 422);
  body = await json(res);
  assert.ok(
    String(body.message).endsWith('strict decoding error: unknown field "spec.containers[0].nope"'),
  );

  res = await api.request(
    'PATCH',
    `${PODS}/warn?fieldValidation=Warn`,
    [{ op: 'add', path: '/spec/containers/0/nope', value: 1 }],
    'application/json-patch+json',
  );
  assert.equal(res.status, 200);
  assert.equal(warnings(res), '299 - "unknown field \\"spec.containers[0].nope\\""');
  const containers = (await stored('warn')).spec.containers as Array<Record<string, unknown>>;
  assert.equal('nope' in (containers[0] ?? {}), false);
});

// Upstream reports a strategic patch's unknown fields in Go map order, which is random: one field.
test('strategic merge patch: Strict shows the patch as Go prints a map', async () => {
  let res = await api.request(
    'PATCH',
    `${PODS}/warn?fieldValidation=Strict`,
    { spec: { zeta: [1, 'a', { b: null }] }, metadata: { labels: { l: 'v' } } },
    'application/strategic-merge-patch+json',
  );
  assert.equal(res.status, 422);
  assert.equal(
    (await json(res)).message,
    ' "" is invalid: patch: Invalid value: "map[metadata:map[labels:map[l:v]] spec:map[zeta:[1 a map[b:<nil>]]]]": strict decoding error: unknown field "spec.zeta"',
  );
  res = await api.request(
    'PATCH',
    `${PODS}/warn?fieldValidation=Ignore`,
    { spec: { zeta: 1 }, metadata: { labels: { l: 'v' } } },
    'application/strategic-merge-patch+json',
  );
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('warning'), null);
  const got = (await json(res)) as { metadata: { labels: object }; spec: object };
  assert.deepEqual(got.metadata.labels, { l: 'v' });
  assert.equal('zeta' in got.spec, false);
});

test('server-side apply rejects unknown fields whatever fieldValidation says', async () => {
  const config = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'applied', namespace: 'default' },
    data: { a: 'b' },
    stray: { x: 1 },
  };
  for (const v of ['Strict', 'Warn', 'Ignore']) {
    const res = await api.request(
      'PATCH',
      `/api/v1/namespaces/default/configmaps/applied?fieldManager=t&fieldValidation=${v}`,
      config,
      'application/apply-patch+yaml',
    );
    assert.equal(res.status, 500);
    const body = await json(res);
    assert.equal(body.reason, undefined);
    assert.equal(
      body.message,
      'failed to create typed patch object (default/applied; /v1, Kind=ConfigMap): .stray: field not declared in schema',
    );
  }
  const { stray: _stray, ...clean } = config;
  const res = await api.request(
    'PATCH',
    '/api/v1/namespaces/default/configmaps/applied?fieldManager=t&fieldValidation=Strict',
    clean,
    'application/apply-patch+yaml',
  );
  assert.equal(res.status, 201);
});

test('status updates are checked too', async () => {
  const current = await json(await api.request('GET', `${PODS}/warn`));
  const res = await api.request('PUT', `${PODS}/warn/status?fieldValidation=Strict`, {
    ...current,
    status: { phase: 'Pending', notAField: 1 },
  });
  assert.equal(res.status, 400);
  assert.equal(
    (await json(res)).message,
    'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "status.notAField"',
  );
});

test('OpenAPI documents: ETag, immutable caching by hash, redirect from a stale hash', async () => {
  const root = (await json(await api.request('GET', '/openapi/v3'))) as {
    paths: Record<string, { serverRelativeURL: string }>;
  };
  const url = root.paths['apis/apps/v1']?.serverRelativeURL ?? '';
  const hash = new URL(url, api.url).searchParams.get('hash') ?? '';
  let res = await api.request('GET', url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('etag'), `"${hash}"`);
  assert.equal(res.headers.get('cache-control'), 'public, immutable');
  await res.arrayBuffer();
  res = await fetch(`${api.url}/openapi/v3/apis/apps/v1`, {
    headers: { 'If-None-Match': `"${hash}"` },
  });
  assert.equal(res.status, 304);
  res = await fetch(`${api.url}/openapi/v3/apis/apps/v1?hash=OLD`, { redirect: 'manual' });
  assert.equal(res.status, 301);
  assert.equal(res.headers.get('location'), url);
});
