import {
  nodeRequirementMatches,
  podMatchesNode,
  type NodeSelectorRequirement,
} from '../../api/node-selection.js';
import type { FilterPlugin } from '../framework.js';
import { SUCCESS } from '../framework.js';

export function requirementMatches(
  r: NodeSelectorRequirement,
  labels: Record<string, string>,
): boolean {
  return nodeRequirementMatches(r, labels);
}

/**
 * spec.nodeSelector and requiredDuringSchedulingIgnoredDuringExecution node selector terms,
 * with matchExpressions on node labels and matchFields on metadata.name (DaemonSet pods).
 */
export const nodeAffinity: FilterPlugin = {
  name: 'NodeAffinity',
  filter(pod, { node }) {
    if (podMatchesNode(pod.spec, node)) return SUCCESS;
    return {
      code: 'UnschedulableAndUnresolvable',
      reason: "node(s) didn't match Pod's node affinity/selector",
    };
  },
};
