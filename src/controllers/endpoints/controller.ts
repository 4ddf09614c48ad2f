// The Endpoints controller (upstream pkg/controller/endpoint): for every Service with a selector,
// one Endpoints object of the same name listing the selected pods' addresses and the resolved
// target ports, ready ones in `addresses`, the rest in `notReadyAddresses`. It writes only when
// the content changes, and deletes the Endpoints when the Service is gone (the Endpoints carries
// no ownerReference). Level-triggered: every sync recomputes from the informer caches.
import { isStatusError } from '../../api/status.js';
import type { KubeObject } from '../../api/types.js';
import { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import { objectKey } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest.js';
import { runWorkers, WorkQueue } from '../../client/workqueue.js';
import { ENDPOINTS, podReady, type Log } from '../common.js';
import {
  findPort,
  formatRFC3339Nano,
  isIPv6,
  isServiceIPSet,
  managedSelector,
  podIPs,
  podSpec,
  selectorMatches,
  serviceSpec,
  servicesSelecting,
  shouldPodBeInEndpoints,
  shouldSetHostname,
  TriggerTimeTracker,
} from './membership.js';

export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
export const OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';
/** Endpoints hold at most this many addresses; the rest are dropped and the object annotated. */
export const MAX_ENDPOINTS_CAPACITY = 1000;
/** Endpoints carrying this annotation are leader-election locks, never swept at start. */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

export interface ObjectReference {
  kind: 'Pod';
  namespace: string;
  name: string;
  uid: string;
}

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

/** The address of a pod for a Service: the pod IP of the Service's IP family. */
function podAddress(
  svc: Readonly<KubeObject>,
  pod: Readonly<KubeObject>,
): EndpointAddress | undefined {
  const ips = podIPs(pod);
  const spec = serviceSpec(svc);
  let ip: string | undefined;
  const family = spec.ipFamilies?.[0];
  if (family !== undefined) ip = ips.find((i) => isIPv6(i) === (family === 'IPv6'));
  else if (isServiceIPSet(svc)) ip = ips.find((i) => isIPv6(i) === isIPv6(spec.clusterIP ?? ''));
  else ip = ips[0];
  if (ip === undefined) return undefined;
  const addr: EndpointAddress = { ip };
  if (shouldSetHostname(pod, svc)) addr.hostname = podSpec(pod).hostname ?? '';
  addr.nodeName = podSpec(pod).nodeName ?? '';
  addr.targetRef = {
    kind: 'Pod',
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name ?? '',
    uid: pod.metadata.uid ?? '',
  };
  return addr;
}

/** Go's bytes.Compare on strings (code-unit order is byte order for the ASCII of IPs). */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** LessEndpointAddress: by IP, then by the target's UID (an address without target first). */
function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  return cmp(a.ip, b.ip) || cmp(a.targetRef?.uid ?? '', b.targetRef?.uid ?? '');
}

function comparePorts(a: EndpointPort, b: EndpointPort): number {
  return (
    cmp(a.name ?? '', b.name ?? '') ||
    a.port - b.port ||
    cmp(a.protocol ?? '', b.protocol ?? '') ||
    cmp(a.appProtocol ?? '', b.appProtocol ?? '')
  );
}

/** JSON with object keys sorted: a canonical form for comparing and ordering API objects. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => cmp(a, b)),
        )
      : v,
  );
}

/**
 * SortSubsets: addresses by IP and UID, ports and subsets in a fixed order. Upstream orders ports
 * and subsets by a hash of their contents; any fixed order serves, since only the set matters.
 */
export function sortSubsets(subsets: readonly EndpointSubset[]): EndpointSubset[] {
  const out = subsets.map((ss) => {
    const s: EndpointSubset = {};
    if (ss.addresses?.length) s.addresses = [...ss.addresses].sort(compareAddresses);
    if (ss.notReadyAddresses?.length)
      s.notReadyAddresses = [...ss.notReadyAddresses].sort(compareAddresses);
    if (ss.ports?.length) s.ports = [...ss.ports].sort(comparePorts);
    return s;
  });
  const keyed = out.map((s) => ({ s, k: canonicalJson(s) }));
  keyed.sort((a, b) => cmp(a.k, b.k));
  return keyed.map((e) => e.s);
}

/**
 * RepackSubsets: merges per-pod, per-port subsets into one subset per set of (address, ready)
 * pairs, listing every port that set serves. An address not ready for a port in any input is
 * not ready for it in the output. Port-less subsets (headless Services without ports) survive.
 */
export function repackSubsets(subsets: readonly EndpointSubset[]): EndpointSubset[] {
  const addrKey = (a: EndpointAddress): string => `${a.ip}\u0000${a.targetRef?.uid ?? ''}`;
  const allAddrs = new Map<string, EndpointAddress>();
  const byPort = new Map<string, { port: EndpointPort | undefined; ready: Map<string, boolean> }>();
  const record = (port: EndpointPort | undefined, addr: EndpointAddress, ready: boolean): void => {
    const ak = addrKey(addr);
    if (!allAddrs.has(ak)) allAddrs.set(ak, addr);
    const pk = port === undefined ? '' : canonicalJson(port);
    let entry = byPort.get(pk);
    if (!entry) {
      entry = { port, ready: new Map() };
      byPort.set(pk, entry);
    }
    const was = entry.ready.get(ak);
    if (was === undefined || was) entry.ready.set(ak, ready);
  };
  for (const ss of subsets) {
    const ports: Array<EndpointPort | undefined> = ss.ports?.length ? ss.ports : [undefined];
    for (const port of ports) {
      for (const a of ss.addresses ?? []) record(port, a, true);
      for (const a of ss.notReadyAddresses ?? []) record(port, a, false);
    }
  }
  const groups = new Map<string, { ready: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const { port, ready } of byPort.values()) {
    const key = [...ready.entries()]
      .sort(([a], [b]) => cmp(a, b))
      .map(([k, r]) => `${k}\u0000${r ? 1 : 0}`)
      .join('\u0001');
    let g = groups.get(key);
    if (!g) {
      g = { ready, ports: [] };
      groups.set(key, g);
    }
    if (port !== undefined) g.ports.push(port);
  }
  const out: EndpointSubset[] = [];
  for (const { ready, ports } of groups.values()) {
    const s: EndpointSubset = {};
    const r = [...ready].filter(([, ok]) => ok).map(([k]) => allAddrs.get(k) as EndpointAddress);
    const n = [...ready].filter(([, ok]) => !ok).map(([k]) => allAddrs.get(k) as EndpointAddress);
    if (r.length) s.addresses = r;
    if (n.length) s.notReadyAddresses = n;
    if (ports.length) s.ports = ports;
    out.push(s);
  }
  return sortSubsets(out);
}

/**
 * The subsets the Service's Endpoints should hold, from the pods in its namespace (already
 * filtered by the selector or not: non-matching pods are skipped here too).
 */
export function desiredSubsets(
  svc: Readonly<KubeObject>,
  pods: readonly Readonly<KubeObject>[],
): EndpointSubset[] {
  const spec = serviceSpec(svc);
  const selector = managedSelector(svc);
  if (!selector) return [];
  const tolerateUnready = spec.publishNotReadyAddresses === true;
  const raw: EndpointSubset[] = [];
  const add = (pod: Readonly<KubeObject>, addr: EndpointAddress, port?: EndpointPort): void => {
    const ss: EndpointSubset =
      tolerateUnready || podReady(pod) ? { addresses: [addr] } : { notReadyAddresses: [addr] };
    if (port) ss.ports = [port];
    raw.push(ss);
  };
  for (const pod of pods) {
    if (pod.metadata.namespace !== svc.metadata.namespace || !selectorMatches(selector, pod))
      continue;
    if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const addr = podAddress(svc, pod);
    if (!addr) continue;
    const ports = spec.ports ?? [];
    if (ports.length === 0) {
      // A headless Service may have no ports: its addresses are published port-less.
      if (spec.clusterIP === 'None') add(pod, addr);
      continue;
    }
    for (const sp of ports) {
      const num = findPort(pod, sp);
      if (num === undefined) continue;
      add(pod, addr, {
        ...(sp.name ? { name: sp.name } : {}),
        port: num,
        ...(sp.protocol ? { protocol: sp.protocol } : {}),
        ...(sp.appProtocol !== undefined ? { appProtocol: sp.appProtocol } : {}),
      });
    }
  }
  return repackSubsets(raw);
}

/**
 * truncateEndpoints: keeps at most MAX_ENDPOINTS_CAPACITY addresses, ready ones first, taking
 * from each subset in proportion to its size. Returns whether anything was dropped.
 */
export function truncateSubsets(subsets: EndpointSubset[]): boolean {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const s of subsets) {
    totalReady += s.addresses?.length ?? 0;
    totalNotReady += s.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= MAX_ENDPOINTS_CAPACITY) return false;
  const truncateReady = totalReady > MAX_ENDPOINTS_CAPACITY;
  const max = truncateReady ? MAX_ENDPOINTS_CAPACITY : MAX_ENDPOINTS_CAPACITY - totalReady;
  const numTotal = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = max;
  for (const s of subsets) {
    const n = (truncateReady ? s.addresses?.length : s.notReadyAddresses?.length) ?? 0;
    const toBeAdded = Math.min(Math.ceil((n / numTotal) * max), canBeAdded);
    if (truncateReady) {
      if (s.addresses) s.addresses = s.addresses.slice(0, toBeAdded);
      delete s.notReadyAddresses;
      canBeAdded -= s.addresses?.length ?? 0;
    } else {
      if (s.notReadyAddresses) s.notReadyAddresses = s.notReadyAddresses.slice(0, toBeAdded);
      canBeAdded -= s.notReadyAddresses?.length ?? 0;
    }
  }
  return true;
}

/** The Endpoints labels: the Service's, plus the headless marker when it has no cluster IP. */
export function endpointsLabels(svc: Readonly<KubeObject>): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (isServiceIPSet(svc)) delete labels[HEADLESS_LABEL];
  else labels[HEADLESS_LABEL] = '';
  return labels;
}

/** Subsets as they compare: sorted, without the targetRef fields upstream ignores. */
function comparableSubsets(subsets: unknown): string {
  const list = Array.isArray(subsets) ? (subsets as EndpointSubset[]) : [];
  const strip = (a: EndpointAddress): EndpointAddress => {
    if (!a.targetRef) return a;
    const { resourceVersion: _rv, ...ref } = a.targetRef as ObjectReference & {
      resourceVersion?: string;
    };
    return { ...a, targetRef: ref };
  };
  return canonicalJson(
    sortSubsets(
      list.map((s) => ({
        ...s,
        addresses: s.addresses?.map(strip),
        notReadyAddresses: s.notReadyAddresses?.map(strip),
      })),
    ),
  );
}

/** Whether the stored Endpoints already say what `subsets` and `labels` say. */
export function endpointsUpToDate(
  current: Readonly<KubeObject>,
  subsets: readonly EndpointSubset[],
  labels: Readonly<Record<string, string>>,
  truncated: boolean,
): boolean {
  const have = { ...(current.metadata.labels ?? {}) };
  const want = { ...labels };
  delete have[HEADLESS_LABEL];
  delete want[HEADLESS_LABEL];
  return (
    comparableSubsets(current['subsets']) === comparableSubsets(subsets) &&
    canonicalJson(have) === canonicalJson(want) &&
    (current.metadata.annotations?.[OVER_CAPACITY] !== undefined) === truncated
  );
}

export class EndpointsController {
  readonly #client: KubeClient;
  readonly #services: Informer;
  readonly #pods: Informer;
  readonly #endpoints: Informer;
  readonly #queue = new WorkQueue();
  readonly #events: EventRecorder;
  readonly #log: Log;
  readonly #triggers = new TriggerTimeTracker();
  /**
   * The resourceVersion of this controller's last write per Endpoints, so a sync on a cache that
   * has not seen that write yet waits instead of failing with a conflict (or creating twice).
   * Entries expire: a lost event only delays.
   */
  readonly #written = new Map<string, { rv: number; until: number }>();
  #workers: Promise<void> | undefined;

  constructor(
    client: KubeClient,
    services: Informer,
    pods: Informer,
    endpoints: Informer,
    log: Log,
  ) {
    this.#client = client;
    this.#services = services;
    this.#pods = pods;
    this.#endpoints = endpoints;
    this.#log = log;
    this.#events = new EventRecorder(client, 'endpoint-controller');
    const enqueue = (o: Readonly<KubeObject>): void => this.#queue.add(objectKey(o));
    services.addHandlers({ add: enqueue, update: (_, o) => enqueue(o), delete: enqueue });
    const enqueueFor = (p: Readonly<KubeObject>): void => {
      for (const s of servicesSelecting(this.#services.list(p.metadata.namespace), p)) enqueue(s);
    };
    pods.addHandlers({
      add: enqueueFor,
      update: (old, cur) => {
        if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
        enqueueFor(old);
        enqueueFor(cur);
      },
      delete: enqueueFor,
    });
    // A deleted Endpoints object is recreated if its Service still wants one.
    endpoints.addHandlers({
      delete: (ep) => {
        this.#written.delete(objectKey(ep));
        enqueue(ep);
      },
    });
  }

  start(): void {
    this.#workers = runWorkers(
      this.#queue,
      2,
      (key) => this.sync(key),
      (key, err) =>
        this.#log('endpoints sync failed', { service: key, error: (err as Error).message }),
    );
    for (const s of this.#services.list()) this.#queue.add(objectKey(s));
    // Endpoints whose Service was deleted while the controller was down (checkLeftoverEndpoints).
    for (const ep of this.#endpoints.list())
      if (ep.metadata.annotations?.[LEADER_ANNOTATION] === undefined)
        this.#queue.add(objectKey(ep));
  }

  async stop(): Promise<void> {
    this.#queue.shutDown();
    await this.#workers;
  }

  async sync(key: string): Promise<number | void> {
    const [ns = '', name = ''] = key.includes('/') ? key.split('/', 2) : ['', key];
    const svc = this.#services.get(key);
    if (!svc) {
      this.#triggers.delete(ns, name);
      this.#written.delete(key);
      try {
        await this.#client.delete(ENDPOINTS, ns, name);
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
      }
      return;
    }
    const selector = managedSelector(svc);
    if (!selector) return;
    const pods = this.#pods.list(ns).filter((p) => selectorMatches(selector, p));
    const trigger = this.#triggers.compute(svc, pods);
    const subsets = desiredSubsets(svc, pods);
    const truncated = truncateSubsets(subsets);
    const labels = endpointsLabels(svc);
    const current = this.#endpoints.get(key);
    const written = this.#written.get(key);
    if (written && written.until > Date.now()) {
      if (Number(current?.metadata.resourceVersion ?? 0) < written.rv) return 50;
    } else {
      this.#written.delete(key);
    }
    if (current && endpointsUpToDate(current, subsets, labels, truncated)) return;

    const next: KubeObject = current
      ? (structuredClone(current) as KubeObject)
      : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: ns } };
    next.apiVersion = 'v1';
    next.kind = 'Endpoints';
    if (subsets.length > 0) next['subsets'] = subsets;
    else delete next['subsets'];
    if (Object.keys(labels).length > 0) next.metadata.labels = labels;
    else delete next.metadata.labels;
    const annotations = { ...(next.metadata.annotations ?? {}) };
    if (trigger !== undefined) annotations[LAST_CHANGE_TRIGGER_TIME] = formatRFC3339Nano(trigger);
    else delete annotations[LAST_CHANGE_TRIGGER_TIME];
    if (truncated) annotations[OVER_CAPACITY] = 'truncated';
    else delete annotations[OVER_CAPACITY];
    if (Object.keys(annotations).length > 0) next.metadata.annotations = annotations;
    else delete next.metadata.annotations;

    try {
      const saved = current
        ? await this.#client.update(ENDPOINTS, next)
        : await this.#client.create(ENDPOINTS, ns, next);
      this.#written.set(key, {
        rv: Number(saved.metadata.resourceVersion ?? 0),
        until: Date.now() + 30_000,
      });
    } catch (err) {
      // Creation in a terminating namespace keeps failing; drop the key, as upstream does.
      if (
        !current &&
        isStatusError(err, 'Forbidden') &&
        err.status.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')
      )
        return;
      if (current)
        await this.#events.record(
          next,
          'Warning',
          'FailedToUpdateEndpoint',
          `Failed to update endpoint ${ns}/${name}: ${(err as Error).message}`,
        );
      else
        await this.#events.record(
          next,
          'Warning',
          'FailedToCreateEndpoint',
          `Failed to create endpoint for service ${ns}/${name}: ${(err as Error).message}`,
        );
      throw err;
    }
  }
}
