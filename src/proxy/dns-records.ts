// The cluster.local zone as the Kubernetes DNS specification defines it, computed from Services
// and EndpointSlices (pure, no I/O): ClusterIP Services → their ClusterIP; headless Services → the
// ready endpoints' addresses, and `<hostname>.<svc>.<ns>.svc.cluster.local` for endpoints with a
// hostname (StatefulSet pods); ExternalName → a CNAME; SRV records for named ports; pod names
// `a-b-c-d.<ns>.pod.cluster.local`. Any other name in the zone does not exist.
import type { KubeObject } from '../api/types.js';
import { isIPv4 } from '../api/cluster-network.js';

export const CLUSTER_DOMAIN = 'cluster.local';
/** CoreDNS's kubernetes plugin default. */
export const TTL = 5;

export type Record =
  | { type: 'A'; name: string; data: string }
  | { type: 'CNAME'; name: string; data: string }
  | {
      type: 'SRV';
      name: string;
      data: { priority: number; weight: number; port: number; target: string };
    };

export type Lookup =
  /** The name is in the cluster zone: these records (none: the name exists without this type). */
  | {
      zone: true;
      exists: true;
      records: Record[];
      /** an ExternalName target to resolve */ chase?: string;
    }
  | { zone: true; exists: false }
  /** Not a cluster name: ask the upstream resolvers. */
  | { zone: false };

export interface ClusterView {
  service(namespace: string, name: string): Readonly<KubeObject> | undefined;
  slices(namespace: string, service: string): readonly Readonly<KubeObject>[];
}

interface Slice {
  addressType?: string;
  endpoints?: Array<{
    addresses?: string[];
    hostname?: string;
    conditions?: { ready?: boolean | null };
  }> | null;
  ports?: Array<{ name?: string | null; protocol?: string | null; port?: number | null }> | null;
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  externalName?: string;
  ports?: Array<{ name?: string; protocol?: string; port?: number }>;
}

function readyEndpoints(
  slices: readonly Readonly<KubeObject>[],
): Array<{ ip: string; hostname?: string }> {
  const out = new Map<string, { ip: string; hostname?: string }>();
  for (const s of slices as readonly Slice[]) {
    if (s.addressType !== 'IPv4') continue;
    for (const ep of s.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      const ip = ep.addresses?.[0];
      if (ip && !out.has(ip))
        out.set(ip, { ip, ...(ep.hostname ? { hostname: ep.hostname } : {}) });
    }
  }
  return [...out.values()].sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
}

/** Records for `name` (lower case, no trailing dot) of `type` (A, AAAA, SRV, CNAME, ANY...). */
export function lookup(name: string, type: string, view: ClusterView): Lookup {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (n !== CLUSTER_DOMAIN && !n.endsWith(`.${CLUSTER_DOMAIN}`)) return { zone: false };
  const labels = n.slice(0, -(CLUSTER_DOMAIN.length + 1)).split('.');
  const none: Lookup = { zone: true, exists: false };
  const found = (records: Record[], chase?: string): Lookup => ({
    zone: true,
    exists: true,
    records: records.filter((r) => type === 'ANY' || r.type === type || r.type === 'CNAME'),
    ...(chase ? { chase } : {}),
  });
  // a-b-c-d.<ns>.pod.cluster.local
  if (labels.length === 3 && labels[2] === 'pod') {
    const ip = (labels[0] ?? '').replace(/-/g, '.');
    return isIPv4(ip) ? found([{ type: 'A', name: n, data: ip }]) : none;
  }
  const svcAt = labels.lastIndexOf('svc');
  if (svcAt < 2 || svcAt !== labels.length - 1) return none;
  const ns = labels[svcAt - 1] ?? '';
  const svcName = labels[svcAt - 2] ?? '';
  const svc = view.service(ns, svcName);
  if (!svc) return none;
  const spec = (svc.spec ?? {}) as ServiceSpec;
  const prefix = labels.slice(0, svcAt - 2);
  const headless = spec.clusterIP === 'None';
  const base = `${svcName}.${ns}.svc.${CLUSTER_DOMAIN}`;

  if (prefix.length === 0) {
    if (spec.type === 'ExternalName') {
      const target = (spec.externalName ?? '').toLowerCase().replace(/\.$/, '');
      return target ? found([{ type: 'CNAME', name: n, data: target }], target) : none;
    }
    if (headless) {
      const eps = readyEndpoints(view.slices(ns, svcName));
      return found(eps.map((e) => ({ type: 'A', name: n, data: e.ip })));
    }
    return isIPv4(spec.clusterIP) ? found([{ type: 'A', name: n, data: spec.clusterIP }]) : none;
  }
  // _port._proto.<svc>.<ns>.svc.cluster.local
  if (prefix.length === 2 && prefix[0]?.startsWith('_') && prefix[1]?.startsWith('_')) {
    const portName = prefix[0].slice(1);
    const proto = prefix[1].slice(1).toUpperCase();
    const port = (spec.ports ?? []).find(
      (p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === proto,
    );
    if (!port || typeof port.port !== 'number') return none;
    if (!headless) {
      return found([
        { type: 'SRV', name: n, data: { priority: 0, weight: 100, port: port.port, target: base } },
      ]);
    }
    const eps = readyEndpoints(view.slices(ns, svcName));
    return found(
      eps.map((e) => ({
        type: 'SRV' as const,
        name: n,
        data: {
          priority: 0,
          weight: 100,
          port: port.port as number,
          target: `${e.hostname ?? e.ip.replace(/\./g, '-')}.${base}`,
        },
      })),
    );
  }
  // <hostname or a-b-c-d>.<svc>.<ns>.svc.cluster.local: one endpoint of a headless Service.
  if (prefix.length === 1 && headless) {
    const label = prefix[0] ?? '';
    const ep = readyEndpoints(view.slices(ns, svcName)).find(
      (e) => e.hostname === label || e.ip.replace(/\./g, '-') === label,
    );
    return ep ? found([{ type: 'A', name: n, data: ep.ip }]) : none;
  }
  return none;
}
