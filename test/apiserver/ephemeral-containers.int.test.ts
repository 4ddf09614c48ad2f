// pods/ephemeralcontainers as kube-apiserver 1.32 serves it: discovery lists it, the real
// kubectl debug adds a container through it (a strategic merge patch), only
// spec.ephemeralContainers changes, and an ephemeral container can be added but never removed or
// changed, nor set ports and the like (upstream's ValidatePodEphemeralContainersUpdate texts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { startTestApi, type TestApi } from '../support/apiserver.js';

let api: TestApi;
const POD = '/api/v1/namespaces/default/pods/p';
const SUB = `${POD}/ephemeralcontainers`;

before(async () => {
  api = await startTestApi();
  const r = await api.request('POST', '/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', labels: { app: 'p' } },
    spec: { containers: [{ name: 'main', image: 'x' }] },
  });
  assert.equal(r.status, 201);
});

after(() => api.stop());

type Spec = { ephemeralContainers?: unknown[]; containers: unknown[] };

async function pod(): Promise<KubeObject & { spec: Spec }> {
  return (await (await api.request('GET', SUB)).json()) as KubeObject & { spec: Spec };
}

function invalidStatus(causes: Array<{ field: string; message: string; reason: string }>): {
  kind: string;
  apiVersion: string;
  metadata: object;
  status: string;
  message: string;
  reason: string;
  code: number;
  details: object;
} {
  const parts = causes.map((c) => `${c.field}: ${c.message}`);
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `Pod "p" is invalid: ${parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`}`,
    reason: 'Invalid',
    code: 422,
    details: { name: 'p', kind: 'Pod', causes },
  };
}

test('discovery lists pods/ephemeralcontainers with get, patch and update', async () => {
  const list = (await (await api.request('GET', '/api/v1')).json()) as {
    resources: Array<{ name: string; kind: string; verbs: string[]; namespaced: boolean }>;
  };
  const sub = list.resources.find((r) => r.name === 'pods/ephemeralcontainers');
  assert.deepEqual(sub, {
    name: 'pods/ephemeralcontainers',
    singularName: '',
    namespaced: true,
    kind: 'Pod',
    verbs: ['get', 'patch', 'update'],
  });
  const aggregated = (await (
    await fetch(`${api.url}/api`, {
      headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' },
    })
  ).json()) as {
    items: Array<{
      versions: Array<{ resources: Array<{ resource: string; subresources?: unknown[] }> }>;
    }>;
  };
  const pods = aggregated.items[0]?.versions[0]?.resources.find((r) => r.resource === 'pods');
  assert.deepEqual(
    pods?.subresources?.find(
      (s) => (s as { subresource: string }).subresource === 'ephemeralcontainers',
    ),
    {
      subresource: 'ephemeralcontainers',
      responseKind: { group: '', version: '', kind: 'Pod' },
      verbs: ['get', 'patch', 'update'],
    },
  );
  const openapi = (await (await api.request('GET', '/openapi/v3/api/v1')).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const path = openapi.paths['/api/v1/namespaces/{namespace}/pods/{name}/ephemeralcontainers'];
  assert.deepEqual(Object.keys(path ?? {}), ['parameters', 'get', 'put', 'patch']);
});

test('kubectl debug adds an ephemeral container, defaulted, and nothing else changes', async () => {
  const before = await pod();
  const r = await api.kubectl([
    'debug',
    'p',
    '--image=busybox:1',
    '-c',
    'dbg',
    '--target=main',
    '--',
    'sh',
    '-c',
    'ps',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    'Targeting container "main". If you don\'t see processes from this container it may be because the container runtime doesn\'t support this feature.\n',
  );
  const after = await pod();
  assert.deepEqual(after.spec.ephemeralContainers, [
    {
      name: 'dbg',
      image: 'busybox:1',
      command: ['sh', '-c', 'ps'],
      resources: {},
      targetContainerName: 'main',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'IfNotPresent',
    },
  ]);
  assert.deepEqual(
    { ...after.spec, ephemeralContainers: undefined },
    {
      ...before.spec,
      ephemeralContainers: undefined,
    },
  );
  const managed = after.metadata.managedFields?.find(
    (m) => (m as { subresource?: string }).subresource === 'ephemeralcontainers',
  );
  assert.equal(managed?.manager, 'kubectl');
  assert.equal(managed.operation, 'Update');

  // Only spec.ephemeralContainers is written: a label in the same patch is dropped.
  const patched = await api.request(
    'PATCH',
    SUB,
    {
      metadata: { labels: { app: 'changed' } },
      spec: { containers: [{ name: 'main', image: 'y' }] },
    },
    'application/merge-patch+json',
  );
  assert.equal(patched.status, 200);
  const same = await pod();
  assert.deepEqual(same.metadata.labels, { app: 'p' });
  assert.deepEqual(same.spec, after.spec);
});

test('an ephemeral container may not be removed, changed, or set ports', async () => {
  const removed = await api.request(
    'PATCH',
    SUB,
    [{ op: 'remove', path: '/spec/ephemeralContainers/0' }],
    'application/json-patch+json',
  );
  assert.equal(removed.status, 422);
  assert.deepEqual(
    await removed.json(),
    invalidStatus([
      {
        reason: 'FieldValueForbidden',
        message: 'Forbidden: existing ephemeral containers "dbg" may not be removed\n',
        field: 'spec.ephemeralContainers',
      },
    ]),
  );

  const changed = await api.request(
    'PATCH',
    SUB,
    [{ op: 'replace', path: '/spec/ephemeralContainers/0/image', value: 'busybox:2' }],
    'application/json-patch+json',
  );
  assert.equal(changed.status, 422);
  const status = (await changed.json()) as { message: string };
  assert.match(
    status.message,
    /^Pod "p" is invalid: spec\.ephemeralContainers\[dbg\]: Forbidden: existing ephemeral containers "dbg" may not be changed\n/,
  );

  const current = await pod();
  const withPorts = await api.request('PUT', SUB, {
    ...current,
    spec: {
      ...current.spec,
      ephemeralContainers: [
        ...(current.spec.ephemeralContainers ?? []),
        {
          name: 'web',
          image: 'busybox:1',
          ports: [{ containerPort: 80 }],
          readinessProbe: { tcpSocket: { port: 80 } },
          targetContainerName: 'nope',
        },
        { name: 'main', image: 'busybox:1', resources: { limits: { cpu: '1' } } },
      ],
    },
  });
  assert.equal(withPorts.status, 422);
  const forbidden = 'Forbidden: cannot be set for an Ephemeral Container';
  assert.deepEqual(
    await withPorts.json(),
    invalidStatus([
      {
        reason: 'FieldValueNotFound',
        message: 'Not found: "nope"',
        field: 'spec.ephemeralContainers[1].targetContainerName',
      },
      {
        reason: 'FieldValueForbidden',
        message: forbidden,
        field: 'spec.ephemeralContainers[1].ports',
      },
      {
        reason: 'FieldValueForbidden',
        message: forbidden,
        field: 'spec.ephemeralContainers[1].readinessProbe',
      },
      {
        reason: 'FieldValueDuplicate',
        message: 'Duplicate value: "main"',
        field: 'spec.ephemeralContainers[2].name',
      },
      {
        reason: 'FieldValueForbidden',
        message: forbidden,
        field: 'spec.ephemeralContainers[2].resources',
      },
    ]),
  );
  assert.equal((await pod()).spec.ephemeralContainers?.length, 1);
});

test('ephemeral containers cannot be set on create nor through a pod update', async () => {
  const created = await api.request('POST', '/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'q' },
    spec: {
      containers: [{ name: 'main', image: 'x' }],
      ephemeralContainers: [{ name: 'dbg', image: 'x' }],
    },
  });
  assert.equal(created.status, 422);
  assert.equal(
    ((await created.json()) as { message: string }).message,
    'Pod "q" is invalid: spec.ephemeralContainers: Forbidden: cannot be set on create',
  );

  const updated = await api.request(
    'PATCH',
    POD,
    { spec: { ephemeralContainers: null } },
    'application/merge-patch+json',
  );
  assert.equal(updated.status, 422);
  assert.match(
    ((await updated.json()) as { message: string }).message,
    /^Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than/,
  );
});
