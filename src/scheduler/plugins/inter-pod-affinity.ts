import { fromLabelSelector } from '../../api/labels.js';
import type { KubeObject } from '../../api/types.js';
import type { CycleState, FilterPlugin, NodeInfo, ScorePlugin } from '../framework.js';
import { normalize, SUCCESS } from '../framework.js';

export interface AffinityTerm {
  labelSelector?: Record<string, unknown>;
  namespaces?: string[];
  topologyKey: string;
}

interface WeightedTerm {
  weight: number;
  podAffinityTerm: AffinityTerm;
}

interface PodAffinitySpec {
  requiredDuringSchedulingIgnoredDuringExecution?: AffinityTerm[];
  preferredDuringSchedulingIgnoredDuringExecution?: WeightedTerm[];
}

function affinity(pod: Readonly<KubeObject>): {
  podAffinity?: PodAffinitySpec;
  podAntiAffinity?: PodAffinitySpec;
} {
  return ((pod.spec as { affinity?: object } | undefined)?.affinity ?? {}) as {
    podAffinity?: PodAffinitySpec;
    podAntiAffinity?: PodAffinitySpec;
  };
}

/** Whether `other` is selected by `term` of a pod in namespace `ns` (namespaces default to it). */
export function termMatches(term: AffinityTerm, ns: string, other: Readonly<KubeObject>): boolean {
  const namespaces = term.namespaces && term.namespaces.length > 0 ? term.namespaces : [ns];
  if (!namespaces.includes(other.metadata.namespace ?? 'default')) return false;
  if (!term.labelSelector) return false;
  return fromLabelSelector(term.labelSelector).matches(other.metadata.labels ?? {});
}

function domain(info: NodeInfo, key: string): string | undefined {
  return info.node.metadata.labels?.[key];
}

/** Pods in the same topology domain as `node` (same value of the term's topologyKey). */
function podsInDomain(
  nodes: readonly NodeInfo[],
  node: NodeInfo,
  key: string,
): Readonly<KubeObject>[] {
  const value = domain(node, key);
  if (value === undefined) return [];
  return nodes.filter((n) => domain(n, key) === value).flatMap((n) => n.pods);
}

interface AntiAffinityHolder {
  info: NodeInfo;
  pod: Readonly<KubeObject>;
  terms: AffinityTerm[];
}

/** The pods with required anti-affinity terms, found once per scheduling cycle. */
const holders = new WeakMap<CycleState, AntiAffinityHolder[]>();
function existingAntiAffinity(state: CycleState): AntiAffinityHolder[] {
  let found = holders.get(state);
  if (!found) {
    found = [];
    for (const info of state.nodes) {
      for (const pod of info.podsWithRequiredAntiAffinity ?? info.pods) {
        const terms = affinity(pod).podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
        if (terms && terms.length > 0) found.push({ info, pod, terms });
      }
    }
    holders.set(state, found);
  }
  return found;
}

/** InterPodAffinity (required terms): affinity, anti-affinity, and existing pods' anti-affinity. */
export const interPodAffinity: FilterPlugin = {
  name: 'InterPodAffinity',
  filter(pod, node, state) {
    const ns = pod.metadata.namespace ?? 'default';
    const { podAffinity, podAntiAffinity } = affinity(pod);
    // Existing pods whose required anti-affinity selects this pod, in this node's domain.
    for (const { info, pod: other, terms } of existingAntiAffinity(state)) {
      for (const t of terms) {
        const v = domain(info, t.topologyKey);
        if (v === undefined || domain(node, t.topologyKey) !== v) continue;
        if (termMatches(t, other.metadata.namespace ?? 'default', pod)) {
          return {
            code: 'Unschedulable',
            reason: "node(s) didn't satisfy existing pods anti-affinity rules",
          };
        }
      }
    }
    if (!podAffinity && !podAntiAffinity) return SUCCESS;
    for (const t of podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      if (podsInDomain(state.nodes, node, t.topologyKey).some((p) => termMatches(t, ns, p))) {
        return { code: 'Unschedulable', reason: "node(s) didn't match pod anti-affinity rules" };
      }
    }
    for (const t of podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      if (domain(node, t.topologyKey) === undefined) {
        return {
          code: 'UnschedulableAndUnresolvable',
          reason: "node(s) didn't match pod affinity rules",
        };
      }
      if (podsInDomain(state.nodes, node, t.topologyKey).some((p) => termMatches(t, ns, p)))
        continue;
      // Upstream lets the first pod of a group in when nothing matches anywhere yet and the pod
      // matches its own term, so a group can start.
      const anyMatch = state.nodes.some((n) => n.pods.some((p) => termMatches(t, ns, p)));
      if (!anyMatch && termMatches(t, ns, pod)) continue;
      return {
        code: 'UnschedulableAndUnresolvable',
        reason: "node(s) didn't match pod affinity rules",
      };
    }
    return SUCCESS;
  },
};

/** Preferred pod affinity adds, preferred anti-affinity subtracts, the weight of each satisfied term. */
export const interPodAffinityScore: ScorePlugin = {
  name: 'InterPodAffinity',
  weight: 2,
  score(pod, nodes, state) {
    const ns = pod.metadata.namespace ?? 'default';
    const { podAffinity, podAntiAffinity } = affinity(pod);
    const pref = podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const anti = podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    if (pref.length + anti.length === 0) return nodes.map(() => 0);
    const raw = nodes.map((node) => {
      let s = 0;
      for (const w of pref) {
        const t = w.podAffinityTerm;
        s +=
          w.weight *
          podsInDomain(state.nodes, node, t.topologyKey).filter((p) => termMatches(t, ns, p))
            .length;
      }
      for (const w of anti) {
        const t = w.podAffinityTerm;
        s -=
          w.weight *
          podsInDomain(state.nodes, node, t.topologyKey).filter((p) => termMatches(t, ns, p))
            .length;
      }
      return s;
    });
    const min = Math.min(...raw);
    return normalize(raw.map((r) => r - min));
  },
};
