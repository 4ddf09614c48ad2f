import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import {
  desiredSubsets,
  endpointsLabels,
  endpointsUpToDate,
  repackSubsets,
  truncateSubsets,
  type EndpointSubset,
} from '../../src/controllers/endpoints/controller.js';
import {
  formatRFC3339Nano,
  TriggerTimeTracker,
} from '../../src/controllers/endpoints/membership.js';
import { planSlices } from '../../src/controllers/endpointslice/controller.js';

function service(spec: Record<string, unknown> = {}, labels?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: 'svc-uid',
      creationTimestamp: '2026-01-01T00:00:00Z',
      ...(labels ? { labels } : {}),
    },
    spec: {
      type: 'ClusterIP',
      clusterIP: '10.96.0.10',
      ipFamilies: ['IPv4'],
      selector: { app: 'web' },
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
      ...spec,
    },
  };
}

interface PodOpts {
  ip?: string;
  ready?: boolean;
  phase?: string;
  deleting?: boolean;
  labels?: Record<string, string>;
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
  hostname?: string;
  subdomain?: string;
  node?: string;
  readyAt?: string;
}

function pod(name: string, o: PodOpts = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      labels: o.labels ?? { app: 'web' },
      ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:01:00Z' } : {}),
    },
    spec: {
      nodeName: o.node ?? 'node-1',
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.subdomain ? { subdomain: o.subdomain } : {}),
      containers: [{ name: 'c', ports: o.ports ?? [] }],
    },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.ip === '' ? {} : { podIP: o.ip ?? '10.0.0.1', podIPs: [{ ip: o.ip ?? '10.0.0.1' }] }),
      conditions: [
        {
          type: 'Ready',
          status: o.ready === false ? 'False' : 'True',
          lastTransitionTime: o.readyAt ?? '2026-01-01T00:00:30Z',
        },
      ],
    },
  };
}

const addr = (name: string, ip: string, extra: Record<string, unknown> = {}): unknown => ({
  ip,
  ...extra,
  nodeName: 'node-1',
  targetRef: { kind: 'Pod', namespace: 'default', name, uid: `uid-${name}` },
});

test('ready pods are addresses, not-ready pods notReadyAddresses, in one subset per port set', () => {
  const subsets = desiredSubsets(service(), [
    pod('b', { ip: '10.0.0.2' }),
    pod('a', { ip: '10.0.0.1' }),
    pod('c', { ip: '10.0.0.3', ready: false }),
  ]);
  assert.deepEqual(subsets, [
    {
      addresses: [addr('a', '10.0.0.1'), addr('b', '10.0.0.2')],
      notReadyAddresses: [addr('c', '10.0.0.3')],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    },
  ]);
  // JSON field order follows the Go types (ip, hostname, nodeName, targetRef).
  assert.equal(
    JSON.stringify(subsets[0]?.addresses?.[0]),
    '{"ip":"10.0.0.1","nodeName":"node-1","targetRef":{"kind":"Pod","namespace":"default","name":"a","uid":"uid-a"}}',
  );
});

test('pods without an IP, terminal pods, other namespaces and non-matching pods are left out', () => {
  const other = pod('other', { ip: '10.0.0.9' });
  other.metadata.namespace = 'kube-system';
  const subsets = desiredSubsets(service(), [
    pod('noip', { ip: '' }),
    pod('done', { ip: '10.0.0.5', phase: 'Succeeded' }),
    pod('failed', { ip: '10.0.0.6', phase: 'Failed' }),
    pod('db', { ip: '10.0.0.7', labels: { app: 'db' } }),
    other,
  ]);
  assert.deepEqual(subsets, []);
});

test('terminating pods are excluded unless publishNotReadyAddresses, which also marks all ready', () => {
  const pods = [
    pod('a', { ip: '10.0.0.1' }),
    pod('gone', { ip: '10.0.0.2', deleting: true }),
    pod('slow', { ip: '10.0.0.3', ready: false }),
  ];
  assert.deepEqual(desiredSubsets(service(), pods), [
    {
      addresses: [addr('a', '10.0.0.1')],
      notReadyAddresses: [addr('slow', '10.0.0.3')],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    },
  ]);
  assert.deepEqual(desiredSubsets(service({ publishNotReadyAddresses: true }), pods), [
    {
      addresses: [addr('a', '10.0.0.1'), addr('gone', '10.0.0.2'), addr('slow', '10.0.0.3')],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    },
  ]);
});

test('named target ports resolve per pod; a pod without the named port is skipped for it', () => {
  const svc = service({
    ports: [
      { name: 'http', port: 80, targetPort: 'web', protocol: 'TCP', appProtocol: 'http' },
      { name: 'metrics', port: 9000, targetPort: 9100, protocol: 'TCP' },
    ],
  });
  const subsets = desiredSubsets(svc, [
    pod('a', { ip: '10.0.0.1', ports: [{ name: 'web', containerPort: 8080 }] }),
    pod('b', { ip: '10.0.0.2', ports: [{ name: 'web', containerPort: 8081 }] }),
    pod('c', { ip: '10.0.0.3', ports: [{ name: 'other', containerPort: 8080 }] }),
    // The protocol must match too.
    pod('d', { ip: '10.0.0.4', ports: [{ name: 'web', containerPort: 8080, protocol: 'UDP' }] }),
  ]);
  // Subsets in a fixed order (upstream orders them by a hash of their contents).
  assert.deepEqual(subsets, [
    {
      addresses: [
        addr('a', '10.0.0.1'),
        addr('b', '10.0.0.2'),
        addr('c', '10.0.0.3'),
        addr('d', '10.0.0.4'),
      ],
      ports: [{ name: 'metrics', port: 9100, protocol: 'TCP' }],
    },
    {
      addresses: [addr('a', '10.0.0.1')],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP', appProtocol: 'http' }],
    },
    {
      addresses: [addr('b', '10.0.0.2')],
      ports: [{ name: 'http', port: 8081, protocol: 'TCP', appProtocol: 'http' }],
    },
  ]);
});

test('headless services: port-less addresses, hostnames for the subdomain, the headless label', () => {
  const svc = service({ clusterIP: 'None', ports: [] }, { tier: 'front' });
  const subsets = desiredSubsets(svc, [
    pod('a', { ip: '10.0.0.1', hostname: 'a0', subdomain: 'web' }),
    pod('b', { ip: '10.0.0.2', hostname: 'b0', subdomain: 'elsewhere' }),
  ]);
  assert.deepEqual(subsets, [
    { addresses: [addr('a', '10.0.0.1', { hostname: 'a0' }), addr('b', '10.0.0.2')] },
  ]);
  assert.deepEqual(endpointsLabels(svc), {
    tier: 'front',
    'service.kubernetes.io/headless': '',
  });
  assert.deepEqual(endpointsLabels(service({}, { tier: 'front' })), { tier: 'front' });
  // A ClusterIP service without ports publishes nothing.
  assert.deepEqual(desiredSubsets(service({ ports: [] }), [pod('a')]), []);
});

test('services without a selector and ExternalName services get no endpoints', () => {
  assert.deepEqual(desiredSubsets(service({ selector: undefined }), [pod('a')]), []);
  assert.deepEqual(desiredSubsets(service({ selector: {} }), [pod('a')]), []);
  assert.deepEqual(
    desiredSubsets(service({ type: 'ExternalName', externalName: 'x.example' }), [pod('a')]),
    [],
  );
});

test('repacking: not ready for a port in any input wins; address sets differing split subsets', () => {
  const a = { ip: '10.0.0.1' };
  const b = { ip: '10.0.0.2' };
  const p80 = { port: 80, protocol: 'TCP' };
  const p81 = { port: 81, protocol: 'TCP' };
  assert.deepEqual(
    repackSubsets([
      { addresses: [a], ports: [p80] },
      { notReadyAddresses: [a], ports: [p80] },
      { addresses: [b], ports: [p80, p81] },
    ]),
    [
      { addresses: [b], notReadyAddresses: [a], ports: [p80] },
      { addresses: [b], ports: [p81] },
    ],
  );
});

test('the stored Endpoints compare equal regardless of order and targetRef resourceVersion', () => {
  const want = desiredSubsets(service(), [
    pod('a', { ip: '10.0.0.1' }),
    pod('b', { ip: '10.0.0.2' }),
  ]);
  const stored = structuredClone(want) as EndpointSubset[];
  stored[0]?.addresses?.reverse();
  (stored[0]?.addresses?.[0]?.targetRef as unknown as Record<string, unknown>).resourceVersion =
    '42';
  const current: KubeObject = {
    metadata: { name: 'web', labels: { tier: 'front' } },
    subsets: stored,
  };
  assert.equal(endpointsUpToDate(current, want, { tier: 'front' }, false), true);
  assert.equal(endpointsUpToDate(current, want, { tier: 'back' }, false), false);
  assert.equal(endpointsUpToDate(current, want, { tier: 'front' }, true), false);
  assert.equal(endpointsUpToDate(current, [], { tier: 'front' }, false), false);
});

test('more than 1000 addresses are truncated, ready ones kept first', () => {
  const many = (n: number, base: number): Array<{ ip: string }> =>
    Array.from({ length: n }, (_, i) => ({ ip: `10.${base}.${Math.floor(i / 250)}.${i % 250}` }));
  const subsets: EndpointSubset[] = [
    { addresses: many(600, 1), notReadyAddresses: many(300, 2), ports: [{ port: 80 }] },
    { addresses: many(300, 3), notReadyAddresses: many(100, 4), ports: [{ port: 81 }] },
  ];
  assert.equal(truncateSubsets(subsets), true);
  assert.deepEqual(
    subsets.map((s) => [s.addresses?.length, s.notReadyAddresses?.length]),
    [
      [600, 75],
      [300, 25],
    ],
  );
  assert.equal(truncateSubsets([{ addresses: many(1000, 1) }]), false);
});

test('the trigger time is the earliest change since the previous sync, never on the first', () => {
  const t = new TriggerTimeTracker();
  const svc = service();
  assert.equal(t.compute(svc, [pod('a', { readyAt: '2026-01-01T00:00:30Z' })]), undefined);
  assert.equal(t.compute(svc, [pod('a', { readyAt: '2026-01-01T00:00:30Z' })]), undefined);
  const at = t.compute(svc, [
    pod('a', { readyAt: '2026-01-01T00:02:00Z' }),
    pod('b', { readyAt: '2026-01-01T00:01:00Z' }),
  ]);
  assert.equal(formatRFC3339Nano(at ?? 0), '2026-01-01T00:01:00Z');
  assert.equal(
    formatRFC3339Nano(Date.parse('2026-01-01T00:01:00.120Z')),
    '2026-01-01T00:01:00.12Z',
  );
});

// EndpointSlices.

const node = (name: string, zone?: string): KubeObject => ({
  metadata: { name, ...(zone ? { labels: { 'topology.kubernetes.io/zone': zone } } : {}) },
});
const nodes = (n: string): KubeObject | undefined =>
  n === 'node-1' ? node('node-1', 'zone-a') : n === 'node-2' ? node('node-2') : undefined;

const ownerRef = {
  apiVersion: 'v1',
  kind: 'Service',
  name: 'web',
  uid: 'svc-uid',
  controller: true,
  blockOwnerDeletion: true,
};
const sliceLabels = {
  'kubernetes.io/service-name': 'web',
  'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
};

test('slices: conditions, zone, hostname; terminating pods stay with ready false', () => {
  const plan = planSlices(
    service({}, { tier: 'front' }),
    [
      pod('a', { ip: '10.0.0.1' }),
      pod('b', { ip: '10.0.0.2', ready: false, node: 'node-2' }),
      pod('c', { ip: '10.0.0.3', deleting: true }),
      pod('d', { ip: '10.0.0.4', phase: 'Failed' }),
    ],
    [],
    nodes,
  );
  assert.deepEqual(plan.update, []);
  assert.deepEqual(plan.delete, []);
  assert.deepEqual(plan.errors, []);
  const ref = (n: string): unknown => ({
    kind: 'Pod',
    namespace: 'default',
    name: n,
    uid: `uid-${n}`,
  });
  assert.deepEqual(plan.create, [
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        generateName: 'web-',
        namespace: 'default',
        labels: { tier: 'front', ...sliceLabels },
        ownerReferences: [ownerRef],
      },
      addressType: 'IPv4',
      endpoints: [
        {
          addresses: ['10.0.0.1'],
          conditions: { ready: true, serving: true, terminating: false },
          targetRef: ref('a'),
          nodeName: 'node-1',
          zone: 'zone-a',
        },
        {
          addresses: ['10.0.0.2'],
          conditions: { ready: false, serving: false, terminating: false },
          targetRef: ref('b'),
          nodeName: 'node-2',
        },
        {
          addresses: ['10.0.0.3'],
          conditions: { ready: false, serving: true, terminating: true },
          targetRef: ref('c'),
          nodeName: 'node-1',
          zone: 'zone-a',
        },
      ],
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
    },
  ]);
});

test('slices: a pod on an unknown node is skipped and reported', () => {
  const plan = planSlices(service(), [pod('a', { node: 'ghost' })], [], nodes);
  assert.deepEqual(plan.errors, ['skipping Pod a for Service default/web: Node ghost Not Found']);
  // Its port group exists but is empty: the placeholder is all there is.
  assert.equal(plan.create.length, 1);
  assert.deepEqual(plan.create[0]?.['endpoints'], []);
  assert.deepEqual(plan.create[0]?.['ports'], []);
});

test('slices: at most 100 endpoints each, one slice set per port set, placeholder when empty', () => {
  const pods = Array.from({ length: 150 }, (_, i) =>
    pod(`p${String(i).padStart(3, '0')}`, { ip: `10.0.${Math.floor(i / 200)}.${i % 200}` }),
  );
  let plan = planSlices(service(), pods, [], nodes);
  assert.deepEqual(
    plan.create.map((s) => (s['endpoints'] as unknown[]).length),
    [100, 50],
  );
  // Existing full slices are kept; a changed endpoint updates only its slice.
  const existing: KubeObject[] = plan.create.map((s, i) => ({
    ...s,
    metadata: { ...s.metadata, name: `web-${i}`, uid: `slice-${i}` },
  }));
  assert.deepEqual(planSlices(service(), pods, existing, nodes), {
    create: [],
    update: [],
    delete: [],
    errors: [],
  });
  const flipped = [...pods];
  flipped[120] = pod('p120', { ip: '10.0.0.120', ready: false });
  plan = planSlices(service(), flipped, existing, nodes);
  const holder = existing.find((s) =>
    (s['endpoints'] as Array<{ addresses: string[] }>).some((e) => e.addresses[0] === '10.0.0.120'),
  );
  assert.ok(holder);
  assert.deepEqual(
    plan.update.map((s) => s.metadata.name),
    [holder.metadata.name],
  );
  const updated = (plan.update[0]?.['endpoints'] ?? []) as Array<{
    addresses: string[];
    conditions: unknown;
  }>;
  assert.deepEqual(updated.find((e) => e.addresses[0] === '10.0.0.120')?.conditions, {
    ready: false,
    serving: false,
    terminating: false,
  });
  assert.deepEqual(plan.create, []);
  // Without pods, the last slice is recycled as the placeholder rather than recreated.
  plan = planSlices(service(), [], existing, nodes);
  assert.deepEqual(plan.create, []);
  assert.deepEqual(
    plan.delete.map((s) => s.metadata.name),
    ['web-1'],
  );
  assert.deepEqual(
    plan.update.map((s) => [s.metadata.name, s['endpoints'], s['ports']]),
    [['web-0', [], []]],
  );
  // An existing placeholder stays as it is.
  const placeholder = { ...plan.update[0]!, metadata: { ...plan.update[0]!.metadata } };
  assert.deepEqual(planSlices(service(), [], [placeholder], nodes), {
    create: [],
    update: [],
    delete: [],
    errors: [],
  });
});

test('slices: slices of an older Service with the same name are replaced', () => {
  const stale: KubeObject = {
    metadata: {
      name: 'web-old',
      namespace: 'default',
      uid: 'old-slice',
      labels: sliceLabels,
      ownerReferences: [{ ...ownerRef, uid: 'old-svc' }],
    },
    addressType: 'IPv4',
    endpoints: [],
    ports: [],
  };
  const plan = planSlices(service(), [pod('a')], [stale], nodes);
  assert.equal(plan.create.length, 1);
  assert.deepEqual(
    plan.delete.map((s) => s.metadata.name),
    ['web-old'],
  );
});
