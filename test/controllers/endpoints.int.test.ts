// The Endpoints and EndpointSlice controllers, run by the controller manager against a real API
// server: pods come and go, change readiness and terminate; the objects the controllers write are
// checked exactly, and so is what the real kubectl prints for them.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { KubeClient, type ResourceRef } from '../../src/client/rest.js';
import { startControllerManager } from '../../src/controllers/manager.js';
import { startTestApi, type TestApi } from '../support/apiserver.js';

const core = (resource: string, namespaced = true): ResourceRef => ({
  group: '',
  version: 'v1',
  resource,
  namespaced,
});
const PODS = core('pods');
const SERVICES = core('services');
const ENDPOINTS = core('endpoints');
const NODES = core('nodes', false);
const EVENTS = core('events');
const SLICES: ResourceRef = {
  group: 'discovery.k8s.io',
  version: 'v1',
  resource: 'endpointslices',
  namespaced: true,
};

let api: TestApi;
let client: KubeClient;
let manager: { stop(): Promise<void> };
const logged: string[] = [];

before(async () => {
  api = await startTestApi();
  client = new KubeClient({ server: api.url, timeoutMs: 5000 });
  manager = await startControllerManager(
    client,
    (msg, fields) => logged.push(`${msg} ${JSON.stringify(fields ?? {})}`),
    { volumesDir: join(tmpdir(), `kbox-endpoints-test-${process.pid}`) },
  );
});

after(async () => {
  await manager.stop();
  await client.close();
  await api.stop();
});

async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 10_000,
): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined;
  for (;;) {
    try {
      last = await probe();
      if (ok(last)) return last;
    } catch {
      // Not there yet.
    }
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function endpoints(): Promise<KubeObject | undefined> {
  try {
    return await client.get(ENDPOINTS, 'default', 'web');
  } catch {
    return undefined;
  }
}

const slices = async (): Promise<KubeObject[]> =>
  (await client.list(SLICES, 'default', { labelSelector: 'kubernetes.io/service-name=web' })).items;

async function createPod(name: string, ip: string, ready: boolean, at: string): Promise<void> {
  const created = await client.create(PODS, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'web' } },
    spec: {
      nodeName: 'node-1',
      containers: [{ name: 'c', image: 'busybox', ports: [{ name: 'http', containerPort: 8080 }] }],
    },
  });
  uids.set(name, created.metadata.uid ?? '');
  await setReady(name, ip, ready, at);
}

async function setReady(name: string, ip: string, ready: boolean, at: string): Promise<void> {
  const pod = await client.get(PODS, 'default', name);
  pod.status = {
    phase: 'Running',
    podIP: ip,
    podIPs: [{ ip }],
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: at }],
  };
  await client.update(PODS, pod, 'status');
}

const uids = new Map<string, string>();
const ref = (name: string): Record<string, string> => ({
  kind: 'Pod',
  namespace: 'default',
  name,
  uid: uids.get(name) ?? '',
});
const address = (name: string, ip: string): unknown => ({
  ip,
  nodeName: 'node-1',
  targetRef: ref(name),
});
const sliceEndpoint = (name: string, ip: string, conditions: Record<string, boolean>): unknown => ({
  addresses: [ip],
  conditions,
  targetRef: ref(name),
  nodeName: 'node-1',
  zone: 'zone-a',
});
const PORT = { name: 'http', port: 8080, protocol: 'TCP' };
const SLICE_PORT = { name: 'http', protocol: 'TCP', port: 8080 };

/** The parts of an object the controllers decide. */
function content(o: KubeObject | undefined): unknown {
  if (!o) return undefined;
  const {
    uid: _u,
    resourceVersion: _r,
    creationTimestamp: _c,
    managedFields: _m,
    generation: _g,
    name,
    ...meta
  } = o.metadata;
  const { metadata: _meta, ...rest } = o;
  return { metadata: { ...meta, name: o.metadata.generateName ? '' : name }, ...rest };
}

const table = (stdout: string): string[][] =>
  stdout
    .trimEnd()
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/));

test('Endpoints and EndpointSlices follow the pods of a Service', async () => {
  await client.create(NODES, undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-1', labels: { 'topology.kubernetes.io/zone': 'zone-a' } },
  });
  const svc = await client.create(SERVICES, 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', labels: { tier: 'front' } },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  });

  // No pods yet: an empty Endpoints and a placeholder slice.
  let ep = await eventually('empty endpoints', endpoints, (e) => e !== undefined);
  assert.deepEqual(content(ep), {
    metadata: { namespace: 'default', labels: { tier: 'front' }, name: 'web' },
    apiVersion: 'v1',
    kind: 'Endpoints',
  });
  let list = await eventually('placeholder slice', slices, (l) => l.length === 1);
  const placeholderName = list[0]?.metadata.name ?? '';
  assert.match(placeholderName, /^web-[a-z0-9]{5}$/);
  assert.deepEqual(content(list[0]), {
    metadata: {
      generateName: 'web-',
      namespace: 'default',
      labels: {
        tier: 'front',
        'kubernetes.io/service-name': 'web',
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      },
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          name: 'web',
          uid: svc.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      name: '',
    },
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    addressType: 'IPv4',
    endpoints: [],
    ports: [],
  });
  let out = await api.kubectl(['get', 'endpointslices']);
  assert.equal(out.code, 0, out.stderr);
  assert.deepEqual(
    table(out.stdout).map((r) => r.slice(0, 4)),
    [
      ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS'],
      [placeholderName, 'IPv4', '<unset>', '<unset>'],
    ],
  );

  // One ready pod, one not ready.
  await createPod('a', '10.0.0.1', true, '2026-01-01T00:00:10Z');
  await createPod('b', '10.0.0.2', false, '2026-01-01T00:00:20Z');
  ep = await eventually('two addresses', endpoints, (e) =>
    JSON.stringify(e?.['subsets'] ?? []).includes('10.0.0.2'),
  );
  assert.deepEqual(ep?.['subsets'], [
    {
      addresses: [address('a', '10.0.0.1')],
      notReadyAddresses: [address('b', '10.0.0.2')],
      ports: [PORT],
    },
  ]);
  assert.deepEqual(ep?.metadata.labels, { tier: 'front' });
  list = await eventually('two slice endpoints', slices, (l) =>
    JSON.stringify(l).includes('10.0.0.2'),
  );
  assert.equal(list.length, 1);
  assert.equal(list[0]?.metadata.name, placeholderName, 'the placeholder is reused');
  assert.deepEqual(list[0]?.['ports'], [SLICE_PORT]);
  assert.deepEqual(list[0]?.['endpoints'], [
    sliceEndpoint('a', '10.0.0.1', { ready: true, serving: true, terminating: false }),
    sliceEndpoint('b', '10.0.0.2', { ready: false, serving: false, terminating: false }),
  ]);
  out = await api.kubectl(['get', 'endpoints']);
  assert.equal(out.code, 0, out.stderr);
  const rows = table(out.stdout);
  assert.deepEqual(rows[0], ['NAME', 'ENDPOINTS', 'AGE']);
  assert.deepEqual(rows[1]?.slice(0, 2), ['web', '10.0.0.1:8080']);
  assert.match(rows[1]?.[2] ?? '', /^\d+s$/);

  // b becomes ready: the slice is updated in place, and the trigger time is b's transition.
  await setReady('b', '10.0.0.2', true, '2026-01-01T00:01:00Z');
  ep = await eventually('b ready', endpoints, (e) =>
    JSON.stringify(e?.['subsets'] ?? []).includes('"addresses":[{"ip":"10.0.0.1"'),
  );
  ep = await eventually('b ready', endpoints, (e) => {
    const s = (e?.['subsets'] ?? []) as Array<{ addresses?: unknown[] }>;
    return s[0]?.addresses?.length === 2;
  });
  assert.deepEqual(ep?.['subsets'], [
    { addresses: [address('a', '10.0.0.1'), address('b', '10.0.0.2')], ports: [PORT] },
  ]);
  assert.equal(
    ep?.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'],
    '2026-01-01T00:01:00Z',
  );
  list = await eventually('b ready in slice', slices, (l) =>
    JSON.stringify(l).includes(
      '"ready":true,"serving":true,"terminating":false},"targetRef":{"kind":"Pod","namespace":"default","name":"b"',
    ),
  );
  assert.equal(list.length, 1);
  assert.equal(list[0]?.metadata.name, placeholderName);
  assert.equal(
    list[0]?.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'],
    '2026-01-01T00:01:00Z',
  );

  // Four ready pods: kubectl shows three and counts the rest.
  await createPod('c', '10.0.0.3', true, '2026-01-01T00:02:00Z');
  await createPod('d', '10.0.0.4', true, '2026-01-01T00:02:00Z');
  await eventually('four addresses', endpoints, (e) =>
    JSON.stringify(e?.['subsets'] ?? []).includes('10.0.0.4'),
  );
  await eventually('four slice endpoints', slices, (l) => JSON.stringify(l).includes('10.0.0.4'));
  out = await api.kubectl(['get', 'endpoints', 'web']);
  assert.deepEqual(table(out.stdout)[1]?.slice(0, 2), [
    'web',
    '10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 1 more...',
  ]);
  out = await api.kubectl(['get', 'endpointslices']);
  assert.deepEqual(table(out.stdout)[1]?.slice(0, 4), [
    placeholderName,
    'IPv4',
    '8080',
    '10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...',
  ]);
  for (const p of ['c', 'd']) await client.delete(PODS, 'default', p, { gracePeriodSeconds: 0 });

  // a terminates: gone from Endpoints, still in the slice as terminating.
  await client.delete(PODS, 'default', 'a');
  ep = await eventually('a gone from endpoints', endpoints, (e) => {
    const s = JSON.stringify(e?.['subsets'] ?? []);
    return !s.includes('10.0.0.1') && !s.includes('10.0.0.4');
  });
  assert.deepEqual(ep?.['subsets'], [{ addresses: [address('b', '10.0.0.2')], ports: [PORT] }]);
  list = await eventually(
    'a terminating in slice',
    slices,
    (l) =>
      JSON.stringify(l).includes('"terminating":true') && !JSON.stringify(l).includes('10.0.0.4'),
  );
  assert.deepEqual(list[0]?.['endpoints'], [
    sliceEndpoint('a', '10.0.0.1', { ready: false, serving: true, terminating: true }),
    sliceEndpoint('b', '10.0.0.2', { ready: true, serving: true, terminating: false }),
  ]);

  // a is removed for good.
  await client.delete(PODS, 'default', 'a', { gracePeriodSeconds: 0 });
  list = await eventually(
    'a gone from slice',
    slices,
    (l) => !JSON.stringify(l).includes('10.0.0.1'),
  );
  assert.equal(list.length, 1);
  assert.deepEqual(list[0]?.['endpoints'], [
    sliceEndpoint('b', '10.0.0.2', { ready: true, serving: true, terminating: false }),
  ]);

  // No write when nothing changed: an unrelated pod label leaves both objects alone.
  const before = [(await endpoints())?.metadata.resourceVersion, list[0]?.metadata.resourceVersion];
  await client.patch(PODS, 'default', 'b', { metadata: { annotations: { note: 'x' } } });
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(
    [(await endpoints())?.metadata.resourceVersion, (await slices())[0]?.metadata.resourceVersion],
    before,
  );

  // Objects deleted by hand come back.
  await client.delete(ENDPOINTS, 'default', 'web');
  const back = await eventually(
    'endpoints recreated',
    endpoints,
    (e) => e !== undefined && e.metadata.resourceVersion !== before[0],
  );
  assert.deepEqual(back?.['subsets'], [{ addresses: [address('b', '10.0.0.2')], ports: [PORT] }]);
  await client.delete(SLICES, 'default', placeholderName);
  list = await eventually(
    'slice recreated',
    slices,
    (l) => l.length === 1 && l[0]?.metadata.name !== placeholderName,
  );
  assert.deepEqual(list[0]?.['endpoints'], [
    sliceEndpoint('b', '10.0.0.2', { ready: true, serving: true, terminating: false }),
  ]);

  // The Service goes: its Endpoints are deleted, its slices garbage-collected.
  await client.delete(SERVICES, 'default', 'web');
  await eventually('endpoints deleted', endpoints, (e) => e === undefined);
  await eventually('slices deleted', slices, (l) => l.length === 0);

  // No failures along the way.
  const events = await client.list(EVENTS, 'default');
  assert.deepEqual(
    events.items
      .filter((e) => String(e['reason']).startsWith('FailedTo'))
      .map((e) => `${String(e['reason'])}: ${String(e['message'])}`),
    [],
  );
  assert.deepEqual(
    logged.filter((l) => l.includes('sync failed')),
    [],
  );
});

test('headless Services get the headless label; Services without a selector are left alone', async () => {
  await client.create(SERVICES, 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'db' },
    spec: { clusterIP: 'None', selector: { app: 'db' } },
  });
  await client.create(SERVICES, 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'manual' },
    spec: { ports: [{ port: 80 }] },
  });
  const pod = await client.create(PODS, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'db-0', labels: { app: 'db' } },
    spec: {
      nodeName: 'node-1',
      hostname: 'db-0',
      subdomain: 'db',
      containers: [{ name: 'c', image: 'busybox' }],
    },
  });
  await client.update(
    PODS,
    {
      ...pod,
      status: {
        phase: 'Running',
        podIP: '10.0.1.1',
        podIPs: [{ ip: '10.0.1.1' }],
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }],
      },
    },
    'status',
  );
  const ep = await eventually(
    'headless endpoints',
    () => client.get(ENDPOINTS, 'default', 'db'),
    (e) => e['subsets'] !== undefined,
  );
  assert.deepEqual(ep.metadata.labels, { 'service.kubernetes.io/headless': '' });
  assert.deepEqual(ep['subsets'], [
    {
      addresses: [
        {
          ip: '10.0.1.1',
          hostname: 'db-0',
          nodeName: 'node-1',
          targetRef: { kind: 'Pod', namespace: 'default', name: 'db-0', uid: pod.metadata.uid },
        },
      ],
    },
  ]);
  const [slice] = (
    await eventually(
      'headless slice',
      () => client.list(SLICES, 'default', { labelSelector: 'kubernetes.io/service-name=db' }),
      (l) => JSON.stringify(l.items).includes('10.0.1.1'),
    )
  ).items;
  assert.equal(slice?.metadata.labels?.['service.kubernetes.io/headless'], '');
  assert.deepEqual(slice?.['ports'], []);
  assert.deepEqual(slice?.['endpoints'], [
    {
      addresses: ['10.0.1.1'],
      conditions: { ready: true, serving: true, terminating: false },
      hostname: 'db-0',
      targetRef: { kind: 'Pod', namespace: 'default', name: 'db-0', uid: pod.metadata.uid },
      nodeName: 'node-1',
      zone: 'zone-a',
    },
  ]);
  // The selector-less Service gets neither Endpoints nor slices from the controllers.
  await new Promise((r) => setTimeout(r, 300));
  await assert.rejects(client.get(ENDPOINTS, 'default', 'manual'), /not found/);
  const manual = await client.list(SLICES, 'default', {
    labelSelector: 'kubernetes.io/service-name=manual',
  });
  assert.deepEqual(manual.items, []);
});
