// The node lifecycle controller (after upstream's pkg/controller/nodelifecycle and its taint
// eviction controller): a node whose kubelet stops renewing its Lease and posting status for the
// grace period gets Unknown conditions; nodes carry the condition taints (not-ready, unreachable,
// pressure, unschedulable); pods on a node with a NoExecute taint they do not tolerate are
// deleted, at once or after their tolerationSeconds. Everything is recomputed from the informers
// on each sync, so a restart or a missed event only delays it.
import { rfc3339 } from '../../api/duration.js';
import { tolerationMatches, type Toleration } from '../../api/node-selection.js';
import { isStatusError } from '../../api/status.js';
import type { KubeObject } from '../../api/types.js';
import { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest.js';
import { runWorkers, WorkQueue } from '../../client/workqueue.js';
import { NODES, PODS, type Log } from '../common.js';

type Json = Record<string, unknown>;

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  timeAdded?: string;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export const NOT_READY = 'node.kubernetes.io/not-ready';
export const UNREACHABLE = 'node.kubernetes.io/unreachable';
/** The taints this controller owns; others (a user's, the control plane's) are left alone. */
const MANAGED = new Set([
  `${NOT_READY}:NoSchedule`,
  `${NOT_READY}:NoExecute`,
  `${UNREACHABLE}:NoSchedule`,
  `${UNREACHABLE}:NoExecute`,
  'node.kubernetes.io/memory-pressure:NoSchedule',
  'node.kubernetes.io/disk-pressure:NoSchedule',
  'node.kubernetes.io/pid-pressure:NoSchedule',
  'node.kubernetes.io/network-unavailable:NoSchedule',
  'node.kubernetes.io/unschedulable:NoSchedule',
]);

export interface NodeLifecycleOptions {
  /** Without a heartbeat for this long a node is Unknown (upstream's default: 40 s). */
  gracePeriodMs?: number;
  /** How often every node is checked (upstream's node-monitor-period: 5 s). */
  monitorPeriodMs?: number;
  clock?: () => Date;
}

function conditionsOf(node: Readonly<KubeObject>): Condition[] {
  return ((node.status as { conditions?: Condition[] } | undefined)?.conditions ??
    []) as Condition[];
}

/** The taints a node's conditions and spec call for (TaintNodesByCondition + NoExecute taints). */
export function desiredTaints(node: Readonly<KubeObject>): Array<Omit<Taint, 'timeAdded'>> {
  const conds = new Map(conditionsOf(node).map((c) => [c.type, c.status]));
  const out: Array<Omit<Taint, 'timeAdded'>> = [];
  const ready = conds.get('Ready');
  if (ready === 'False') {
    out.push({ key: NOT_READY, effect: 'NoSchedule' }, { key: NOT_READY, effect: 'NoExecute' });
  } else if (ready === 'Unknown') {
    out.push({ key: UNREACHABLE, effect: 'NoSchedule' }, { key: UNREACHABLE, effect: 'NoExecute' });
  } else if (ready === undefined) {
    // A node that has not reported yet takes no pods but evicts none.
    out.push({ key: NOT_READY, effect: 'NoSchedule' });
  }
  const pressure: Array<[string, string]> = [
    ['MemoryPressure', 'node.kubernetes.io/memory-pressure'],
    ['DiskPressure', 'node.kubernetes.io/disk-pressure'],
    ['PIDPressure', 'node.kubernetes.io/pid-pressure'],
    ['NetworkUnavailable', 'node.kubernetes.io/network-unavailable'],
  ];
  for (const [type, key] of pressure) {
    if (conds.get(type) === 'True') out.push({ key, effect: 'NoSchedule' });
  }
  if ((node.spec as { unschedulable?: boolean } | undefined)?.unschedulable === true) {
    out.push({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' });
  }
  return out;
}

/**
 * When a pod on a node with these NoExecute taints must go: now (0), at a time (ms since the
 * epoch, the earliest over the taints), or never (undefined).
 */
export function evictionTime(
  pod: Readonly<KubeObject>,
  taints: readonly Taint[],
): number | undefined {
  const tolerations = ((pod.spec as { tolerations?: Toleration[] } | undefined)?.tolerations ??
    []) as Toleration[];
  let when: number | undefined;
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue;
    const matching = tolerations.filter((t) => tolerationMatches(t, taint));
    if (matching.length === 0) return 0;
    // The shortest tolerationSeconds among the matching tolerations applies; none means forever.
    const secs = matching
      .map((t) => t.tolerationSeconds)
      .filter((s): s is number => typeof s === 'number');
    if (secs.length === 0) continue;
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : 0;
    const at = added + Math.max(0, Math.min(...secs)) * 1000;
    when = when === undefined ? at : Math.min(when, at);
  }
  return when;
}

export class NodeLifecycleController {
  readonly #client: KubeClient;
  readonly #nodes: Informer;
  readonly #leases: Informer;
  readonly #pods: Informer;
  readonly #queue = new WorkQueue();
  readonly #events: EventRecorder;
  readonly #log: Log;
  readonly #grace: number;
  readonly #period: number;
  readonly #clock: () => Date;
  #timer: NodeJS.Timeout | undefined;
  #workers: Promise<void> | undefined;

  constructor(
    client: KubeClient,
    informers: { nodes: Informer; leases: Informer; pods: Informer },
    log: Log,
    opts: NodeLifecycleOptions = {},
  ) {
    this.#client = client;
    this.#nodes = informers.nodes;
    this.#leases = informers.leases;
    this.#pods = informers.pods;
    this.#log = log;
    this.#grace = opts.gracePeriodMs ?? 40_000;
    this.#period = opts.monitorPeriodMs ?? 5000;
    this.#clock = opts.clock ?? (() => new Date());
    this.#events = new EventRecorder(client, 'node-controller');
    const enqueue = (n: Readonly<KubeObject>): void => this.#queue.add(n.metadata.name ?? '');
    this.#nodes.addHandlers({ add: enqueue, update: (_, n) => enqueue(n) });
    const byNode = (p: Readonly<KubeObject>): void => {
      const node = (p.spec as { nodeName?: string } | undefined)?.nodeName;
      if (node) this.#queue.add(node);
    };
    this.#pods.addHandlers({ add: byNode, update: (_, p) => byNode(p) });
  }

  start(): void {
    this.#workers = runWorkers(
      this.#queue,
      1,
      (name) => this.#sync(name),
      (name, err) => this.#log('node lifecycle sync failed', { node: name, error: String(err) }),
    );
    this.#timer = setInterval(() => {
      for (const n of this.#nodes.list()) this.#queue.add(n.metadata.name ?? '');
    }, this.#period);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#queue.shutDown();
    await this.#workers;
  }

  /** The newest sign of life: the Lease's renewTime or the Ready condition's heartbeat. */
  #lastHeartbeat(node: Readonly<KubeObject>): number {
    const lease = this.#leases.get(`kube-node-lease/${node.metadata.name ?? ''}`);
    const renew = (lease?.spec as { renewTime?: string } | undefined)?.renewTime;
    const ready = conditionsOf(node).find((c) => c.type === 'Ready');
    const times = [renew, ready?.lastHeartbeatTime, node.metadata.creationTimestamp]
      .filter((t): t is string => typeof t === 'string')
      .map((t) => Date.parse(t))
      .filter((t) => !Number.isNaN(t));
    return Math.max(0, ...times);
  }

  async #sync(name: string): Promise<number | void> {
    let node = this.#nodes.get(name);
    if (!node) return;
    const now = this.#clock();
    node = await this.#markUnknown(node, now);
    node = await this.#reconcileTaints(node, now);
    return await this.#evict(node, now);
  }

  /** Past the grace period without a heartbeat: every condition becomes Unknown. */
  async #markUnknown(node: Readonly<KubeObject>, now: Date): Promise<Readonly<KubeObject>> {
    if (now.getTime() - this.#lastHeartbeat(node) <= this.#grace) return node;
    const conds = conditionsOf(node);
    const types = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];
    if (types.every((t) => conds.find((c) => c.type === t)?.status === 'Unknown')) return node;
    const ts = rfc3339(now);
    const next: Condition[] = conds.filter((c) => !types.includes(c.type));
    for (const type of types) {
      const old = conds.find((c) => c.type === type);
      next.push({
        type,
        status: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: 'Kubelet stopped posting node status.',
        lastHeartbeatTime: old?.lastHeartbeatTime ?? ts,
        lastTransitionTime: old?.status === 'Unknown' ? (old.lastTransitionTime ?? ts) : ts,
      });
    }
    const updated = await this.#client.update(
      NODES,
      { ...node, status: { ...(node.status ?? {}), conditions: next } } as KubeObject,
      'status',
    );
    void this.#events.record(
      node,
      'Normal',
      'NodeNotReady',
      `Node ${node.metadata.name ?? ''} status is now: NodeNotReady`,
    );
    await this.#markPodsNotReady(node.metadata.name ?? '', ts);
    return updated;
  }

  /** Upstream's MarkPodsNotReady: pods on an unreachable node stop counting as Ready. */
  async #markPodsNotReady(nodeName: string, ts: string): Promise<void> {
    for (const pod of this.#pods.list()) {
      if ((pod.spec as { nodeName?: string } | undefined)?.nodeName !== nodeName) continue;
      const status = (pod.status ?? {}) as Json;
      const conds = (status.conditions ?? []) as Condition[];
      if (!conds.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
      const next = conds.map((c) =>
        c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: ts } : c,
      );
      try {
        await this.#client.update(
          PODS,
          { ...pod, status: { ...status, conditions: next } } as KubeObject,
          'status',
        );
      } catch (err) {
        if (!isStatusError(err, 'Conflict') && !isStatusError(err, 'NotFound')) throw err;
      }
    }
  }

  async #reconcileTaints(node: Readonly<KubeObject>, now: Date): Promise<Readonly<KubeObject>> {
    const current = ((node.spec as { taints?: Taint[] } | undefined)?.taints ?? []) as Taint[];
    const id = (t: Pick<Taint, 'key' | 'effect'>): string => `${t.key}:${t.effect}`;
    const want = desiredTaints(node);
    const wantIds = new Set(want.map(id));
    const kept = current.filter((t) => !MANAGED.has(id(t)) || wantIds.has(id(t)));
    const have = new Set(kept.map(id));
    const added = want
      .filter((t) => !have.has(id(t)))
      .map((t) => (t.effect === 'NoExecute' ? { ...t, timeAdded: rfc3339(now) } : t));
    if (added.length === 0 && kept.length === current.length) return node;
    const taints = [...kept, ...added];
    try {
      return await this.#client.update(NODES, {
        ...node,
        spec: { ...(node.spec ?? {}), taints: taints.length > 0 ? taints : undefined },
      } as KubeObject);
    } catch (err) {
      if (isStatusError(err, 'Conflict')) {
        this.#queue.addAfter(node.metadata.name ?? '', 100);
        return node;
      }
      throw err;
    }
  }

  /** Deletes pods a NoExecute taint evicts now; returns when to look again for the others. */
  async #evict(node: Readonly<KubeObject>, now: Date): Promise<number | void> {
    const taints = ((node.spec as { taints?: Taint[] } | undefined)?.taints ?? []).filter(
      (t) => t.effect === 'NoExecute',
    );
    if (taints.length === 0) return;
    let next: number | undefined;
    for (const pod of this.#pods.list()) {
      if ((pod.spec as { nodeName?: string } | undefined)?.nodeName !== node.metadata.name)
        continue;
      if (pod.metadata.deletionTimestamp) continue;
      const at = evictionTime(pod, taints);
      if (at === undefined) continue;
      if (at > now.getTime()) {
        next = Math.min(next ?? Infinity, at - now.getTime());
        continue;
      }
      const ns = pod.metadata.namespace ?? 'default';
      void this.#events.record(
        pod,
        'Normal',
        'TaintManagerEviction',
        `Marking for deletion Pod ${ns}/${pod.metadata.name ?? ''}`,
      );
      try {
        await this.#client.delete(PODS, ns, pod.metadata.name ?? '');
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
      }
    }
    return next;
  }
}
