// Where a DaemonSet's pods belong, kept pure for unit tests (after upstream's daemon/util and
// NodeShouldRunDaemonPod): the tolerations every daemon pod gets, the node-name affinity that
// pins a pod to its node, and whether a node should run (or keep running) the daemon pod.
import { podMatchesNode, untoleratedTaint, type Toleration } from '../../api/node-selection.js';
import type { KubeObject } from '../../api/types.js';

type Json = Record<string, unknown>;

/** AddOrUpdateDaemonPodTolerations: daemons survive node trouble and cordons. */
export function daemonTolerations(podSpec: Readonly<Json>): Toleration[] {
  const extra: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (podSpec.hostNetwork === true) {
    extra.push({
      key: 'node.kubernetes.io/network-unavailable',
      operator: 'Exists',
      effect: 'NoSchedule',
    });
  }
  const out = structuredClone((podSpec.tolerations ?? []) as Toleration[]);
  for (const t of extra) {
    // AddOrUpdateTolerationInPodSpec: one with the same key, operator and effect is replaced.
    const i = out.findIndex(
      (o) =>
        (o.key ?? '') === t.key &&
        (o.operator ?? 'Equal') === t.operator &&
        (o.effect ?? '') === t.effect,
    );
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  return out;
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity selects only `node`. */
export function nodeNameAffinity(affinity: unknown, node: string): Json {
  const a = structuredClone((affinity ?? {}) as Json);
  const na = (a.nodeAffinity ?? {}) as Json;
  na.requiredDuringSchedulingIgnoredDuringExecution = {
    nodeSelectorTerms: [
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] },
    ],
  };
  a.nodeAffinity = na;
  return a;
}

/** GetTargetNodeName: spec.nodeName, or the node the matchFields affinity pins the pod to. */
export function targetNodeName(pod: Readonly<KubeObject>): string | undefined {
  const spec = (pod.spec ?? {}) as {
    nodeName?: string;
    affinity?: {
      nodeAffinity?: {
        requiredDuringSchedulingIgnoredDuringExecution?: {
          nodeSelectorTerms?: Array<{
            matchFields?: Array<{ key: string; operator: string; values?: string[] }>;
          }>;
        };
      };
    };
  };
  if (spec.nodeName) return spec.nodeName;
  const terms =
    spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
      ?.nodeSelectorTerms ?? [];
  for (const t of terms) {
    for (const f of t.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1)
        return f.values[0];
    }
  }
  return undefined;
}

/**
 * NodeShouldRunDaemonPod for the daemon pod template (with the daemon tolerations): a new pod
 * goes to nodes it matches whose NoSchedule/NoExecute taints it tolerates; an existing one stays
 * while it matches and tolerates the NoExecute taints.
 */
export function nodeShouldRunDaemonPod(
  node: Readonly<KubeObject>,
  podSpec: Readonly<Json>,
): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const nodeName = podSpec.nodeName as string | undefined;
  if (nodeName && nodeName !== node.metadata.name) {
    return { shouldRun: false, shouldContinueRunning: false };
  }
  if (!podMatchesNode(podSpec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = daemonTolerations(podSpec);
  return {
    shouldRun: !untoleratedTaint(tolerations, node, ['NoSchedule', 'NoExecute']),
    shouldContinueRunning: !untoleratedTaint(tolerations, node, ['NoExecute']),
  };
}

export interface NodePods {
  node: string;
  /** The node should run the daemon pod (desired). */
  shouldRun: boolean;
  /** Non-terminating daemon pods on the node. */
  pods: Array<{ name: string; updated: boolean; available: boolean }>;
}

/**
 * One step of a rolling update (upstream's rollingUpdate): with maxSurge 0, old pods are deleted
 * while at most maxUnavailable nodes lack an available daemon pod (unavailable old pods may
 * always go); with maxSurge, new pods start next to available old ones on up to maxSurge nodes
 * and the old one goes once the new one is available.
 */
export function rollingUpdateStep(
  nodes: NodePods[],
  maxSurge: number,
  maxUnavailable: number,
): { deletePods: string[]; createOn: string[] } {
  const deletePods: string[] = [];
  const createOn: string[] = [];
  let numUnavailable = 0;
  let numSurge = 0;
  const allowed: string[] = [];
  const candidates: string[] = [];
  for (const n of nodes) {
    if (!n.shouldRun) continue;
    const news = n.pods.filter((p) => p.updated);
    const olds = n.pods.filter((p) => !p.updated);
    if (news.length > 1 || olds.length > 1) {
      numUnavailable++; // the manage loop cleans this node up first
      continue;
    }
    const [newPod] = news;
    const [oldPod] = olds;
    if (maxSurge === 0) {
      if ((!oldPod && !newPod) || (oldPod && newPod)) numUnavailable++;
      else if (newPod) {
        if (!newPod.available) numUnavailable++;
      } else if (oldPod && !oldPod.available) allowed.push(oldPod.name);
      else if (oldPod && numUnavailable < maxUnavailable) candidates.push(oldPod.name);
    } else {
      if (!oldPod) continue;
      if (!newPod) {
        if (!oldPod.available) allowed.push(n.node);
        else if (numSurge < maxSurge) candidates.push(n.node);
      } else {
        numSurge++;
        if (newPod.available) deletePods.push(oldPod.name);
      }
    }
  }
  if (maxSurge === 0) {
    const room = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
    deletePods.push(...allowed, ...candidates.slice(0, room));
  } else {
    const room = Math.min(Math.max(0, maxSurge - numSurge), candidates.length);
    createOn.push(...allowed, ...candidates.slice(0, room));
  }
  return { deletePods, createOn };
}
