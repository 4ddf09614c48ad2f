// Which nodes a pod may go to, as the scheduler's NodeAffinity and TaintToleration filters and
// the DaemonSet controller's NodeShouldRunDaemonPod both decide it: spec.nodeSelector, required
// node affinity (matchExpressions on labels, matchFields on metadata.name), and taints.
import type { KubeObject } from './types.js';

export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export function nodeRequirementMatches(
  r: NodeSelectorRequirement,
  labels: Record<string, string>,
): boolean {
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

/**
 * A term matches when all its expressions match the node's labels and all its fields match
 * the node's fields (only metadata.name is supported, as upstream). An empty term matches
 * nothing.
 */
export function nodeSelectorTermMatches(
  term: NodeSelectorTerm,
  node: Readonly<KubeObject>,
): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  const nodeFields = { 'metadata.name': node.metadata.name ?? '' };
  return (
    exprs.every((r) => nodeRequirementMatches(r, labels)) &&
    fields.every((r) => r.key === 'metadata.name' && nodeRequirementMatches(r, nodeFields))
  );
}

/** spec.nodeSelector and requiredDuringSchedulingIgnoredDuringExecution, both must hold. */
export function podMatchesNode(podSpec: unknown, node: Readonly<KubeObject>): boolean {
  const spec = (podSpec ?? {}) as {
    nodeSelector?: Record<string, string>;
    affinity?: {
      nodeAffinity?: {
        requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] };
      };
    };
  };
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) {
    const terms = required.nodeSelectorTerms ?? [];
    if (!terms.some((t) => nodeSelectorTermMatches(t, node))) return false;
  }
  return true;
}

/** Upstream's ToleratesTaint: empty key with Exists matches every key; empty effect every effect. */
export function tolerationMatches(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== 'Exists') return false;
  if ((t.operator ?? 'Equal') === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

/** The first of the node's taints with one of `effects` that no toleration tolerates. */
export function untoleratedTaint(
  tolerations: readonly Toleration[],
  node: Readonly<KubeObject>,
  effects: readonly string[],
): Taint | undefined {
  const taints = (node.spec as { taints?: Taint[] } | undefined)?.taints ?? [];
  return taints
    .filter((t) => effects.includes(t.effect))
    .find((taint) => !tolerations.some((t) => tolerationMatches(t, taint)));
}
