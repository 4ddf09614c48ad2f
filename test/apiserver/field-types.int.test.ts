// Values of the wrong JSON type over HTTP: every write fails with upstream's status and message
// whatever fieldValidation says, and nothing is stored. Also what the real kubectl prints.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';

let api: TestApi;

before(async () => {
  api = await startTestApi();
});
after(() => api.stop());

const CMS = '/api/v1/namespaces/default/configmaps';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';

async function status(res: Response): Promise<{ code: number; reason?: string; message: string }> {
  const body = (await res.json()) as { code: number; reason?: string; message: string };
  assert.equal(res.status, body.code);
  return body;
}

function deployment(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'i' }] },
      },
      ...spec,
    },
  };
}

test('create and update: 400 BadRequest with the decoder message, whatever the directive', async () => {
  for (const query of ['', '?fieldValidation=Ignore', '?fieldValidation=Strict']) {
    const res = await api.request('POST', `${CMS}${query}`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'bad', bogus: 1 },
      data: { a: { b: 1 } },
    });
    assert.deepEqual(await status(res), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal object into Go struct field ConfigMap.data of type string',
      reason: 'BadRequest',
      code: 400,
    });
  }
  assert.equal((await api.request('GET', `${CMS}/bad`)).status, 404);

  const created = await api.request('POST', DEPLOYS, deployment('web'));
  assert.equal(created.status, 201);
  const current = (await created.json()) as Record<string, unknown>;
  const bad = deployment('web', { replicas: '3' });
  (bad as { metadata: Record<string, unknown> }).metadata = (
    current as { metadata: Record<string, unknown> }
  ).metadata;
  const res = await api.request('PUT', `${DEPLOYS}/web`, bad);
  const s = await status(res);
  assert.equal(s.reason, 'BadRequest');
  assert.equal(
    s.message,
    'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
  );
  // The status subresource decodes its body the same way.
  const statusRes = await api.request('PUT', `${DEPLOYS}/web/status`, {
    ...current,
    status: { replicas: 'x' },
  });
  assert.equal(
    (await status(statusRes)).message,
    'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentStatus.status.replicas of type int32',
  );
});

test('patches: 422 on the `patch` field; the merge and JSON patches decode, strategic converts', async () => {
  assert.equal(
    (
      await api.request('POST', CMS, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cm' },
        data: { a: 'x' },
      })
    ).status,
    201,
  );
  const stored = await (await api.request('GET', `${CMS}/cm`)).text();
  const cases: Array<[string, unknown, string]> = [
    [
      'application/merge-patch+json',
      { data: { a: { b: 1 } } },
      'json: cannot unmarshal object into Go struct field ConfigMap.data of type string',
    ],
    [
      'application/json-patch+json',
      [{ op: 'replace', path: '/data/a', value: 5 }],
      'json: cannot unmarshal number into Go struct field ConfigMap.data of type string',
    ],
    [
      'application/strategic-merge-patch+json',
      { data: { a: { b: 1 } } },
      'unrecognized type: string',
    ],
  ];
  for (const [type, patch, detail] of cases) {
    const res = await api.request('PATCH', `${CMS}/cm`, patch, type);
    const s = (await res.json()) as {
      code: number;
      reason: string;
      message: string;
      details: { causes: Array<{ field: string; message: string }> };
    };
    assert.equal(s.code, 422, type);
    assert.equal(s.reason, 'Invalid');
    assert.equal(s.details.causes[0]?.field, 'patch');
    assert.ok(s.message.startsWith(' "" is invalid: patch: Invalid value: '), s.message);
    assert.ok(s.message.endsWith(`: ${detail}`), s.message);
  }
  // The strategic patch is shown as Go prints the decoded patch.
  const smp = await api.request(
    'PATCH',
    `${CMS}/cm`,
    { data: { a: { b: 1 } } },
    'application/strategic-merge-patch+json',
  );
  assert.equal(
    ((await smp.json()) as { message: string }).message,
    ' "" is invalid: patch: Invalid value: "map[data:map[a:map[b:1]]]": unrecognized type: string',
  );
  assert.equal(await (await api.request('GET', `${CMS}/cm`)).text(), stored);
});

test('server-side apply: a 500 from structured-merge-diff, or from the conversion after it', async () => {
  const apply = (body: unknown, name: string) =>
    api.request(
      'PATCH',
      `${DEPLOYS}/${name}?fieldManager=tester&force=true`,
      body,
      'application/apply-patch+yaml',
    );
  const res = await apply(deployment('applied', { replicas: '3' }), 'applied');
  assert.deepEqual(await status(res), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message:
      'failed to create typed patch object (/applied; apps/v1, Kind=Deployment): .spec.replicas: expected numeric (int or float), got string',
    code: 500,
  });
  const fraction = await apply(deployment('applied', { replicas: 2.5 }), 'applied');
  assert.equal(
    (await status(fraction)).message,
    'failed to convert new object (/applied; apps/v1, Kind=Deployment) to proper version: cannot convert float64 to int32',
  );
  assert.equal((await api.request('GET', `${DEPLOYS}/applied`)).status, 404);
});

test('subresources decode their bodies: scale, eviction', async () => {
  assert.equal((await api.request('POST', DEPLOYS, deployment('scaled'))).status, 201);
  const put = await api.request('PUT', `${DEPLOYS}/scaled/scale`, {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: 'scaled', namespace: 'default' },
    spec: { replicas: '3' },
  });
  assert.equal(
    (await status(put)).message,
    'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal string into Go struct field ScaleSpec.spec.replicas of type int32',
  );
  const patch = await api.request(
    'PATCH',
    `${DEPLOYS}/scaled/scale`,
    { spec: { replicas: 2.5 } },
    'application/merge-patch+json',
  );
  const s = await status(patch);
  assert.equal(s.code, 422);
  assert.ok(
    s.message.endsWith(
      ': json: cannot unmarshal number 2.5 into Go struct field ScaleSpec.spec.replicas of type int32',
    ),
    s.message,
  );
  const pods = '/api/v1/namespaces/default/pods';
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'evicted' } };
  assert.equal(
    (await api.request('POST', pods, { ...pod, spec: { containers: [{ name: 'c', image: 'i' }] } }))
      .status,
    201,
  );
  const eviction = await api.request('POST', `${pods}/evicted/eviction`, {
    apiVersion: 'policy/v1',
    kind: 'Eviction',
    metadata: { name: 'evicted', namespace: 'default' },
    deleteOptions: { gracePeriodSeconds: '5' },
  });
  assert.equal(
    (await status(eviction)).message,
    'Eviction in version "v1" cannot be handled as a Eviction: json: cannot unmarshal string into Go struct field DeleteOptions.deleteOptions.gracePeriodSeconds of type int64',
  );
  assert.equal((await api.request('GET', `${pods}/evicted`)).status, 200);
});

test('a quantity given as a number is stored as its canonical string', async () => {
  const res = await api.request('POST', '/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'numeric-cpu' },
    spec: { containers: [{ name: 'c', image: 'i', resources: { limits: { cpu: 0.5 } } }] },
  });
  assert.equal(res.status, 201);
  const pod = (await res.json()) as {
    spec: { containers: Array<{ resources: unknown }> };
  };
  assert.deepEqual((pod.spec.containers[0]?.resources as { limits: unknown }).limits, {
    cpu: '500m',
  });
});

test('kubectl apply of a manifest with replicas: "3" prints the server error', async () => {
  const manifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: quoted
spec:
  replicas: "3"
  selector:
    matchLabels: {app: quoted}
  template:
    metadata:
      labels: {app: quoted}
    spec:
      containers:
      - name: c
        image: nginx
`;
  const r = await api.kubectl(['apply', '-f', '-'], manifest);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32\n',
  );
  const ssa = await api.kubectl(['apply', '--server-side', '-f', '-'], manifest);
  assert.equal(ssa.code, 1);
  assert.equal(
    ssa.stderr,
    'Error from server: failed to create typed patch object (default/quoted; apps/v1, Kind=Deployment): .spec.replicas: expected numeric (int or float), got string\n',
  );
});

test('an integer written with a fraction or exponent: refused in JSON bodies and JSON/merge patches by its literal, taken in YAML, strategic patches and apply', async () => {
  const text = (replicas: string, extra = ''): string =>
    JSON.stringify(deployment('literal')).replace('"replicas":1', `"replicas":${replicas}${extra}`);
  const message = (literal: string, where = 'DeploymentSpec.spec.replicas'): string =>
    `Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number ${literal} into Go struct field ${where} of type int32`;
  for (const literal of ['3.0', '1e3', '3.50', '12345678901234567890', '-2E0']) {
    const s = await status(await api.request('POST', DEPLOYS, text(literal)));
    assert.equal(s.code, 400, literal);
    assert.equal(s.reason, 'BadRequest');
    assert.equal(s.message, message(literal), literal);
  }
  // An IntOrString decodes a number into its int32; a list element's path has no index.
  const surge = text('2', ',"strategy":{"rollingUpdate":{"maxSurge":1.0}}');
  assert.equal(
    (await status(await api.request('POST', DEPLOYS, surge))).message,
    message('1.0', 'RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge'),
  );
  const port = JSON.stringify(deployment('literal')).replace(
    '"image":"i"',
    '"image":"nginx:1.25","ports":[{"containerPort":80.0}]',
  );
  assert.equal(
    (await status(await api.request('POST', DEPLOYS, port))).message,
    message('80.0', 'ContainerPort.spec.template.spec.containers.ports.containerPort'),
  );
  assert.equal((await api.request('GET', `${DEPLOYS}/literal`)).status, 404);
  // A float field and a quantity take any number; a key's last value is the one decoded.
  const ok = JSON.stringify(deployment('literal'))
    .replace('"replicas":1', '"replicas":1.5,"replicas":2,"progressDeadlineSeconds":600')
    .replace('"image":"i"', '"image":"i","resources":{"limits":{"cpu":1.0}}');
  const created = await api.request('POST', DEPLOYS, ok);
  assert.equal(created.status, 201);
  const body = (await created.json()) as {
    spec: { replicas: number; template: { spec: { containers: Array<{ resources: unknown }> } } };
  };
  assert.equal(body.spec.replicas, 2);
  assert.deepEqual(body.spec.template.spec.containers[0]?.resources, { limits: { cpu: '1' } });

  // YAML's 3.0 is a float, which sigs.k8s.io/yaml writes into the JSON it decodes as 3.
  const yaml = await api.request(
    'POST',
    DEPLOYS,
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: from-yaml}\nspec:\n  replicas: 3.0\n  selector: {matchLabels: {app: y}}\n  template:\n    metadata: {labels: {app: y}}\n    spec: {containers: [{name: c, image: i}]}\n',
    'application/yaml',
  );
  assert.equal(yaml.status, 201);
  assert.equal(((await yaml.json()) as { spec: { replicas: number } }).spec.replicas, 3);

  // JSON and merge patches carry the literal into the patched JSON, which is decoded.
  const patches: Array<[string, string, string, string]> = [
    [
      'application/merge-patch+json',
      '{"spec":{"replicas":2.0}}',
      '2.0',
      'DeploymentSpec.spec.replicas',
    ],
    [
      'application/json-patch+json',
      '[{"op":"replace","path":"/spec/replicas","value":1e1}]',
      '1e1',
      'DeploymentSpec.spec.replicas',
    ],
    [
      'application/json-patch+json',
      '[{"op":"add","path":"/spec/template/spec/containers/-","value":{"name":"d","image":"i","ports":[{"containerPort":81.0}]}}]',
      '81.0',
      'ContainerPort.spec.template.spec.containers.ports.containerPort',
    ],
  ];
  for (const [type, patch, literal, where] of patches) {
    const s = await status(await api.request('PATCH', `${DEPLOYS}/literal`, patch, type));
    assert.equal(s.code, 422, patch);
    assert.ok(
      s.message.endsWith(
        `: json: cannot unmarshal number ${literal} into Go struct field ${where} of type int32`,
      ),
      s.message,
    );
  }
  // A strategic patch's map is converted, which takes an integral float.
  const smp = await api.request(
    'PATCH',
    `${DEPLOYS}/literal`,
    '{"spec":{"replicas":4.0}}',
    'application/strategic-merge-patch+json',
  );
  assert.equal(smp.status, 200);
  assert.equal(((await smp.json()) as { spec: { replicas: number } }).spec.replicas, 4);
  // Server-side apply reads its configuration as YAML.
  const applied = await api.request(
    'PATCH',
    `${DEPLOYS}/literal?fieldManager=tester&force=true`,
    text('5.0').replace('"name":"literal"', '"name":"literal"'),
    'application/apply-patch+yaml',
  );
  assert.equal(applied.status, 200);
  assert.equal(((await applied.json()) as { spec: { replicas: number } }).spec.replicas, 5);
  // The scale subresource decodes its body the same way.
  const scale = await api.request(
    'PUT',
    `${DEPLOYS}/literal/scale`,
    '{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"literal","namespace":"default"},"spec":{"replicas":3.0}}',
  );
  assert.equal(
    (await status(scale)).message,
    'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal number 3.0 into Go struct field ScaleSpec.spec.replicas of type int32',
  );
});

test('kubectl create --raw of a JSON manifest with replicas: 3.0 prints the server error', async () => {
  const manifest = JSON.stringify(deployment('raw-literal')).replace(
    '"replicas":1',
    '"replicas":3.0',
  );
  const r = await api.kubectl(['create', '--raw', DEPLOYS, '-f', '-'], manifest);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    'Error from server (BadRequest): Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number 3.0 into Go struct field DeploymentSpec.spec.replicas of type int32\n',
  );
});

test('a named Go type is named in the error: v1.Protocol', async () => {
  const res = await api.request('POST', '/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'named' },
    spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80, protocol: 6 }] }] },
  });
  assert.equal(
    (await status(res)).message,
    'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field ContainerPort.spec.containers.ports.protocol of type v1.Protocol',
  );
});
