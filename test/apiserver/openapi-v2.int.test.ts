// The real kubectl 1.32 against kbox's /openapi/v2. kubectl cannot ask the server to validate a
// `kind: List` (its v3 check rules List out), so it fetches the v2 document as gnostic protobuf
// and validates the items itself, with kube-openapi's pkg/util/proto/validation wording.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';

let api: TestApi;

before(async () => {
  api = await startTestApi();
});
after(async () => {
  await api.stop();
});

const PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

/** A v1 List of a ConfigMap and a Pod, as `kubectl get -o yaml` prints lists. */
function list(suffix: string, container = '{name: c, image: busybox}'): string {
  return `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: cm-${suffix}
  data:
    a: b
- apiVersion: v1
  kind: Pod
  metadata:
    name: pod-${suffix}
  spec:
    containers:
    - ${container}
`;
}

async function exists(path: string): Promise<boolean> {
  const res = await api.request('GET', path);
  await res.arrayBuffer();
  return res.status === 200;
}

const validationError = (detail: string): string =>
  `error: error validating "STDIN": error validating data: ${detail}; if you choose to ignore these errors, turn validation off with --validate=false\n`;

test('kubectl apply and create of a v1 List validate it against /openapi/v2 and create the items', async () => {
  let out = await api.kubectl(['apply', '-f', '-'], list('apply'));
  assert.deepEqual(out, {
    stdout: 'configmap/cm-apply created\npod/pod-apply created\n',
    stderr: '',
    code: 0,
  });
  assert.ok(await exists('/api/v1/namespaces/default/configmaps/cm-apply'));
  assert.ok(await exists('/api/v1/namespaces/default/pods/pod-apply'));
  out = await api.kubectl(['create', '-f', '-'], list('create'));
  assert.deepEqual(out, {
    stdout: 'configmap/cm-create created\npod/pod-create created\n',
    stderr: '',
    code: 0,
  });
  assert.ok(await exists('/api/v1/namespaces/default/pods/pod-create'));
  // replace too (a List of the ConfigMap alone: a Pod's spec cannot be replaced).
  const configMapOnly = list('create').split('- apiVersion: v1\n  kind: Pod')[0] ?? '';
  out = await api.kubectl(['replace', '-f', '-'], configMapOnly.replace('a: b', 'a: c'));
  assert.deepEqual(out, { stdout: 'configmap/cm-create replaced\n', stderr: '', code: 0 });
});

test('a List with an unknown field, a wrong type or a missing required field is refused by kubectl', async () => {
  let out = await api.kubectl(
    ['apply', '-f', '-'],
    list('unknown', '{name: c, image: busybox, foo: 1}'),
  );
  assert.deepEqual(out, {
    stdout: '',
    stderr: validationError(
      'ValidationError(Pod.spec.containers[0]): unknown field "foo" in io.k8s.api.core.v1.Container',
    ),
    code: 1,
  });
  // The whole List is validated before anything is sent.
  assert.equal(await exists('/api/v1/namespaces/default/configmaps/cm-unknown'), false);
  out = await api.kubectl(
    ['create', '-f', '-'],
    list('type', '{name: c, image: busybox, ports: [{containerPort: http}]}'),
  );
  assert.deepEqual(out, {
    stdout: '',
    stderr: validationError(
      'ValidationError(Pod.spec.containers[0].ports[0].containerPort): invalid type for io.k8s.api.core.v1.ContainerPort.containerPort: got "string", expected "integer"',
    ),
    code: 1,
  });
  out = await api.kubectl(['apply', '-f', '-'], list('required', '{image: busybox}'));
  assert.deepEqual(out, {
    stdout: '',
    stderr: validationError(
      'ValidationError(Pod.spec.containers[0]): missing required field "name" in io.k8s.api.core.v1.Container',
    ),
    code: 1,
  });
  // --validate=false skips it; the server then decides (and drops the unknown field).
  out = await api.kubectl(
    ['apply', '--validate=false', '-f', '-'],
    list('unknown', '{name: c, image: busybox, foo: 1}'),
  );
  assert.equal(out.code, 0, out.stderr);
});

// kubectl apply of a changed object computes a strategic merge patch from the documents' patch
// markers: a container dropped from the manifest is deleted by name, one another client added
// survives (with lists taken whole, the server's merge would keep both).
test('kubectl apply still patches the lists of a changed object by key', async () => {
  const deployment = (containers: string[]): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: merge
spec:
  selector:
    matchLabels: {app: merge}
  template:
    metadata:
      labels: {app: merge}
    spec:
      containers:
${containers.map((c) => `      - {name: ${c}, image: busybox}\n`).join('')}`;
  let out = await api.kubectl(['apply', '-f', '-'], deployment(['a', 'b']));
  assert.equal(out.code, 0, out.stderr);
  const path = '/apis/apps/v1/namespaces/default/deployments/merge';
  const res = await api.request(
    'PATCH',
    path,
    { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } },
    'application/strategic-merge-patch+json',
  );
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  out = await api.kubectl(['apply', '-f', '-'], deployment(['a']));
  assert.deepEqual(out, { stdout: 'deployment.apps/merge configured\n', stderr: '', code: 0 });
  const current = (await (await api.request('GET', path)).json()) as {
    spec: { template: { spec: { containers: Array<{ name: string }> } } };
  };
  assert.deepEqual(current.spec.template.spec.containers.map((c) => c.name).sort(), ['a', 'c']);
});

test('kubectl get --raw /openapi/v2: Swagger 2.0 with every v3 schema as a definition', async () => {
  const out = await api.kubectl(['get', '--raw', '/openapi/v2']);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout.includes('#/components/schemas/'), false);
  const doc = JSON.parse(out.stdout) as {
    swagger: string;
    info: { title: string; version: string };
    paths: Record<string, Record<string, { parameters?: Array<{ name: string; type: string }> }>>;
    definitions: Record<string, Record<string, unknown>>;
  };
  assert.equal(doc.swagger, '2.0');
  const version = (await (await api.request('GET', '/version')).json()) as { gitVersion: string };
  assert.deepEqual(doc.info, { title: 'Kubernetes', version: version.gitVersion });

  const root = (await (await api.request('GET', '/openapi/v3')).json()) as {
    paths: Record<string, { serverRelativeURL: string }>;
  };
  const v3Names = new Set<string>();
  for (const { serverRelativeURL } of Object.values(root.paths)) {
    const v3 = (await (await api.request('GET', serverRelativeURL)).json()) as {
      components: { schemas: Record<string, unknown> };
    };
    for (const name of Object.keys(v3.components.schemas)) v3Names.add(name);
  }
  assert.deepEqual(Object.keys(doc.definitions).sort(), [...v3Names].sort());

  const pod = doc.definitions['io.k8s.api.core.v1.Pod'] ?? {};
  assert.deepEqual(pod['x-kubernetes-group-version-kind'], [
    { group: '', kind: 'Pod', version: 'v1' },
  ]);
  const spec = (pod.properties as Record<string, Record<string, unknown>>).spec;
  assert.deepEqual(Object.keys(spec ?? {}).sort(), ['$ref', 'description']);
  assert.equal(spec?.$ref, '#/definitions/io.k8s.api.core.v1.PodSpec');
  assert.deepEqual(doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'], {
    description:
      'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
    format: 'int-or-string',
    type: 'string',
  });
  const patch = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}']?.patch;
  assert.deepEqual(
    patch?.parameters?.find((p) => p.name === 'fieldValidation'),
    { name: 'fieldValidation', in: 'query', type: 'string' },
  );
});

test('/openapi/v2 by Accept: JSON or gnostic protobuf, one ETag, 304 and 406', async () => {
  let res = await fetch(`${api.url}/openapi/v2`, { headers: { Accept: PROTOBUF } });
  assert.equal(res.status, 200);
  // kube-openapi labels both spellings' answers with the non-deprecated `.v1.0` one.
  assert.equal(
    res.headers.get('content-type'),
    'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
  );
  assert.equal(res.headers.get('vary'), 'Accept');
  const etag = res.headers.get('etag') ?? '';
  assert.match(etag, /^"[0-9A-F]{128}"$/);
  const proto = Buffer.from(await res.arrayBuffer());
  assert.equal(proto.subarray(0, 5).toString('latin1'), '\x0a\x032.0');

  res = await fetch(`${api.url}/openapi/v2`, { headers: { Accept: 'application/json' } });
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.headers.get('etag'), etag);
  assert.equal(((await res.json()) as { swagger: string }).swagger, '2.0');

  res = await fetch(`${api.url}/openapi/v2`, {
    headers: { Accept: PROTOBUF, 'If-None-Match': etag },
  });
  assert.equal(res.status, 304);
  res = await fetch(`${api.url}/openapi/v2`, { headers: { Accept: 'text/plain' } });
  assert.equal(res.status, 406);
  await res.arrayBuffer();
});
