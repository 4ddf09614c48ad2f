import type { FilterPlugin } from '../framework.js';
import { SUCCESS } from '../framework.js';

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

/** spec.nodeSelector and requiredDuringSchedulingIgnoredDuringExecution node selector terms. */
export const nodeAffinity: FilterPlugin = {
  name: 'NodeAffinity',
  filter(pod, { node }) {
    const labels = node.metadata.labels ?? {};
    const spec = (pod.spec ?? {}) as {
      nodeSelector?: Record<string, string>;
      affinity?: {
        nodeAffinity?: {
          requiredDuringSchedulingIgnoredDuringExecution?: {
            nodeSelectorTerms?: Array<{ matchExpressions?: Requirement[] }>;
          };
        };
      };
    };
    const fail = {
      code: 'UnschedulableAndUnresolvable' as const,
      reason: "node(s) didn't match Pod's node affinity/selector",
    };
    for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return fail;
    const terms =
      spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
        ?.nodeSelectorTerms;
    if (
      terms &&
      terms.length > 0 &&
      !terms.some((t) => (t.matchExpressions ?? []).every((r) => requirementMatches(r, labels)))
    ) {
      return fail;
    }
    return SUCCESS;
  },
};
