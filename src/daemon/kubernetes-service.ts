// The `kubernetes` Service in `default`, as upstream's master endpoint reconciler keeps it: the
// ClusterIP is the first address of the Service range, port 443 (https) → the API server's port,
// and an Endpoints and an EndpointSlice (both named `kubernetes`) pointing at the address where
// containers reach the API server, the cluster network's gateway. Written through the API at every
// start; what differs from this (a changed API server port, an edited object) is put back.
import type { ClusterNetwork } from '../api/cluster-network.js';
import { isStatusError } from '../api/status.js';
import type { KubeObject } from '../api/types.js';
import { CORE, type KubeClient } from '../client/rest.js';

type Json = Record<string, unknown>;

const NS = 'default';
const NAME = 'kubernetes';

/** Creates `obj`, or updates the stored one when `differs(current)` says it has drifted. */
async function ensure(
  client: KubeClient,
  ref: (typeof CORE)[keyof typeof CORE],
  obj: KubeObject,
  fix: (current: KubeObject) => KubeObject | undefined,
): Promise<void> {
  let current: KubeObject;
  try {
    current = await client.get(ref, NS, NAME);
  } catch (err) {
    if (!isStatusError(err, 'NotFound')) throw err;
    await client.create(ref, NS, obj);
    return;
  }
  const next = fix(structuredClone(current));
  if (next) await client.update(ref, next);
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export async function ensureKubernetesService(
  client: KubeClient,
  plan: ClusterNetwork,
  apiPort: number,
): Promise<void> {
  const ports = [{ name: 'https', port: 443, protocol: 'TCP', targetPort: apiPort }];
  await ensure(
    client,
    CORE.services,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: NAME,
        namespace: NS,
        labels: { component: 'apiserver', provider: 'kubernetes' },
      },
      spec: { type: 'ClusterIP', clusterIP: plan.apiServerIp, sessionAffinity: 'None', ports },
    },
    (cur) => {
      const spec = (cur.spec ?? {}) as Json;
      const have = ((spec.ports ?? []) as Json[]).map((p) => ({
        name: p.name,
        port: p.port,
        protocol: p.protocol,
        targetPort: p.targetPort,
      }));
      if (same(have, ports) && spec.type === 'ClusterIP') return undefined;
      cur.spec = { ...spec, type: 'ClusterIP', ports };
      return cur;
    },
  );
  const endpointPorts = [{ name: 'https', port: apiPort, protocol: 'TCP' }];
  const subsets = [{ addresses: [{ ip: plan.gateway }], ports: endpointPorts }];
  // Upstream labels these Endpoints so the EndpointSlice mirroring controller leaves them alone.
  const epLabels = { 'endpointslice.kubernetes.io/skip-mirror': 'true' };
  await ensure(
    client,
    CORE.endpoints,
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: NAME, namespace: NS, labels: epLabels },
      subsets,
    } as KubeObject,
    (cur) => {
      const c = cur as KubeObject & { subsets?: unknown };
      if (same(c.subsets, subsets) && same(c.metadata.labels, epLabels)) return undefined;
      return { ...c, metadata: { ...c.metadata, labels: epLabels }, subsets } as KubeObject;
    },
  );
  // endpointSliceFromEndpoints: named after the Service, labelled with its name only.
  const sliceLabels = { 'kubernetes.io/service-name': NAME };
  const slice = {
    addressType: 'IPv4',
    endpoints: [{ addresses: [plan.gateway], conditions: { ready: true } }],
    ports: endpointPorts.map(({ name, port, protocol }) => ({ name, port, protocol })),
  };
  await ensure(
    client,
    CORE.endpointslices,
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: NAME, namespace: NS, labels: sliceLabels },
      ...slice,
    } as KubeObject,
    (cur) => {
      const c = cur as KubeObject & Json;
      const have = { addressType: c.addressType, endpoints: c.endpoints, ports: c.ports };
      if (same(have, slice) && same(c.metadata.labels, sliceLabels)) return undefined;
      return { ...c, metadata: { ...c.metadata, labels: sliceLabels }, ...slice } as KubeObject;
    },
  );
}
