import type { KubeObject } from '../../api/types.js';
import type { FilterPlugin } from '../framework.js';
import { SUCCESS } from '../framework.js';

type Port = { hostPort?: number; hostIP?: string; protocol?: string };

/** The host ports a pod asks for, as protocol/ip/port triples (0.0.0.0 when no hostIP). */
export function hostPorts(pod: Readonly<KubeObject>): Array<[string, string, number]> {
  const spec = (pod.spec ?? {}) as { containers?: Array<{ ports?: Port[] }> };
  const out: Array<[string, string, number]> = [];
  for (const c of spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.hostPort && p.hostPort > 0) {
        out.push([p.protocol ?? 'TCP', p.hostIP || '0.0.0.0', p.hostPort]);
      }
    }
  }
  return out;
}

/** Two wants conflict on the same protocol and port when either binds all addresses or both the same. */
function conflicts(a: [string, string, number], b: [string, string, number]): boolean {
  return (
    a[0] === b[0] && a[2] === b[2] && (a[1] === b[1] || a[1] === '0.0.0.0' || b[1] === '0.0.0.0')
  );
}

/** NodePorts: a pod's hostPorts must be free on the node. */
export const nodePorts: FilterPlugin = {
  name: 'NodePorts',
  filter(pod, { pods }) {
    const want = hostPorts(pod);
    if (want.length === 0) return SUCCESS;
    for (const other of pods) {
      for (const used of hostPorts(other)) {
        if (want.some((w) => conflicts(w, used))) {
          return {
            code: 'Unschedulable',
            reason: "node(s) didn't have free ports for the requested pod ports",
          };
        }
      }
    }
    return SUCCESS;
  },
};
