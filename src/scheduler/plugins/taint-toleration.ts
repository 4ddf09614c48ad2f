import { tolerationMatches, type Taint, type Toleration } from '../../api/node-selection.js';
import type { KubeObject } from '../../api/types.js';
import type { FilterPlugin, ScorePlugin } from '../framework.js';
import { normalize, SUCCESS } from '../framework.js';

export function tolerates(pod: Readonly<KubeObject>, taint: Taint): boolean {
  const tolerations = (pod.spec as { tolerations?: Toleration[] } | undefined)?.tolerations ?? [];
  return tolerations.some((t) => tolerationMatches(t, taint));
}

/** NoSchedule and NoExecute taints keep pods away unless tolerated. */
export const taintToleration: FilterPlugin = {
  name: 'TaintToleration',
  filter(pod, { node }) {
    const taints = ((node.spec as { taints?: Taint[] } | undefined)?.taints ?? []).filter(
      (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute',
    );
    const bad = taints.find((t) => !tolerates(pod, t));
    if (!bad) return SUCCESS;
    return {
      code: 'UnschedulableAndUnresolvable',
      reason: `node(s) had untolerated taint {${bad.key}: ${bad.value ?? ''}}`,
    };
  },
};

/** PreferNoSchedule taints the pod does not tolerate count against a node. */
export const taintTolerationScore: ScorePlugin = {
  name: 'TaintToleration',
  weight: 3,
  score(pod, nodes) {
    return normalize(
      nodes.map(
        (n) =>
          ((n.node.spec as { taints?: Taint[] } | undefined)?.taints ?? []).filter(
            (t) => t.effect === 'PreferNoSchedule' && !tolerates(pod, t),
          ).length,
      ),
      true,
    );
  },
};
