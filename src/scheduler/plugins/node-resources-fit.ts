import type { KubeObject } from '../../api/types.js';
import type { FilterPlugin } from '../framework.js';
import { SUCCESS } from '../framework.js';

/** CPU in millicores from a quantity such as 250m, 1, 0.5. */
export function milliCpu(q: string | undefined): number {
  if (!q) return 0;
  return q.endsWith('m') ? Number(q.slice(0, -1)) : Math.round(Number(q) * 1000);
}

/** Bytes from a memory quantity such as 128Mi, 1G, 1e9. */
export function bytes(q: string | undefined): number {
  if (!q) return 0;
  const m = /^([0-9.]+(?:e[0-9]+)?)([A-Za-z]*)$/.exec(q);
  const units: Record<string, number> = {
    '': 1,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  return m ? Number(m[1]) * (units[m[2] ?? ''] ?? NaN) : NaN;
}

function requests(pod: Readonly<KubeObject>): { cpu: number; memory: number } {
  const cs =
    (
      pod.spec as
        { containers?: Array<{ resources?: { requests?: Record<string, string> } }> } | undefined
    )?.containers ?? [];
  return cs.reduce(
    (acc, c) => ({
      cpu: acc.cpu + milliCpu(c.resources?.requests?.cpu),
      memory: acc.memory + bytes(c.resources?.requests?.memory),
    }),
    { cpu: 0, memory: 0 },
  );
}

/** Requests of the pods on a node plus this pod must fit the node's allocatable cpu, memory, pods. */
export const nodeResourcesFit: FilterPlugin = {
  name: 'NodeResourcesFit',
  filter(pod, { node, pods }) {
    const alloc =
      (node.status as { allocatable?: Record<string, string> } | undefined)?.allocatable ?? {};
    if (pods.length + 1 > Number(alloc.pods ?? '110'))
      return { code: 'Unschedulable', reason: 'Too many pods' };
    const want = requests(pod);
    const used = pods
      .map(requests)
      .reduce((a, b) => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory }), {
        cpu: 0,
        memory: 0,
      });
    if (want.cpu > 0 && used.cpu + want.cpu > milliCpu(alloc.cpu))
      return { code: 'Unschedulable', reason: 'Insufficient cpu' };
    if (want.memory > 0 && used.memory + want.memory > bytes(alloc.memory))
      return { code: 'Unschedulable', reason: 'Insufficient memory' };
    return SUCCESS;
  },
};
