import { memoryBytes, milliCpu } from '../../api/quantity.js';
import type { KubeObject } from '../../api/types.js';
import type { FilterPlugin, NodeInfo, Requested, ScorePlugin } from '../framework.js';
import { SUCCESS } from '../framework.js';

type Resources = { requests?: Record<string, string> };
type Containers = Array<{ resources?: Resources }> | undefined;

function sum(cs: Containers, nonZero: boolean): Requested {
  let cpu = 0;
  let memory = 0;
  for (const c of cs ?? []) {
    const r = c.resources?.requests ?? {};
    // Scoring counts a container without requests as 100m and 200 MB (upstream's non-zero
    // defaults) so that such pods still spread; fitting counts what was asked.
    cpu += r.cpu !== undefined ? milliCpu(r.cpu) : nonZero ? 100 : 0;
    memory += r.memory !== undefined ? memoryBytes(r.memory) : nonZero ? 200 * 1024 * 1024 : 0;
  }
  return { cpu, memory };
}

const cached = [new WeakMap<object, Requested>(), new WeakMap<object, Requested>()];

/**
 * Upstream's pod request: the larger of the containers' sum and any one init container. Cached
 * per pod object (cached objects are never mutated).
 */
export function podRequests(pod: Readonly<KubeObject>, nonZero = false): Requested {
  const cache = cached[nonZero ? 1 : 0] as WeakMap<object, Requested>;
  let r = cache.get(pod);
  if (!r) {
    r = computeRequests(pod, nonZero);
    cache.set(pod, r);
  }
  return r;
}

function computeRequests(pod: Readonly<KubeObject>, nonZero: boolean): Requested {
  const spec = (pod.spec ?? {}) as { containers?: Containers; initContainers?: Containers };
  const r = sum(spec.containers, nonZero);
  for (const c of spec.initContainers ?? []) {
    const i = sum([c], nonZero);
    r.cpu = Math.max(r.cpu, i.cpu);
    r.memory = Math.max(r.memory, i.memory);
  }
  return r;
}

type Allocatable = { cpu: number; memory: number; pods: number };
const allocatables = new WeakMap<object, Allocatable>();

/** The node's allocatable resources, parsed once per node object (cached objects never change). */
function allocatable(node: Readonly<KubeObject>): Allocatable {
  let r = allocatables.get(node);
  if (!r) {
    const a =
      (node.status as { allocatable?: Record<string, string> } | undefined)?.allocatable ?? {};
    r = {
      cpu: milliCpu(a.cpu),
      memory: a.memory ? memoryBytes(a.memory) : 0,
      pods: Number(a.pods ?? '110'),
    };
    allocatables.set(node, r);
  }
  return r;
}

/** Requests of the pods on a node plus this pod must fit the node's allocatable cpu, memory, pods. */
export const nodeResourcesFit: FilterPlugin = {
  name: 'NodeResourcesFit',
  filter(pod, { node, pods, requested }) {
    const alloc = allocatable(node);
    if (pods.length + 1 > alloc.pods) return { code: 'Unschedulable', reason: 'Too many pods' };
    const want = podRequests(pod);
    if (want.cpu > 0 && requested.cpu + want.cpu > alloc.cpu)
      return { code: 'Unschedulable', reason: 'Insufficient cpu' };
    if (want.memory > 0 && requested.memory + want.memory > alloc.memory)
      return { code: 'Unschedulable', reason: 'Insufficient memory' };
    return SUCCESS;
  },
};

/** Fractions of cpu and memory the node would have in use with the pod (non-zero requests). */
function fractions(pod: Readonly<KubeObject>, info: NodeInfo): [number, number] {
  const alloc = allocatable(info.node);
  const want = podRequests(pod, true);
  const used = info.nonZeroRequested;
  const f = (u: number, a: number): number => (a > 0 ? Math.min(1, u / a) : 1);
  return [f(used.cpu + want.cpu, alloc.cpu), f(used.memory + want.memory, alloc.memory)];
}

/** NodeResourcesFit's LeastAllocated strategy: emptier nodes score higher. */
export const leastAllocated: ScorePlugin = {
  name: 'NodeResourcesFit',
  weight: 1,
  score(pod, nodes) {
    return nodes.map((n) => {
      const [cpu, mem] = fractions(pod, n);
      return Math.floor(((1 - cpu) * 100 + (1 - mem) * 100) / 2);
    });
  },
};

/** NodeResourcesBalancedAllocation: nodes whose cpu and memory use stay even score higher. */
export const balancedAllocation: ScorePlugin = {
  name: 'NodeResourcesBalancedAllocation',
  weight: 1,
  score(pod, nodes) {
    return nodes.map((n) => {
      const [cpu, mem] = fractions(pod, n);
      // Standard deviation of the two fractions is half their distance.
      return Math.floor((1 - Math.abs(cpu - mem) / 2) * 100);
    });
  },
};
