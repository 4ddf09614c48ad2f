// What a Service's VIP container should do, computed from the Service and its EndpointSlices:
// the agent's snapshot text (README: "Snapshot protocol") and the published-port layout whose
// change forces a new container. Pure functions, no I/O.
import { createHash } from 'node:crypto';
import type { KubeObject } from '../api/types.js';

interface ServicePort {
  name?: string;
  protocol?: string;
  port?: number;
  nodePort?: number;
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  ports?: ServicePort[];
  sessionAffinity?: string;
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
}

interface SliceEndpoint {
  addresses?: string[];
  conditions?: { ready?: boolean | null };
}

interface Slice extends KubeObject {
  addressType?: string;
  endpoints?: SliceEndpoint[] | null;
  ports?: Array<{ name?: string | null; protocol?: string | null; port?: number | null }> | null;
}

/** kube-proxy's default ClientIP affinity timeout (3 hours). */
export const DEFAULT_AFFINITY_TIMEOUT = 10800;

function spec(svc: Readonly<KubeObject>): ServiceSpec {
  return (svc.spec ?? {}) as ServiceSpec;
}

/** The protocols the agent proxies; SCTP ports are left out. */
function proxied(p: ServicePort): p is ServicePort & { port: number } {
  const proto = p.protocol ?? 'TCP';
  return typeof p.port === 'number' && (proto === 'TCP' || proto === 'UDP');
}

/**
 * The snapshot for a Service: one line per TCP/UDP port, listing `ip:targetPort` of every ready
 * endpoint. Slices carry the target port already resolved per group of pods (a named targetPort
 * may be a different number on different pods), matched to the Service port by name and
 * protocol. `ready` is what kube-proxy uses: the EndpointSlice controller sets it true for
 * unready pods when publishNotReadyAddresses is on, and a missing `ready` counts as ready.
 * Endpoints are sorted, so equal state gives equal text (the sender skips unchanged snapshots).
 */
export function buildSnapshot(
  svc: Readonly<KubeObject>,
  slices: readonly Readonly<KubeObject>[],
): string {
  const s = spec(svc);
  const lines: string[] = [];
  for (const sp of (s.ports ?? []).filter(proxied)) {
    const proto = sp.protocol ?? 'TCP';
    const eps = new Set<string>();
    for (const slice of slices as readonly Readonly<Slice>[]) {
      if (slice.addressType !== 'IPv4') continue;
      const port = (slice.ports ?? []).find(
        (p) => (p.name ?? '') === (sp.name ?? '') && (p.protocol ?? 'TCP') === proto,
      )?.port;
      if (typeof port !== 'number') continue;
      for (const ep of slice.endpoints ?? []) {
        if (ep.conditions?.ready === false) continue;
        const ip = ep.addresses?.[0];
        if (ip) eps.add(`${ip}:${port}`);
      }
    }
    const sorted = [...eps].sort();
    lines.push([proto.toLowerCase(), String(sp.port), ...sorted].join(' '));
  }
  if (s.sessionAffinity === 'ClientIP') {
    const t = s.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT;
    lines.push(`affinity clientip ${t}`);
  }
  lines.push('end');
  return `${lines.join('\n')}\n`;
}

/** A host port the VIP container publishes: HostIp:HostPort → the Service port inside. */
export interface PublishedPort {
  protocol: 'tcp' | 'udp';
  /** The Service port, where the agent listens. */
  port: number;
  hostIp: string;
  hostPort: number;
}

/** Whether a Service gets a VIP container: it has a ClusterIP (not headless, not ExternalName). */
export function wantsVip(svc: Readonly<KubeObject>): boolean {
  const s = spec(svc);
  return (
    s.type !== 'ExternalName' &&
    typeof s.clusterIP === 'string' &&
    s.clusterIP !== '' &&
    s.clusterIP !== 'None'
  );
}

/**
 * Host ports: 127.0.0.1:<nodePort> for NodePort and LoadBalancer Services, and
 * <lbIp>:<port> for LoadBalancer ones once they have an address.
 */
export function publishedPorts(
  svc: Readonly<KubeObject>,
  lbIp: string | undefined,
): PublishedPort[] {
  const s = spec(svc);
  const out: PublishedPort[] = [];
  if (s.type !== 'NodePort' && s.type !== 'LoadBalancer') return out;
  for (const p of (s.ports ?? []).filter(proxied)) {
    const protocol = (p.protocol ?? 'TCP').toLowerCase() as 'tcp' | 'udp';
    if (typeof p.nodePort === 'number' && p.nodePort > 0)
      out.push({ protocol, port: p.port, hostIp: '127.0.0.1', hostPort: p.nodePort });
    if (s.type === 'LoadBalancer' && lbIp)
      out.push({ protocol, port: p.port, hostIp: lbIp, hostPort: p.port });
  }
  return out;
}

/** `127.0.0.1:30080/tcp`: how a published port is named in labels and events. */
export function hostAddress(p: PublishedPort): string {
  return `${p.hostIp}:${p.hostPort}/${p.protocol}`;
}

/**
 * What a VIP container fixes at creation: its address, its DNS name and its published ports
 * (less those left out because the host address was taken, `unpublished`). When this hash
 * changes the container is replaced (same IP and name, so clients only see a short gap);
 * endpoint changes never need that.
 */
export function vipHash(
  svc: Readonly<KubeObject>,
  lbIp: string | undefined,
  unpublished: readonly string[] = [],
): string {
  const s = spec(svc);
  const shape = {
    ip: s.clusterIP ?? '',
    name: `${svc.metadata.name ?? ''}.${svc.metadata.namespace ?? ''}`,
    published: publishedPorts(svc, lbIp).filter((p) => !unpublished.includes(hostAddress(p))),
  };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16);
}
