// The EndpointSlice controller (upstream pkg/controller/endpointslice and the k8s.io/endpointslice
// reconciler): for every Service with a selector, EndpointSlices named `<service>-<random>`,
// owned by the Service (the garbage collector removes them with it), holding at most 100
// endpoints each, one slice per distinct set of resolved ports, with ready/serving/terminating
// conditions. A Service with no endpoints keeps one empty placeholder slice. Existing slices are
// reused: endpoints that changed are updated in place, missing ones fill slices that change
// anyway, and extra slices are deleted (or recycled instead of creating new ones).
import { isStatusError } from '../../api/status.js';
import type { KubeObject } from '../../api/types.js';
import { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import { objectKey } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest.js';
import { runWorkers, WorkQueue } from '../../client/workqueue.js';
import { ENDPOINTSLICES, podReady, type Log } from '../common.js';
import {
  canonicalJson,
  LAST_CHANGE_TRIGGER_TIME,
  HEADLESS_LABEL,
} from '../endpoints/controller.js';
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
} from '../endpoints/membership.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const MAX_ENDPOINTS_PER_SLICE = 100;
const ZONE_LABEL = 'topology.kubernetes.io/zone';

export type AddressType = 'IPv4' | 'IPv6';

export interface SliceEndpoint {
  addresses: string[];
  conditions: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  targetRef?: { kind: string; namespace: string; name: string; uid: string };
  nodeName?: string;
  zone?: string;
}

export interface SlicePort {
  name?: string;
  protocol?: string;
  port?: number;
  appProtocol?: string;
}

interface Slice extends KubeObject {
  addressType?: string;
  endpoints?: SliceEndpoint[] | null;
  ports?: SlicePort[] | null;
}

/** getAddressTypesForService: from spec.ipFamilies, else from the cluster IP, else both. */
export function addressTypesFor(svc: Readonly<KubeObject>): AddressType[] {
  const spec = serviceSpec(svc);
  const types = new Set<AddressType>();
  for (const f of spec.ipFamilies ?? []) {
    if (f === 'IPv4') types.add('IPv4');
    if (f === 'IPv6') types.add('IPv6');
  }
  if (types.size > 0) return [...types];
  if (isServiceIPSet(svc)) return [isIPv6(spec.clusterIP ?? '') ? 'IPv6' : 'IPv4'];
  return ['IPv4', 'IPv6'];
}

/** getEndpointPorts: every Service port the pod resolves, with the Service port's name. */
export function endpointPorts(svc: Readonly<KubeObject>, pod: Readonly<KubeObject>): SlicePort[] {
  const spec = serviceSpec(svc);
  const out: SlicePort[] = [];
  for (const sp of spec.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    out.push({
      name: sp.name ?? '',
      protocol: sp.protocol ?? 'TCP',
      port,
      ...(sp.appProtocol !== undefined ? { appProtocol: sp.appProtocol } : {}),
    });
  }
  return out;
}

/** podToEndpoint. `ready` is never true for a terminating pod unless publishNotReadyAddresses. */
export function podToEndpoint(
  svc: Readonly<KubeObject>,
  pod: Readonly<KubeObject>,
  node: Readonly<KubeObject> | undefined,
  addressType: AddressType,
): SliceEndpoint {
  const serving = podReady(pod);
  const terminating = pod.metadata.deletionTimestamp !== undefined;
  const ready = serviceSpec(svc).publishNotReadyAddresses === true || (serving && !terminating);
  const ep: SliceEndpoint = {
    addresses: podIPs(pod).filter((ip) => isIPv6(ip) === (addressType === 'IPv6')),
    conditions: { ready, serving, terminating },
  };
  if (shouldSetHostname(pod, svc)) ep.hostname = podSpec(pod).hostname ?? '';
  ep.targetRef = {
    kind: 'Pod',
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name ?? '',
    uid: pod.metadata.uid ?? '',
  };
  const nodeName = podSpec(pod).nodeName ?? '';
  if (nodeName !== '') ep.nodeName = nodeName;
  const zone = node?.metadata.labels?.[ZONE_LABEL] ?? '';
  if (zone !== '') ep.zone = zone;
  return ep;
}

/** hashEndpoint: what identifies an endpoint across updates (its other fields may change). */
export function endpointKey(ep: Readonly<SliceEndpoint>): string {
  return canonicalJson([
    [...ep.addresses].sort(),
    ep.hostname ?? '',
    ep.targetRef?.namespace ?? '',
    ep.targetRef?.name ?? '',
  ]);
}

/** NewPortMapKey: the port set, in name order. */
export function portMapKey(ports: readonly SlicePort[] | null | undefined): string {
  return canonicalJson(
    [...(ports ?? [])].sort((a, b) =>
      (a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : 0,
    ),
  );
}

/** setEndpointSliceLabels: the Service's labels (reserved keys excepted) plus the reserved ones. */
function sliceLabels(
  svc: Readonly<KubeObject>,
  slice: Readonly<KubeObject> | undefined,
): { labels: Record<string, string>; changed: boolean } {
  const reserved = new Set([SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL]);
  const strip = (l: Record<string, string> | undefined): Record<string, string> =>
    Object.fromEntries(Object.entries(l ?? {}).filter(([k]) => !reserved.has(k)));
  const labels = strip(svc.metadata.labels);
  const changed = canonicalJson(strip(slice?.metadata.labels)) !== canonicalJson(labels);
  if (!isServiceIPSet(svc)) labels[HEADLESS_LABEL] = '';
  labels[SERVICE_NAME_LABEL] = svc.metadata.name ?? '';
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  return { labels, changed };
}

function ownedBy(slice: Readonly<KubeObject>, svc: Readonly<KubeObject>): boolean {
  return (slice.metadata.ownerReferences ?? []).some(
    (o) => o.uid === svc.metadata.uid && o.kind === 'Service' && o.apiVersion === 'v1',
  );
}

function newSlice(svc: Readonly<KubeObject>, addressType: AddressType, ports: SlicePort[]): Slice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata.name ?? ''}-`,
      namespace: svc.metadata.namespace ?? '',
      labels: sliceLabels(svc, undefined).labels,
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          name: svc.metadata.name ?? '',
          uid: svc.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    addressType,
    endpoints: [],
    ports,
  };
}

const endpointsOf = (s: Readonly<Slice>): SliceEndpoint[] => s.endpoints ?? [];

export interface SlicePlan {
  create: KubeObject[];
  update: KubeObject[];
  delete: Readonly<KubeObject>[];
  /** Pods left out because their node is unknown (upstream requeues the Service for them). */
  errors: string[];
}

/**
 * The writes that bring a Service's slices (those labelled as this controller's for it) to the
 * desired state. Pure: reads only its arguments. Endpoints are taken in key order so the result
 * is deterministic (upstream takes them in map order).
 */
export function planSlices(
  svc: Readonly<KubeObject>,
  pods: readonly Readonly<KubeObject>[],
  existing: readonly Readonly<KubeObject>[],
  nodeOf: (name: string) => Readonly<KubeObject> | undefined,
  maxPerSlice = MAX_ENDPOINTS_PER_SLICE,
): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [], errors: [] };
  const types = addressTypesFor(svc);
  const byType = new Map<string, Readonly<Slice>[]>();
  for (const s of existing as Readonly<Slice>[]) {
    const t = s.addressType ?? '';
    if (!types.includes(t as AddressType)) plan.delete.push(s);
    else byType.set(t, [...(byType.get(t) ?? []), s]);
  }
  for (const t of types) {
    const sub = planForAddressType(svc, pods, byType.get(t) ?? [], nodeOf, t, maxPerSlice);
    plan.create.push(...sub.create);
    plan.update.push(...sub.update);
    plan.delete.push(...sub.delete);
    plan.errors.push(...sub.errors);
  }
  return plan;
}

function planForAddressType(
  svc: Readonly<KubeObject>,
  pods: readonly Readonly<KubeObject>[],
  existing: readonly Readonly<Slice>[],
  nodeOf: (name: string) => Readonly<KubeObject> | undefined,
  addressType: AddressType,
  maxPerSlice: number,
): SlicePlan {
  const errors: string[] = [];
  let toCreate: Slice[] = [];
  const toUpdate: Slice[] = [];
  let toDelete: Readonly<Slice>[] = [];
  const ns = svc.metadata.namespace ?? '';
  const name = svc.metadata.name ?? '';
  const spec = serviceSpec(svc);

  const existingByPorts = new Map<string, Readonly<Slice>[]>();
  for (const s of existing) {
    if (!ownedBy(s, svc)) {
      toDelete.push(s);
      continue;
    }
    const k = portMapKey(s.ports);
    existingByPorts.set(k, [...(existingByPorts.get(k) ?? []), s]);
  }

  const desired = new Map<string, { ports: SlicePort[]; endpoints: Map<string, SliceEndpoint> }>();
  const selector = managedSelector(svc) ?? {};
  for (const pod of pods) {
    if (pod.metadata.namespace !== ns || !selectorMatches(selector, pod)) continue;
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports =
      (spec.ports ?? []).length === 0 && spec.clusterIP === 'None' ? [] : endpointPorts(svc, pod);
    const pk = portMapKey(ports);
    let group = desired.get(pk);
    if (!group) {
      group = { ports, endpoints: new Map() };
      desired.set(pk, group);
    }
    const nodeName = podSpec(pod).nodeName ?? '';
    const node = nodeOf(nodeName);
    if (!node && spec.publishNotReadyAddresses !== true) {
      errors.push(
        `skipping Pod ${pod.metadata.name ?? ''} for Service ${ns}/${name}: Node ${nodeName} Not Found`,
      );
      continue;
    }
    const ep = podToEndpoint(svc, pod, node, addressType);
    if (ep.addresses.length > 0) group.endpoints.set(endpointKey(ep), ep);
  }

  for (const [pk, group] of desired) {
    const sub = planForPorts(svc, existingByPorts.get(pk) ?? [], group, addressType, maxPerSlice);
    toCreate.push(...sub.create);
    toUpdate.push(...sub.update);
    toDelete.push(...sub.delete);
  }
  for (const [pk, slices] of existingByPorts) if (!desired.has(pk)) toDelete.push(...slices);

  // A Service without endpoints keeps one empty placeholder slice.
  if (existing.length === toDelete.length && toCreate.length === 0) {
    const placeholder = newSlice(svc, addressType, []);
    const only = toDelete[0];
    if (toDelete.length === 1 && only && isPlaceholderLike(only, placeholder)) toDelete = [];
    else toCreate.push(placeholder);
  }

  // Recycle slices that would be deleted instead of creating new ones (finalize).
  const keep: Readonly<Slice>[] = [];
  for (const s of toDelete) {
    const fresh = toCreate[toCreate.length - 1];
    if (fresh && s.addressType === fresh.addressType && ownedBy(s, svc)) {
      toCreate = toCreate.slice(0, -1);
      const recycled = structuredClone(s) as Slice;
      recycled.metadata.labels = fresh.metadata.labels ?? {};
      recycled.endpoints = fresh.endpoints ?? [];
      recycled.ports = fresh.ports ?? [];
      toUpdate.push(recycled);
    } else {
      keep.push(s);
    }
  }
  return { create: toCreate, update: toUpdate, delete: keep, errors };
}

function isPlaceholderLike(s: Readonly<Slice>, placeholder: Readonly<Slice>): boolean {
  return (
    s.metadata.namespace === placeholder.metadata.namespace &&
    canonicalJson(s.metadata.labels ?? {}) === canonicalJson(placeholder.metadata.labels ?? {}) &&
    canonicalJson(s.metadata.ownerReferences ?? []) ===
      canonicalJson(placeholder.metadata.ownerReferences ?? []) &&
    s.addressType === placeholder.addressType &&
    endpointsOf(s).length === 0 &&
    (s.ports ?? []).length === 0
  );
}

/** reconcileByPortMapping, for the slices and desired endpoints of one port set. */
function planForPorts(
  svc: Readonly<KubeObject>,
  existing: readonly Readonly<Slice>[],
  group: { ports: SlicePort[]; endpoints: Map<string, SliceEndpoint> },
  addressType: AddressType,
  maxPerSlice: number,
): { create: Slice[]; update: Slice[]; delete: Readonly<Slice>[] } {
  const want = new Map(group.endpoints);
  const update: Slice[] = [];
  const del: Readonly<Slice>[] = [];
  const unchanged: Readonly<Slice>[] = [];
  // 1. Drop endpoints no longer desired and refresh the ones that changed.
  for (const s of existing) {
    const kept: SliceEndpoint[] = [];
    let changed = false;
    for (const ep of endpointsOf(s)) {
      const k = endpointKey(ep);
      const got = want.get(k);
      if (!got) continue;
      kept.push(got);
      if (canonicalJson(got) !== canonicalJson(ep)) changed = true;
      want.delete(k);
    }
    const { labels, changed: labelsChanged } = sliceLabels(svc, s);
    if (changed || kept.length !== endpointsOf(s).length) {
      if (kept.length === 0) {
        del.push(s);
      } else {
        const copy = structuredClone(s) as Slice;
        copy.endpoints = kept;
        copy.metadata.labels = labels;
        update.push(copy);
      }
    } else if (labelsChanged) {
      const copy = structuredClone(s) as Slice;
      copy.metadata.labels = labels;
      update.push(copy);
    } else {
      unchanged.push(s);
    }
  }
  const remaining = [...want.keys()].sort().map((k) => want.get(k) as SliceEndpoint);
  // 2. Fill the slices being updated anyway, fullest first.
  update.sort((a, b) => endpointsOf(b).length - endpointsOf(a).length);
  for (const s of update) {
    const eps = endpointsOf(s);
    while (remaining.length > 0 && eps.length < maxPerSlice) eps.push(remaining.shift()!);
    s.endpoints = eps;
  }
  // 3. Fit what is left into the unchanged slice it fills best, or into new slices.
  const create: Slice[] = [];
  while (remaining.length > 0) {
    let target: Slice | undefined;
    if (remaining.length < maxPerSlice && unchanged.length > 0) {
      let best: Readonly<Slice> | undefined;
      let bestDiff = maxPerSlice;
      for (const s of unchanged) {
        const diff = maxPerSlice - (remaining.length + endpointsOf(s).length);
        if (diff >= 0 && diff < bestDiff) {
          bestDiff = diff;
          best = s;
        }
      }
      if (best) {
        unchanged.splice(unchanged.indexOf(best), 1);
        target = structuredClone(best) as Slice;
        update.push(target);
      }
    }
    if (!target) {
      target = newSlice(svc, addressType, group.ports);
      create.push(target);
    }
    const eps = endpointsOf(target);
    while (remaining.length > 0 && eps.length < maxPerSlice) eps.push(remaining.shift()!);
    target.endpoints = eps;
  }
  return { create, update, delete: del };
}

/**
 * Upstream's EndpointSliceTracker, by resourceVersion: what this controller last wrote per
 * slice, so a sync running on a cache that has not caught up with those writes waits instead of
 * acting twice (e.g. creating a second slice). Entries expire, so a lost event only delays.
 */
class SliceTracker {
  readonly #byService = new Map<string, Map<string, { rv: number | 'deleted'; until: number }>>();

  #entries(key: string): Map<string, { rv: number | 'deleted'; until: number }> {
    let m = this.#byService.get(key);
    if (!m) {
      m = new Map();
      this.#byService.set(key, m);
    }
    return m;
  }

  wrote(key: string, slice: Readonly<KubeObject>): void {
    this.#entries(key).set(slice.metadata.uid ?? '', {
      rv: Number(slice.metadata.resourceVersion ?? 0),
      until: Date.now() + 30_000,
    });
  }

  deleted(key: string, slice: Readonly<KubeObject>): void {
    this.#entries(key).set(slice.metadata.uid ?? '', { rv: 'deleted', until: Date.now() + 30_000 });
  }

  /** A slice event this controller did not cause (so the Service needs a sync). */
  isForeign(key: string, slice: Readonly<KubeObject>): boolean {
    const e = this.#byService.get(key)?.get(slice.metadata.uid ?? '');
    return !e || e.rv === 'deleted' || Number(slice.metadata.resourceVersion ?? 0) > e.rv;
  }

  /** A deletion was observed; returns whether it was this controller's. */
  observeDeletion(key: string, slice: Readonly<KubeObject>): boolean {
    const m = this.#byService.get(key);
    const e = m?.get(slice.metadata.uid ?? '');
    m?.delete(slice.metadata.uid ?? '');
    return e?.rv === 'deleted';
  }

  stale(key: string, cached: readonly Readonly<KubeObject>[]): boolean {
    const m = this.#byService.get(key);
    if (!m) return false;
    const now = Date.now();
    for (const [uid, e] of m) if (e.until < now) m.delete(uid);
    const seen = new Map(cached.map((s) => [s.metadata.uid ?? '', s]));
    for (const [uid, e] of m) {
      const s = seen.get(uid);
      if (e.rv === 'deleted') {
        if (s) return true;
      } else if (!s || Number(s.metadata.resourceVersion ?? 0) < e.rv) {
        return true;
      }
    }
    return false;
  }

  forget(key: string): void {
    this.#byService.delete(key);
  }
}

export class EndpointSliceController {
  readonly #client: KubeClient;
  readonly #services: Informer;
  readonly #pods: Informer;
  readonly #slices: Informer;
  readonly #nodes: Informer;
  readonly #queue = new WorkQueue();
  readonly #events: EventRecorder;
  readonly #log: Log;
  readonly #triggers = new TriggerTimeTracker();
  readonly #tracker = new SliceTracker();
  #workers: Promise<void> | undefined;

  constructor(
    client: KubeClient,
    informers: { services: Informer; pods: Informer; endpointslices: Informer; nodes: Informer },
    log: Log,
  ) {
    this.#client = client;
    this.#services = informers.services;
    this.#pods = informers.pods;
    this.#slices = informers.endpointslices;
    this.#nodes = informers.nodes;
    this.#log = log;
    this.#events = new EventRecorder(client, 'endpointslice-controller');
    const enqueue = (o: Readonly<KubeObject>): void => this.#queue.add(objectKey(o));
    this.#services.addHandlers({ add: enqueue, update: (_, o) => enqueue(o), delete: enqueue });
    const enqueueFor = (p: Readonly<KubeObject>): void => {
      for (const s of servicesSelecting(this.#services.list(p.metadata.namespace), p)) enqueue(s);
    };
    this.#pods.addHandlers({
      add: enqueueFor,
      update: (old, cur) => {
        if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
        enqueueFor(old);
        enqueueFor(cur);
      },
      delete: enqueueFor,
    });
    const serviceKey = (s: Readonly<KubeObject>): string | undefined => {
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      return svc ? `${s.metadata.namespace ?? ''}/${svc}` : undefined;
    };
    const managed = (s: Readonly<KubeObject>): boolean =>
      s.metadata.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME;
    const onSlice = (s: Readonly<KubeObject>): void => {
      const key = serviceKey(s);
      if (key && managed(s) && this.#tracker.isForeign(key, s)) this.#queue.addAfter(key, 1000);
    };
    this.#slices.addHandlers({
      add: onSlice,
      update: (old, cur) => {
        const [ko, kc] = [serviceKey(old), serviceKey(cur)];
        if (ko !== kc || managed(old) !== managed(cur)) {
          if (ko) this.#queue.addAfter(ko, 1000);
          if (kc) this.#queue.addAfter(kc, 1000);
          return;
        }
        onSlice(cur);
      },
      delete: (s) => {
        const key = serviceKey(s);
        if (key && managed(s) && !this.#tracker.observeDeletion(key, s))
          this.#queue.addAfter(key, 1000);
      },
    });
  }

  start(): void {
    this.#workers = runWorkers(
      this.#queue,
      2,
      (key) => this.sync(key),
      (key, err) =>
        this.#log('endpointslice sync failed', { service: key, error: (err as Error).message }),
    );
    for (const s of this.#services.list()) this.#queue.add(objectKey(s));
  }

  async stop(): Promise<void> {
    this.#queue.shutDown();
    await this.#workers;
  }

  async sync(key: string): Promise<number | void> {
    const svc = this.#services.get(key);
    if (!svc) {
      // The garbage collector deletes the slices through their ownerReferences.
      const [ns = '', name = ''] = key.split('/', 2);
      this.#triggers.delete(ns, name);
      this.#tracker.forget(key);
      return;
    }
    const selector = managedSelector(svc);
    if (!selector) return;
    const ns = svc.metadata.namespace ?? '';
    const name = svc.metadata.name ?? '';
    const pods = this.#pods.list(ns).filter((p) => selectorMatches(selector, p));
    const slices = this.#slices
      .list(ns)
      .filter(
        (s) =>
          s.metadata.labels?.[SERVICE_NAME_LABEL] === name &&
          s.metadata.labels[MANAGED_BY_LABEL] === CONTROLLER_NAME &&
          !s.metadata.deletionTimestamp,
      );
    // The cache has not seen this controller's last writes yet: look again shortly.
    if (this.#tracker.stale(key, slices)) return 100;
    const trigger = this.#triggers.compute(svc, pods);
    const plan = planSlices(svc, pods, slices, (n) => this.#nodes.get(n));
    try {
      await this.#apply(key, svc, plan, trigger);
    } catch (err) {
      await this.#events.record(
        { apiVersion: 'v1', kind: 'Service', ...svc },
        'Warning',
        'FailedToUpdateEndpointSlices',
        `Error updating Endpoint Slices for Service ${ns}/${name}: ${(err as Error).message}`,
      );
      throw err;
    }
    if (plan.errors.length > 0) {
      const message = plan.errors.join(', ');
      await this.#events.record(
        { apiVersion: 'v1', kind: 'Service', ...svc },
        'Warning',
        'FailedToUpdateEndpointSlices',
        `Error updating Endpoint Slices for Service ${ns}/${name}: ${message}`,
      );
      throw new Error(message);
    }
  }

  async #apply(
    key: string,
    svc: Readonly<KubeObject>,
    plan: SlicePlan,
    trigger: number | undefined,
  ): Promise<void> {
    const ns = svc.metadata.namespace ?? '';
    const name = svc.metadata.name ?? '';
    const annotate = (s: KubeObject): KubeObject => {
      const a = { ...(s.metadata.annotations ?? {}) };
      if (trigger !== undefined) a[LAST_CHANGE_TRIGGER_TIME] = formatRFC3339Nano(trigger);
      else delete a[LAST_CHANGE_TRIGGER_TIME];
      if (Object.keys(a).length > 0) s.metadata.annotations = a;
      else delete s.metadata.annotations;
      return s;
    };
    // No new slices for a Service being deleted: the garbage collector is removing them.
    if (!svc.metadata.deletionTimestamp) {
      for (const s of plan.create) {
        try {
          this.#tracker.wrote(key, await this.#client.create(ENDPOINTSLICES, ns, annotate(s)));
        } catch (err) {
          if (
            isStatusError(err, 'Forbidden') &&
            err.status.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')
          )
            return;
          throw new Error(
            `failed to create EndpointSlice for Service ${ns}/${name}: ${(err as Error).message}`,
          );
        }
      }
    }
    for (const s of plan.update) {
      try {
        this.#tracker.wrote(key, await this.#client.update(ENDPOINTSLICES, annotate(s)));
      } catch (err) {
        throw new Error(
          `failed to update ${s.metadata.name ?? ''} EndpointSlice for Service ${ns}/${name}: ${(err as Error).message}`,
        );
      }
    }
    for (const s of plan.delete) {
      try {
        await this.#client.delete(ENDPOINTSLICES, ns, s.metadata.name ?? '');
        this.#tracker.deleted(key, s);
      } catch (err) {
        if (isStatusError(err, 'NotFound')) continue;
        throw new Error(
          `failed to delete ${s.metadata.name ?? ''} EndpointSlice for Service ${ns}/${name}: ${(err as Error).message}`,
        );
      }
    }
  }
}
