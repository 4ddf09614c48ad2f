import type { FilterPlugin } from '../framework.js';
import { SUCCESS } from '../framework.js';
import { tolerates } from './taint-toleration.js';

/** Cordoned nodes (spec.unschedulable) take no new pods unless the pod tolerates that taint. */
export const nodeUnschedulable: FilterPlugin = {
  name: 'NodeUnschedulable',
  filter(pod, { node }) {
    if ((node.spec as { unschedulable?: boolean } | undefined)?.unschedulable !== true)
      return SUCCESS;
    const taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
    if (tolerates(pod, taint)) return SUCCESS;
    return { code: 'UnschedulableAndUnresolvable', reason: 'node(s) were unschedulable' };
  },
};
