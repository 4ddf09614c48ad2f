// The scheduler's view of the cluster (after upstream's scheduler cache): nodes with their pods
// and summed requests, kept from the informers' events, plus pods "assumed" on a node between the
// scheduling decision and the informer seeing the binding, so a burst of decisions never
// over-commits a node while bindings are in flight.
import type { KubeObject } from '../api/types.js';
import { objectKey } from '../client/informer.js';
import type { NodeInfo, Requested } from './framework.js';
import { podRequests } from './plugins/node-resources-fit.js';

interface Entry {
  node: Readonly<KubeObject> | undefined;
  pods: Map<string, Readonly<KubeObject>>;
  requested: Requested;
  nonZeroRequested: Requested;
  list: Readonly<KubeObject>[] | undefined;
  antiAffinity: Readonly<KubeObject>[] | undefined;
}

function hasRequiredAntiAffinity(pod: Readonly<KubeObject>): boolean {
  const terms = (
    pod.spec as
      | {
          affinity?: {
            podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: unknown[] };
          };
        }
      | undefined
  )?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return Array.isArray(terms) && terms.length > 0;
}

function add(a: Requested, b: Requested, sign: 1 | -1): Requested {
  return { cpu: a.cpu + sign * b.cpu, memory: a.memory + sign * b.memory };
}

function terminal(pod: Readonly<KubeObject>): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

function boundNode(pod: Readonly<KubeObject>): string | undefined {
  return (pod.spec as { nodeName?: string } | undefined)?.nodeName || undefined;
}

/** A NodeInfo built from scratch (preemption's what-if: the node without some of its pods). */
export function nodeInfoOf(
  node: Readonly<KubeObject>,
  pods: readonly Readonly<KubeObject>[],
): NodeInfo {
  let requested: Requested = { cpu: 0, memory: 0 };
  let nonZeroRequested: Requested = { cpu: 0, memory: 0 };
  for (const p of pods) {
    requested = add(requested, podRequests(p), 1);
    nonZeroRequested = add(nonZeroRequested, podRequests(p, true), 1);
  }
  return { node, pods, requested, nonZeroRequested };
}

export class SchedulerCache {
  readonly #entries = new Map<string, Entry>();
  /** pod key → the node it is counted on. */
  readonly #podNode = new Map<string, string>();
  /** Pods placed by a decision whose binding the informer has not shown yet. */
  readonly #assumed = new Set<string>();

  #entry(name: string): Entry {
    let e = this.#entries.get(name);
    if (!e) {
      e = {
        node: undefined,
        pods: new Map(),
        requested: { cpu: 0, memory: 0 },
        nonZeroRequested: { cpu: 0, memory: 0 },
        list: undefined,
        antiAffinity: undefined,
      };
      this.#entries.set(name, e);
    }
    return e;
  }

  setNode(node: Readonly<KubeObject>): void {
    this.#entry(node.metadata.name ?? '').node = node;
  }

  removeNode(name: string): void {
    const e = this.#entries.get(name);
    if (!e) return;
    if (e.pods.size === 0) this.#entries.delete(name);
    else e.node = undefined;
  }

  #place(key: string, pod: Readonly<KubeObject>, nodeName: string): void {
    this.#unplace(key);
    const e = this.#entry(nodeName);
    e.pods.set(key, pod);
    e.requested = add(e.requested, podRequests(pod), 1);
    e.nonZeroRequested = add(e.nonZeroRequested, podRequests(pod, true), 1);
    e.list = undefined;
    e.antiAffinity = undefined;
    this.#podNode.set(key, nodeName);
  }

  #unplace(key: string): void {
    const nodeName = this.#podNode.get(key);
    if (nodeName === undefined) return;
    this.#podNode.delete(key);
    const e = this.#entries.get(nodeName);
    const old = e?.pods.get(key);
    if (!e || !old) return;
    e.pods.delete(key);
    e.requested = add(e.requested, podRequests(old), -1);
    e.nonZeroRequested = add(e.nonZeroRequested, podRequests(old, true), -1);
    e.list = undefined;
    e.antiAffinity = undefined;
    if (!e.node && e.pods.size === 0) this.#entries.delete(nodeName);
  }

  /** An informer add/update: count the pod where it is bound, drop it when it finished. */
  updatePod(pod: Readonly<KubeObject>): void {
    const key = objectKey(pod);
    const nodeName = boundNode(pod);
    if (nodeName && !terminal(pod)) {
      this.#assumed.delete(key);
      this.#place(key, pod, nodeName);
    } else if (!this.#assumed.has(key) || terminal(pod)) {
      this.#assumed.delete(key);
      this.#unplace(key);
    }
  }

  removePod(pod: Readonly<KubeObject>): void {
    const key = objectKey(pod);
    this.#assumed.delete(key);
    this.#unplace(key);
  }

  /** Counts the pod on `nodeName` before its binding is visible. */
  assume(pod: Readonly<KubeObject>, nodeName: string): void {
    const key = objectKey(pod);
    this.#assumed.add(key);
    this.#place(key, { ...pod, spec: { ...(pod.spec ?? {}), nodeName } }, nodeName);
  }

  /** The binding failed: the pod is not on that node after all. */
  forget(pod: Readonly<KubeObject>): void {
    const key = objectKey(pod);
    if (!this.#assumed.delete(key)) return;
    this.#unplace(key);
  }

  isAssumed(key: string): boolean {
    return this.#assumed.has(key);
  }

  /** The nodes that exist, with their pods. */
  nodeInfos(): NodeInfo[] {
    const out: NodeInfo[] = [];
    for (const e of this.#entries.values()) {
      if (!e.node) continue;
      e.list ??= [...e.pods.values()];
      e.antiAffinity ??= e.list.filter(hasRequiredAntiAffinity);
      out.push({
        node: e.node,
        pods: e.list,
        podsWithRequiredAntiAffinity: e.antiAffinity,
        requested: e.requested,
        nonZeroRequested: e.nonZeroRequested,
      });
    }
    return out;
  }
}
