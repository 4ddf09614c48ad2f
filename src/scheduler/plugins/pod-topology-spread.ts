import { fromLabelSelector } from '../../api/labels.js';
import type { KubeObject } from '../../api/types.js';
import type { CycleState, FilterPlugin, NodeInfo, ScorePlugin } from '../framework.js';
import { normalize, SUCCESS } from '../framework.js';
import { nodeAffinity } from './node-affinity.js';

interface Constraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  labelSelector?: Record<string, unknown>;
  minDomains?: number;
}

function constraints(
  pod: Readonly<KubeObject>,
  when: Constraint['whenUnsatisfiable'],
): Constraint[] {
  const all =
    (pod.spec as { topologySpreadConstraints?: Constraint[] } | undefined)
      ?.topologySpreadConstraints ?? [];
  return all.filter((c) => c.whenUnsatisfiable === when);
}

/**
 * Matching pods per domain of the constraint's key, over the nodes that count (they carry the
 * key and pass the pod's node selector and required node affinity: nodeAffinityPolicy Honor).
 */
function domainCounts(
  pod: Readonly<KubeObject>,
  c: Constraint,
  state: CycleState,
): Map<string, number> {
  const ns = pod.metadata.namespace ?? 'default';
  const selector = fromLabelSelector(c.labelSelector);
  const counts = new Map<string, number>();
  for (const n of state.nodes) {
    const value = n.node.metadata.labels?.[c.topologyKey];
    if (value === undefined) continue;
    if (nodeAffinity.filter(pod, n, state).code !== 'Success') continue;
    const matching = n.pods.filter(
      (p) =>
        (p.metadata.namespace ?? 'default') === ns &&
        !p.metadata.deletionTimestamp &&
        selector.matches(p.metadata.labels ?? {}),
    ).length;
    counts.set(value, (counts.get(value) ?? 0) + matching);
  }
  return counts;
}

/** PodTopologySpread (DoNotSchedule): placing the pod must keep each skew within maxSkew. */
export const podTopologySpread: FilterPlugin = {
  name: 'PodTopologySpread',
  filter(pod, node, state) {
    for (const c of constraints(pod, 'DoNotSchedule')) {
      const value = node.node.metadata.labels?.[c.topologyKey];
      if (value === undefined) {
        return {
          code: 'UnschedulableAndUnresolvable',
          reason: "node(s) didn't match pod topology spread constraints (missing required label)",
        };
      }
      const counts = domainCounts(pod, c, state);
      const self = fromLabelSelector(c.labelSelector).matches(pod.metadata.labels ?? {}) ? 1 : 0;
      const min =
        counts.size < (c.minDomains ?? 1)
          ? 0
          : Math.min(...counts.values(), Number.MAX_SAFE_INTEGER);
      if ((counts.get(value) ?? 0) + self - min > c.maxSkew) {
        return {
          code: 'Unschedulable',
          reason: "node(s) didn't match pod topology spread constraints",
        };
      }
    }
    return SUCCESS;
  },
};

/** PodTopologySpread (ScheduleAnyway): fewer matching pods in the node's domains scores higher. */
export const podTopologySpreadScore: ScorePlugin = {
  name: 'PodTopologySpread',
  weight: 2,
  score(pod, nodes: readonly NodeInfo[], state) {
    const cs = constraints(pod, 'ScheduleAnyway');
    if (cs.length === 0) return nodes.map(() => 0);
    const counts = cs.map((c) => domainCounts(pod, c, state));
    const raw = nodes.map((n) =>
      cs.reduce((s, c, i) => {
        const v = n.node.metadata.labels?.[c.topologyKey];
        return s + (v === undefined ? 0 : (counts[i]?.get(v) ?? 0));
      }, 0),
    );
    return normalize(raw, true);
  },
};
