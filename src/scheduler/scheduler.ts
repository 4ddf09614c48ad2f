// The scheduler (after kube-scheduler): one pod at a time, highest priority first, is filtered
// against every node and the feasible nodes are scored; the best is "assumed" in the cache at
// once and bound through the pods/binding subresource asynchronously, so decisions go on while
// bindings are in flight. A pod no node fits may preempt pods of lower priority (preemption.ts);
// it gets a FailedScheduling event with per-reason counts and waits with backoff until a node or
// pod change may let it in.
import { rfc3339 } from '../api/duration.js';
import { isStatusError } from '../api/status.js';
import type { KubeObject } from '../api/types.js';
import { EventRecorder } from '../client/events.js';
import { Informer, objectKey } from '../client/informer.js';
import { resourcePath, type KubeClient, type ResourceRef } from '../client/rest.js';
import { nodeInfoOf, SchedulerCache } from './cache.js';
import type { CycleState, FilterPlugin, FilterResult, NodeInfo, ScorePlugin } from './framework.js';
import { SUCCESS } from './framework.js';
import { imageLocality } from './plugins/image-locality.js';
import { interPodAffinity, interPodAffinityScore } from './plugins/inter-pod-affinity.js';
import { nodeAffinity, nodeAffinityScore } from './plugins/node-affinity.js';
import { nodePorts } from './plugins/node-ports.js';
import { nodeReady } from './plugins/node-ready.js';
import {
  balancedAllocation,
  leastAllocated,
  nodeResourcesFit,
} from './plugins/node-resources-fit.js';
import { nodeUnschedulable } from './plugins/node-unschedulable.js';
import { podTopologySpread, podTopologySpreadScore } from './plugins/pod-topology-spread.js';
import { taintToleration, taintTolerationScore } from './plugins/taint-toleration.js';
import { volumeBinding } from './plugins/volume-binding.js';
import { preempt, type Candidate } from './preemption.js';
import { podPriority, SchedulingQueue } from './queue.js';

const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };
const NODES: ResourceRef = { group: '', version: 'v1', resource: 'nodes', namespaced: false };
const PVCS: ResourceRef = {
  group: '',
  version: 'v1',
  resource: 'persistentvolumeclaims',
  namespaced: true,
};
const STORAGE_CLASSES: ResourceRef = {
  group: 'storage.k8s.io',
  version: 'v1',
  resource: 'storageclasses',
  namespaced: false,
};

/**
 * The literal plugin registry, in upstream's filter order (a node reports its first failure, so
 * the order decides the FailedScheduling reasons and which nodes preemption may help).
 */
export const FILTERS: readonly FilterPlugin[] = [
  nodeUnschedulable,
  nodeReady,
  taintToleration,
  nodeAffinity,
  nodePorts,
  nodeResourcesFit,
  volumeBinding,
  podTopologySpread,
  interPodAffinity,
];

export const SCORES: readonly ScorePlugin[] = [
  taintTolerationScore,
  nodeAffinityScore,
  podTopologySpreadScore,
  interPodAffinityScore,
  leastAllocated,
  balancedAllocation,
  imageLocality,
];

const SELECTED_NODE = 'volume.kubernetes.io/selected-node';

/** Bindings in flight at once (upstream binds asynchronously too). */
const MAX_BINDINGS = 32;
/** Upstream's pod backoff: 1 s doubling to 10 s. */
const BACKOFF_MS = [1000, 2000, 4000, 8000, 10_000];

function needsScheduling(pod: Readonly<KubeObject>): boolean {
  const spec = (pod.spec ?? {}) as { nodeName?: string; schedulerName?: string };
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return (
    !spec.nodeName &&
    (spec.schedulerName ?? 'default-scheduler') === 'default-scheduler' &&
    !pod.metadata.deletionTimestamp &&
    phase !== 'Succeeded' &&
    phase !== 'Failed'
  );
}

/**
 * Upstream's summary, e.g. "0/3 nodes are available: 1 node(s) had untolerated taint {a: b},
 * 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for
 * scheduling, 2 No preemption victims found for incoming pod." `preemption` is the PostFilter's
 * message ('' when it nominated a node: then no clause); without it, the clause for a cluster
 * whose pods all share one priority, where no node has victims.
 */
export function failureMessage(
  total: number,
  failures: readonly FilterResult[],
  preemption?: string,
): string {
  if (total === 0) return 'no nodes available to schedule pods';
  const histogram = (items: string[]): string => {
    const counts = new Map<string, number>();
    for (const r of items) counts.set(r, (counts.get(r) ?? 0) + 1);
    return [...counts]
      .map(([r, n]) => `${n} ${r}`)
      .sort()
      .join(', ');
  };
  const reasons = histogram(failures.map((f) => f.reason ?? 'node(s) did not fit'));
  const post =
    preemption ??
    `0/${total} nodes are available: ${histogram(
      failures.map((f) =>
        f.code === 'UnschedulableAndUnresolvable'
          ? 'Preemption is not helpful for scheduling'
          : 'No preemption victims found for incoming pod',
      ),
    )}.`;
  const base = `0/${total} nodes are available: ${reasons}.`;
  return post === '' ? base : `${base} preemption: ${post}`;
}

/** Every filter in order: Success, or the first failure. */
export function runFilters(
  pod: Readonly<KubeObject>,
  info: NodeInfo,
  state: CycleState,
): FilterResult {
  for (const f of FILTERS) {
    const r = f.filter(pod, info, state);
    if (r.code !== 'Success') return r;
  }
  return SUCCESS;
}

/** The node as `pod` must see it: with the pods nominated there of at least its priority. */
function withNominated(pod: Readonly<KubeObject>, info: NodeInfo, state: CycleState): NodeInfo {
  const nominated = state.nominatedPods?.(info.node.metadata.name ?? '') ?? [];
  if (nominated.length === 0) return info;
  const priority = podPriority(pod);
  const uid = pod.metadata.uid;
  const extra = nominated.filter((p) => p.metadata.uid !== uid && podPriority(p) >= priority);
  return extra.length === 0 ? info : nodeInfoOf(info.node, [...info.pods, ...extra]);
}

/** Filters and scores one pod; the chosen node, or every node with its failure. */
export function schedulePod(
  pod: Readonly<KubeObject>,
  state: CycleState,
): { node: NodeInfo } | { failures: FilterResult[]; failed: NodeInfo[] } {
  const failures: FilterResult[] = [];
  const failed: NodeInfo[] = [];
  const feasible: NodeInfo[] = [];
  for (const info of state.nodes) {
    const r = runFilters(pod, withNominated(pod, info, state), state);
    if (r.code !== 'Success') {
      failures.push(r);
      failed.push(info);
    } else feasible.push(info);
  }
  if (feasible.length === 0) return { failures, failed };
  const totals = new Array<number>(feasible.length).fill(0);
  for (const s of SCORES) {
    const scores = s.score(pod, feasible, state);
    for (let i = 0; i < totals.length; i++)
      totals[i] = (totals[i] ?? 0) + s.weight * (scores[i] ?? 0);
  }
  // Ties go to the node with fewer pods, then by name, so placement is deterministic.
  let best = 0;
  for (let i = 1; i < feasible.length; i++) {
    const a = feasible[i] as NodeInfo;
    const b = feasible[best] as NodeInfo;
    const d = (totals[i] ?? 0) - (totals[best] ?? 0);
    if (
      d > 0 ||
      (d === 0 &&
        (a.pods.length < b.pods.length ||
          (a.pods.length === b.pods.length &&
            String(a.node.metadata.name) < String(b.node.metadata.name))))
    ) {
      best = i;
    }
  }
  return { node: feasible[best] as NodeInfo };
}

/** Fields of a node that can change where pods fit (not its heartbeat). */
function schedulingView(node: Readonly<KubeObject>): string {
  const status = (node.status ?? {}) as {
    allocatable?: unknown;
    conditions?: Array<{ type: string; status: string }>;
  };
  return JSON.stringify([
    node.metadata.labels,
    node.spec,
    status.allocatable,
    (status.conditions ?? []).map((c) => [c.type, c.status]),
  ]);
}

interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export class Scheduler {
  readonly #client: KubeClient;
  readonly #pods: Informer;
  readonly #nodes: Informer;
  readonly #claims: Informer;
  readonly #classes: Informer;
  readonly #cache = new SchedulerCache();
  readonly #queue = new SchedulingQueue();
  readonly #events: EventRecorder;
  readonly #log: (msg: string, fields?: Record<string, unknown>) => void;
  /** Pods that found no node, with their backoff step. */
  readonly #unschedulable = new Map<string, number>();
  readonly #bindings = new Set<Promise<void>>();
  /** Pods that preempted others, by key: the node whose room is theirs. */
  readonly #nominated = new Map<string, { node: string; pod: Readonly<KubeObject> }>();
  #workers: Promise<void> | undefined;
  #retry: NodeJS.Timeout | undefined;

  constructor(client: KubeClient, log: (msg: string, fields?: Record<string, unknown>) => void) {
    this.#client = client;
    this.#log = log;
    this.#events = new EventRecorder(client, 'default-scheduler');
    const onError = (what: string) => (e: unknown) =>
      log(`${what} watch failed`, { error: String(e) });
    this.#pods = new Informer(client, PODS, { onError: onError('pod') });
    this.#nodes = new Informer(client, NODES, { onError: onError('node') });
    this.#claims = new Informer(client, PVCS, { onError: onError('pvc') });
    this.#classes = new Informer(client, STORAGE_CLASSES, { onError: onError('storageclass') });
    const enqueue = (p: Readonly<KubeObject>): void => {
      const key = objectKey(p);
      if (needsScheduling(p) && !this.#cache.isAssumed(key) && !this.#unschedulable.has(key)) {
        this.#queue.add(key, podPriority(p));
      }
    };
    this.#pods.addHandlers({
      add: (p) => {
        this.#cache.updatePod(p);
        enqueue(p);
      },
      update: (_, p) => {
        this.#cache.updatePod(p);
        enqueue(p);
      },
      delete: (p) => {
        this.#cache.removePod(p);
        this.#unschedulable.delete(objectKey(p));
        this.#nominated.delete(objectKey(p));
        // Freed capacity may let waiting pods in.
        if (p.spec && (p.spec as { nodeName?: string }).nodeName) this.#retryUnschedulable();
      },
    });
    this.#nodes.addHandlers({
      add: (n) => {
        this.#cache.setNode(n);
        this.#retryUnschedulable();
      },
      update: (old, n) => {
        this.#cache.setNode(n);
        if (schedulingView(old) !== schedulingView(n)) this.#retryUnschedulable();
      },
      delete: (n) => this.#cache.removeNode(n.metadata.name ?? ''),
    });
    this.#claims.addHandlers({
      add: () => this.#retryUnschedulable(),
      update: () => this.#retryUnschedulable(),
    });
  }

  #add(key: string, afterMs = 0): void {
    const pod = this.#pods.get(key);
    this.#queue.addAfter(key, pod ? podPriority(pod) : 0, afterMs);
  }

  #retryUnschedulable(): void {
    for (const key of this.#unschedulable.keys()) this.#add(key);
  }

  #state(): CycleState {
    const state: CycleState = {
      nodes: this.#cache.nodeInfos(),
      claim: (ns, name) => this.#claims.get(`${ns}/${name}`),
      storageClass: (name) => this.#classes.get(name),
    };
    if (this.#nominated.size > 0) {
      const byNode = new Map<string, Readonly<KubeObject>[]>();
      for (const { node, pod } of this.#nominated.values()) {
        byNode.set(node, [...(byNode.get(node) ?? []), pod]);
      }
      state.nominatedPods = (name) => byNode.get(name) ?? [];
    }
    return state;
  }

  async #work(): Promise<void> {
    for (;;) {
      const key = await this.#queue.get();
      if (key === undefined) return;
      try {
        await this.#schedule(key);
      } catch (err) {
        this.#log('scheduling failed', { pod: key, error: (err as Error).message });
        this.#add(key, 1000);
      } finally {
        this.#queue.done(key);
      }
    }
  }

  async start(): Promise<void> {
    await Promise.all([
      this.#nodes.start(),
      this.#claims.start(),
      this.#classes.start(),
      this.#pods.start(),
    ]);
    this.#workers = this.#work();
    // A safety net for missed signals; the backoff requeues do the regular work.
    this.#retry = setInterval(() => this.#retryUnschedulable(), 30_000);
    this.#retry.unref();
    for (const p of this.#pods.list()) {
      if (needsScheduling(p)) this.#queue.add(objectKey(p), podPriority(p));
    }
  }

  async stop(): Promise<void> {
    if (this.#retry) clearInterval(this.#retry);
    this.#queue.shutDown();
    await this.#workers;
    await Promise.all(this.#bindings);
    await Promise.all([
      this.#pods.stop(),
      this.#nodes.stop(),
      this.#claims.stop(),
      this.#classes.stop(),
    ]);
  }

  async #schedule(key: string): Promise<void> {
    const pod = this.#pods.get(key);
    if (!pod || !needsScheduling(pod) || this.#cache.isAssumed(key)) {
      this.#unschedulable.delete(key);
      this.#nominated.delete(key);
      return;
    }
    const state = this.#state();
    const result = schedulePod(pod, state);
    if ('failures' in result) {
      const outcome = preempt(pod, state, result.failed, result.failures, runFilters);
      const step = this.#unschedulable.get(key) ?? 0;
      this.#unschedulable.set(key, Math.min(step + 1, BACKOFF_MS.length - 1));
      this.#add(key, BACKOFF_MS[step] ?? 10_000);
      const message = failureMessage(
        state.nodes.length,
        result.failures,
        'candidate' in outcome ? '' : outcome.message,
      );
      void this.#events.record(pod, 'Warning', 'FailedScheduling', message);
      await this.#markUnschedulable(pod, message);
      if ('candidate' in outcome) await this.#preempt(pod, outcome.candidate);
      return;
    }
    this.#unschedulable.delete(key);
    this.#nominated.delete(key);
    const nodeName = result.node.node.metadata.name ?? '';
    this.#cache.assume(pod, nodeName);
    while (this.#bindings.size >= MAX_BINDINGS) await Promise.race(this.#bindings);
    const binding = this.#bind(pod, nodeName).finally(() => this.#bindings.delete(binding));
    this.#bindings.add(binding);
  }

  /**
   * Carries out a preemption decision as upstream's prepareCandidate does: each victim gets a
   * DisruptionTarget condition, is deleted (gracefully), and gets a Preempted event; lower-priority
   * pods nominated to the same node lose that nomination; the preemptor is nominated to the node
   * (status.nominatedNodeName) and keeps its room there until it binds.
   */
  async #preempt(pod: Readonly<KubeObject>, candidate: Candidate): Promise<void> {
    const nodeName = candidate.node.node.metadata.name ?? '';
    const key = objectKey(pod);
    const priority = podPriority(pod);
    const schedulerName =
      (pod.spec as { schedulerName?: string } | undefined)?.schedulerName ?? 'default-scheduler';
    this.#nominated.set(key, { node: nodeName, pod });
    const victims = candidate.victims.map(async (victim) => {
      const ns = victim.metadata.namespace ?? 'default';
      const name = victim.metadata.name ?? '';
      try {
        await this.#client.patch(
          PODS,
          ns,
          name,
          {
            status: {
              conditions: [
                {
                  type: 'DisruptionTarget',
                  status: 'True',
                  reason: 'PreemptionByScheduler',
                  message: `${schedulerName}: preempting to accommodate a higher priority pod`,
                  lastTransitionTime: rfc3339(new Date()),
                },
              ],
            },
          },
          'strategic',
          'status',
        );
        await this.#client.delete(PODS, ns, name);
      } catch (err) {
        if (isStatusError(err, 'NotFound')) return;
        throw err;
      }
      void this.#events.record(
        victim,
        'Normal',
        'Preempted',
        `Preempted by pod ${pod.metadata.uid ?? ''} on node ${nodeName}`,
      );
    });
    const clears: Promise<unknown>[] = [];
    for (const [other, n] of this.#nominated) {
      if (other === key || n.node !== nodeName || podPriority(n.pod) >= priority) continue;
      this.#nominated.delete(other);
      clears.push(this.#setNominatedNode(n.pod, null));
    }
    await Promise.all([...victims, ...clears, this.#setNominatedNode(pod, nodeName)]);
  }

  /**
   * Upstream's handleSchedulingFailure: the pod's PodScheduled condition says False, Unschedulable,
   * with the FailedScheduling message; written only when it changes, and its lastTransitionTime
   * only moves when the status does (podutil.UpdatePodCondition). The patch carries no
   * `lastProbeTime: null`: in a strategic merge patch a null deletes the field.
   */
  async #markUnschedulable(pod: Readonly<KubeObject>, message: string): Promise<void> {
    const conditions =
      (pod.status as { conditions?: PodCondition[] } | undefined)?.conditions ?? [];
    const old = conditions.find((c) => c.type === 'PodScheduled');
    if (old?.status === 'False' && old.reason === 'Unschedulable' && old.message === message)
      return;
    const now = rfc3339(new Date());
    try {
      await this.#client.patch(
        PODS,
        pod.metadata.namespace ?? 'default',
        pod.metadata.name ?? '',
        {
          status: {
            conditions: [
              {
                type: 'PodScheduled',
                status: 'False',
                reason: 'Unschedulable',
                message,
                lastTransitionTime: old?.status === 'False' ? (old.lastTransitionTime ?? now) : now,
              },
            ],
          },
        },
        'strategic',
        'status',
      );
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }

  async #setNominatedNode(pod: Readonly<KubeObject>, nodeName: string | null): Promise<void> {
    try {
      await this.#client.patch(
        PODS,
        pod.metadata.namespace ?? 'default',
        pod.metadata.name ?? '',
        { status: { nominatedNodeName: nodeName } },
        'merge',
        'status',
      );
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }

  /**
   * VolumeBinding's PreBind: unbound claims of a WaitForFirstConsumer class learn the chosen node
   * (the selected-node annotation), so the provisioner can make their volume there.
   */
  async #selectNodeForClaims(pod: Readonly<KubeObject>, nodeName: string): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    const volumes =
      (pod.spec as { volumes?: Array<{ persistentVolumeClaim?: { claimName?: string } }> })
        ?.volumes ?? [];
    for (const v of volumes) {
      const claimName = v.persistentVolumeClaim?.claimName;
      const claim = claimName ? this.#claims.get(`${ns}/${claimName}`) : undefined;
      if (!claim || (claim.spec as { volumeName?: string } | undefined)?.volumeName) continue;
      if (claim.metadata.annotations?.[SELECTED_NODE]) continue;
      const cls = (claim.spec as { storageClassName?: string } | undefined)?.storageClassName;
      const mode = cls
        ? (this.#classes.get(cls) as { volumeBindingMode?: string } | undefined)?.volumeBindingMode
        : undefined;
      if (mode !== 'WaitForFirstConsumer') continue;
      await this.#client.patch(PVCS, ns, claimName ?? '', {
        metadata: { annotations: { [SELECTED_NODE]: nodeName } },
      });
    }
  }

  async #bind(pod: Readonly<KubeObject>, nodeName: string): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    try {
      await this.#selectNodeForClaims(pod, nodeName);
      await this.#client.call('POST', `${resourcePath(PODS, ns, name)}/binding`, {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace: ns, uid: pod.metadata.uid },
        target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      });
    } catch (err) {
      this.#cache.forget(pod);
      // Already bound elsewhere or gone: nothing to do; anything else is tried again.
      if (!isStatusError(err, 'Conflict') && !isStatusError(err, 'NotFound')) {
        this.#log('binding failed; retrying', { pod: `${ns}/${name}`, error: String(err) });
        this.#add(objectKey(pod), 1000);
      }
      return;
    }
    void this.#events.record(
      pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${ns}/${name} to ${nodeName}`,
    );
  }
}
