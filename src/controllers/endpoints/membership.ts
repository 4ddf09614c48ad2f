// Which pods back a Service and how (upstream's endpointslice/util and podutil.FindPort): shared
// by the Endpoints and EndpointSlice controllers. Pure functions over readonly objects, plus the
// last-change-trigger-time tracker both controllers keep per Service.
import type { KubeObject } from '../../api/types.js';

export interface ServicePort {
  name?: string;
  protocol?: string;
  port?: number;
  targetPort?: number | string;
  appProtocol?: string;
}

export interface ServiceSpec {
  type?: string;
  selector?: Record<string, string> | null;
  clusterIP?: string;
  ipFamilies?: string[];
  ports?: ServicePort[];
  publishNotReadyAddresses?: boolean;
}

interface ContainerPort {
  name?: string;
  containerPort?: number;
  protocol?: string;
}

interface PodSpec {
  nodeName?: string;
  hostname?: string;
  subdomain?: string;
  containers?: Array<{ ports?: ContainerPort[] }>;
  initContainers?: Array<{ restartPolicy?: string; ports?: ContainerPort[] }>;
}

interface PodStatus {
  phase?: string;
  podIP?: string;
  podIPs?: Array<{ ip?: string }>;
  conditions?: Array<{ type: string; status: string; lastTransitionTime?: string }>;
}

export const serviceSpec = (svc: Readonly<KubeObject>): ServiceSpec =>
  (svc.spec ?? {}) as ServiceSpec;
export const podSpec = (pod: Readonly<KubeObject>): PodSpec => (pod.spec ?? {}) as PodSpec;
const podStatus = (pod: Readonly<KubeObject>): PodStatus => (pod.status ?? {}) as PodStatus;

/**
 * The selector a Service's endpoints follow, or undefined when this controller leaves the
 * Service alone: ExternalName Services, and Services without a selector (their endpoints are
 * managed by someone else). An empty selector is absent, as it is after a round trip through
 * upstream's storage.
 */
export function managedSelector(svc: Readonly<KubeObject>): Record<string, string> | undefined {
  const spec = serviceSpec(svc);
  if (spec.type === 'ExternalName') return undefined;
  const sel = spec.selector;
  if (!sel || Object.keys(sel).length === 0) return undefined;
  return sel;
}

/** labels.Set(selector).AsSelector().Matches: every key present with an equal value. */
export function selectorMatches(
  selector: Readonly<Record<string, string>>,
  pod: Readonly<KubeObject>,
): boolean {
  const labels = pod.metadata.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The Services in the pod's namespace whose selector matches it. */
export function servicesSelecting(
  services: readonly Readonly<KubeObject>[],
  pod: Readonly<KubeObject>,
): Readonly<KubeObject>[] {
  return services.filter((s) => {
    const sel = managedSelector(s);
    return sel !== undefined && selectorMatches(sel, pod);
  });
}

/**
 * ShouldPodBeInEndpoints: not terminal (Succeeded/Failed), has an IP, and, unless terminating
 * pods are included, not being deleted.
 */
export function shouldPodBeInEndpoints(
  pod: Readonly<KubeObject>,
  includeTerminating: boolean,
): boolean {
  const status = podStatus(pod);
  if (status.phase === 'Succeeded' || status.phase === 'Failed') return false;
  if (!status.podIP && (status.podIPs ?? []).length === 0) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** The pod's IPs: status.podIPs, else status.podIP. */
export function podIPs(pod: Readonly<KubeObject>): string[] {
  const status = podStatus(pod);
  const ips = (status.podIPs ?? []).map((p) => p.ip ?? '').filter((ip) => ip !== '');
  if (ips.length > 0) return ips;
  return status.podIP ? [status.podIP] : [];
}

export const isIPv6 = (ip: string): boolean => ip.includes(':');

/** The hostname is published when the pod's subdomain names this Service (same namespace). */
export function shouldSetHostname(pod: Readonly<KubeObject>, svc: Readonly<KubeObject>): boolean {
  const spec = podSpec(pod);
  return (
    (spec.hostname ?? '') !== '' &&
    spec.subdomain === svc.metadata.name &&
    svc.metadata.namespace === pod.metadata.namespace
  );
}

/** A ClusterIP is set: neither "None" (headless) nor empty. */
export function isServiceIPSet(svc: Readonly<KubeObject>): boolean {
  const ip = serviceSpec(svc).clusterIP ?? '';
  return ip !== 'None' && ip !== '';
}

/**
 * FindPort: a numeric targetPort is used as is; a named one is looked up among the containers'
 * ports (and sidecar init containers'), matching the name and protocol. Undefined when the pod
 * has no such port: the pod is then left out for that service port.
 */
export function findPort(
  pod: Readonly<KubeObject>,
  port: Readonly<ServicePort>,
): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (typeof target !== 'string') return undefined;
  const protocol = port.protocol ?? 'TCP';
  const spec = podSpec(pod);
  const candidates = [
    ...(spec.containers ?? []),
    ...(spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'),
  ];
  for (const c of candidates) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** Go's time.RFC3339Nano in UTC: fractional seconds without trailing zeros. */
export function formatRFC3339Nano(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.(\d*?)0*Z$/, (_, frac: string) => (frac === '' ? 'Z' : `.${frac}Z`));
}

/**
 * Upstream's TriggerTimeTracker: the earliest change (a pod's Ready transition, or the Service's
 * creation) not yet seen by an earlier sync of the same Service. The first sync of a Service
 * after a start reports nothing, so after a restart the annotation is only set again on the
 * next real change; the state is an optimisation of an annotation, never a source of truth.
 */
export class TriggerTimeTracker {
  readonly #states = new Map<string, { pods: Map<string, number>; service: number }>();

  compute(svc: Readonly<KubeObject>, pods: readonly Readonly<KubeObject>[]): number | undefined {
    const key = `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`;
    const state = this.#states.get(key);
    let min: number | undefined;
    const podTimes = new Map<string, number>();
    for (const pod of pods) {
      const ready = podStatus(pod).conditions?.find((c) => c.type === 'Ready');
      const t = ready?.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
      if (Number.isNaN(t)) continue;
      podTimes.set(pod.metadata.name ?? '', t);
      if (t > (state?.pods.get(pod.metadata.name ?? '') ?? -Infinity))
        min = min === undefined ? t : Math.min(min, t);
    }
    const svcTime = Date.parse(svc.metadata.creationTimestamp ?? '');
    if (!Number.isNaN(svcTime) && svcTime > (state?.service ?? -Infinity))
      min = min === undefined ? svcTime : Math.min(min, svcTime);
    this.#states.set(key, { pods: podTimes, service: Number.isNaN(svcTime) ? 0 : svcTime });
    return state ? min : undefined;
  }

  delete(namespace: string, name: string): void {
    this.#states.delete(`${namespace}/${name}`);
  }
}
