// Nodes: SetDefaults_NodeStatus (a status with capacity but no allocatable allocates it all) and
// the resource lists' rounding.
import { roundResourceList } from '../pods/defaults.js';
import type { Strategy } from '../../strategy.js';

type Json = Record<string, unknown>;

export const nodeStrategy: Strategy = {
  defaults(obj) {
    const status = obj.status as Json | undefined;
    if (typeof status !== 'object' || status === null) return;
    roundResourceList(status.capacity);
    roundResourceList(status.allocatable);
    if (
      (status.allocatable === undefined || status.allocatable === null) &&
      typeof status.capacity === 'object' &&
      status.capacity !== null
    ) {
      status.allocatable = structuredClone(status.capacity);
    }
  },
};
