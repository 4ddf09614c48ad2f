import type { KubeObject } from '../../api/types.js';
import type { FilterPlugin, ScorePlugin } from '../framework.js';
import { normalize, SUCCESS } from '../framework.js';

interface Requirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

export function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key] ?? '';
  switch (r.operator) {
    case 'In':
      return has && (r.values ?? []).includes(v);
    case 'NotIn':
      return !has || !(r.values ?? []).includes(v);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
      return has && Number(v) > Number(r.values?.[0]);
    case 'Lt':
      return has && Number(v) < Number(r.values?.[0]);
    default:
      return false;
  }
}

interface Term {
  matchExpressions?: Requirement[];
  /** Only metadata.name is a valid field (DaemonSet pods use it to pin their node). */
  matchFields?: Requirement[];
}

interface NodeAffinitySpec {
  requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: Term[] };
  preferredDuringSchedulingIgnoredDuringExecution?: Array<{ weight: number; preference: Term }>;
}

/** A node selector term: all expressions and fields must match (an empty term matches nothing). */
export function termMatches(t: Term, node: Readonly<KubeObject>): boolean {
  const exprs = t.matchExpressions ?? [];
  const fields = t.matchFields ?? [];
  if (exprs.length + fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  const nodeFields = { 'metadata.name': node.metadata.name ?? '' };
  return (
    exprs.every((r) => requirementMatches(r, labels)) &&
    fields.every((r) => requirementMatches(r, nodeFields))
  );
}

function nodeAffinitySpec(pod: Readonly<KubeObject>): NodeAffinitySpec | undefined {
  return (pod.spec as { affinity?: { nodeAffinity?: NodeAffinitySpec } } | undefined)?.affinity
    ?.nodeAffinity;
}

/** spec.nodeSelector and requiredDuringSchedulingIgnoredDuringExecution node selector terms. */
export const nodeAffinity: FilterPlugin = {
  name: 'NodeAffinity',
  filter(pod, { node }) {
    const labels = node.metadata.labels ?? {};
    const selector = (pod.spec as { nodeSelector?: Record<string, string> } | undefined)
      ?.nodeSelector;
    const fail = {
      code: 'UnschedulableAndUnresolvable' as const,
      reason: "node(s) didn't match Pod's node affinity/selector",
    };
    for (const [k, v] of Object.entries(selector ?? {})) if (labels[k] !== v) return fail;
    const terms =
      nodeAffinitySpec(pod)?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    if (terms && terms.length > 0 && !terms.some((t) => termMatches(t, node))) return fail;
    return SUCCESS;
  },
};

/** Preferred node affinity: the sum of the weights of the matching preferences. */
export const nodeAffinityScore: ScorePlugin = {
  name: 'NodeAffinity',
  weight: 2,
  score(pod, nodes) {
    const prefs = nodeAffinitySpec(pod)?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    if (prefs.length === 0) return nodes.map(() => 0);
    return normalize(
      nodes.map((n) =>
        prefs.reduce((s, p) => s + (termMatches(p.preference, n.node) ? p.weight : 0), 0),
      ),
    );
  },
};
