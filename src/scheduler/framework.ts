// The scheduler's plugin contract (after kube-scheduler's framework, much reduced): each filter
// plugin answers for one node whether the pod fits, and if not, why, in upstream's words; the
// reasons of all nodes are summed into the FailedScheduling message.
import type { KubeObject } from '../api/types.js';

export type Code = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable';

export interface FilterResult {
  code: Code;
  /** e.g. "node(s) were unschedulable", "node(s) had untolerated taint {key: value}". */
  reason?: string;
}

export interface NodeInfo {
  node: Readonly<KubeObject>;
  /** Pods bound to the node and not finished. */
  pods: Readonly<KubeObject>[];
}

export interface FilterPlugin {
  name: string;
  filter(pod: Readonly<KubeObject>, node: NodeInfo): FilterResult;
}

export const SUCCESS: FilterResult = { code: 'Success' };
