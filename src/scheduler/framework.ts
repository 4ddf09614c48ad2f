// The scheduler's plugin contract (after kube-scheduler's framework, reduced): filter plugins
// answer for one node whether the pod fits, and if not, why, in upstream's words (the reasons of
// all nodes are summed into the FailedScheduling message); score plugins rank the feasible nodes
// 0..100, and their weighted sum picks the node.
import type { KubeObject } from '../api/types.js';

export type Code = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable';

export interface FilterResult {
  code: Code;
  /** e.g. "node(s) were unschedulable", "node(s) had untolerated taint {key: value}". */
  reason?: string;
}

export interface Requested {
  /** Millicores. */
  cpu: number;
  /** Bytes. */
  memory: number;
}

export interface NodeInfo {
  node: Readonly<KubeObject>;
  /** Pods bound (or assumed bound) to the node and not finished. */
  pods: readonly Readonly<KubeObject>[];
  /** Sum of the pods' resource requests. */
  requested: Requested;
  /** The same with upstream's non-zero defaults (100m, 200 MB) for containers without requests. */
  nonZeroRequested: Requested;
  /**
   * The pods with required anti-affinity terms (upstream's PodsWithRequiredAntiAffinity), kept by
   * the cache so a cycle need not scan every pod; absent means "look through `pods`".
   */
  podsWithRequiredAntiAffinity?: readonly Readonly<KubeObject>[];
}

/** What one scheduling attempt knows besides the node at hand. */
export interface CycleState {
  /** Every node with its pods: inter-pod affinity and topology spread look across nodes. */
  nodes: readonly NodeInfo[];
  /** PersistentVolumeClaims by namespace/name, for volume binding. */
  claim(namespace: string, name: string): Readonly<KubeObject> | undefined;
  /** StorageClasses by name. */
  storageClass(name: string): Readonly<KubeObject> | undefined;
  /**
   * Pods nominated to a node by an earlier preemption and not bound yet: the room their victims
   * leave is theirs, so pods of no higher priority are filtered as if they were there.
   */
  nominatedPods?(nodeName: string): readonly Readonly<KubeObject>[];
}

export interface FilterPlugin {
  name: string;
  filter(pod: Readonly<KubeObject>, node: NodeInfo, state: CycleState): FilterResult;
}

export interface ScorePlugin {
  name: string;
  weight: number;
  /** Scores for `nodes` (the feasible ones), each 0..100, in the same order. */
  score(pod: Readonly<KubeObject>, nodes: readonly NodeInfo[], state: CycleState): number[];
}

export const SUCCESS: FilterResult = { code: 'Success' };

/** Scales raw scores so the best node gets 100 (upstream's DefaultNormalizeScore). */
export function normalize(raw: number[], reverse = false): number[] {
  const max = Math.max(0, ...raw);
  if (max === 0) return raw.map(() => (reverse ? 100 : 0));
  return raw.map((r) => {
    const s = Math.floor((r * 100) / max);
    return reverse ? 100 - s : s;
  });
}
