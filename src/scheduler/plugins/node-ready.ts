import type { FilterPlugin } from '../framework.js';
import { SUCCESS } from '../framework.js';

/** Only nodes whose Ready condition is True take pods. */
export const nodeReady: FilterPlugin = {
  name: 'NodeReady',
  filter(_pod, { node }) {
    const conditions =
      (node.status as { conditions?: Array<{ type: string; status: string }> } | undefined)
        ?.conditions ?? [];
    if (conditions.some((c) => c.type === 'Ready' && c.status === 'True')) return SUCCESS;
    return { code: 'UnschedulableAndUnresolvable', reason: 'node(s) were not ready' };
  },
};
