// The StatefulSet's decisions, kept pure for unit tests (after upstream's updateStatefulSet):
// which ordinal to create, which pod to delete, and when to wait. OrderedReady ("monotonic")
// takes one step at a time and waits for every lower ordinal to be Running and Ready; Parallel
// creates and deletes all at once. Rolling updates replace pods from the highest ordinal down
// to the partition, one at a time, each only after the one above it is healthy again.

export interface ReplicaView {
  name: string;
  ordinal: number;
  /** The pod's controller-revision-hash label: the revision name it was made from. */
  revision: string;
  phase: string;
  /** Phase Running and the Ready condition True. */
  ready: boolean;
  /** Ready for at least minReadySeconds. */
  available: boolean;
  terminating: boolean;
}

export interface PlanInput {
  setName: string;
  replicas: number;
  /** spec.ordinals.start */
  start: number;
  monotonic: boolean;
  onDelete: boolean;
  /** spec.updateStrategy.rollingUpdate.partition, if a rollingUpdate is given */
  partition: number | undefined;
  updateRevision: string;
  pods: ReplicaView[];
}

export type Step =
  | { op: 'create'; ordinal: number; revision: 'current' | 'update' }
  | { op: 'delete'; name: string; why: 'failed' | 'scale-down' | 'update' };

/** The ordinal of a pod named SET-N, or -1 when the name is not of that form. */
export function ordinalOf(setName: string, podName: string): number {
  if (!podName.startsWith(`${setName}-`)) return -1;
  const rest = podName.slice(setName.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : -1;
}

/** newVersionedStatefulSetPod: ordinals below the partition keep the current revision. */
export function revisionFor(ordinal: number, partition: number | undefined): 'current' | 'update' {
  return partition !== undefined && ordinal < partition ? 'current' : 'update';
}

const unavailable = (p: ReplicaView | undefined): boolean =>
  !p || !p.ready || !p.available || p.terminating;

export function planStatefulSet(input: PlanInput): Step[] {
  const { replicas: count, start, monotonic } = input;
  const replicas: Array<ReplicaView | undefined> = new Array<ReplicaView | undefined>(count);
  const condemned: ReplicaView[] = [];
  for (const p of input.pods) {
    if (p.ordinal < 0) continue;
    if (p.ordinal >= start && p.ordinal < start + count) replicas[p.ordinal - start] = p;
    else condemned.push(p);
  }
  condemned.sort((a, b) => b.ordinal - a.ordinal);
  let firstUnhealthy: ReplicaView | undefined | null = null;
  for (const p of replicas) if (firstUnhealthy === null && unavailable(p)) firstUnhealthy = p;
  for (let i = condemned.length - 1; i >= 0; i--) {
    const p = condemned[i];
    if (firstUnhealthy === null && unavailable(p)) firstUnhealthy = p;
  }

  const steps: Step[] = [];
  for (let i = 0; i < count; i++) {
    const p = replicas[i];
    const ordinal = start + i;
    if (!p) {
      steps.push({ op: 'create', ordinal, revision: revisionFor(ordinal, input.partition) });
      if (monotonic) return steps;
      continue;
    }
    if (p.phase === 'Failed' || p.phase === 'Succeeded') {
      // The replacement is made on a later sync, once the old pod is gone.
      if (!p.terminating) steps.push({ op: 'delete', name: p.name, why: 'failed' });
      if (monotonic) return steps;
      continue;
    }
    if (monotonic && (p.terminating || !p.ready || !p.available)) return steps;
  }
  for (const p of condemned) {
    if (p.terminating) {
      if (monotonic) return steps;
      continue;
    }
    if (monotonic && (!p.ready || !p.available) && p !== firstUnhealthy) return steps;
    steps.push({ op: 'delete', name: p.name, why: 'scale-down' });
    if (monotonic) return steps;
  }
  if (input.onDelete) return steps;
  // Nothing else may happen in the same pass as a create or a scale-down in Parallel mode.
  if (steps.length > 0) return steps;
  const min = input.partition ?? 0;
  for (let target = count - 1; target >= min; target--) {
    const p = replicas[target];
    if (p && p.revision !== input.updateRevision && !p.terminating) {
      steps.push({ op: 'delete', name: p.name, why: 'update' });
      return steps;
    }
    if (unavailable(p)) return steps;
  }
  return steps;
}

export interface ReplicaCounts {
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
}

/** computeReplicaStatus over every pod of the set, in range or condemned. */
export function replicaCounts(
  pods: ReplicaView[],
  currentRevision: string,
  updateRevision: string,
): ReplicaCounts {
  const c = {
    replicas: 0,
    readyReplicas: 0,
    availableReplicas: 0,
    currentReplicas: 0,
    updatedReplicas: 0,
  };
  for (const p of pods) {
    if (p.phase !== '') c.replicas++;
    if (p.ready) {
      c.readyReplicas++;
      if (p.available) c.availableReplicas++;
    }
    if (p.phase !== '' && !p.terminating) {
      if (p.revision === currentRevision) c.currentReplicas++;
      if (p.revision === updateRevision) c.updatedReplicas++;
    }
  }
  return c;
}
