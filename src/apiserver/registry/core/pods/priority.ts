// The Priority admission plugin for pods (after plugin/pkg/admission/priority): on create,
// spec.priorityClassName resolves to spec.priority and spec.preemptionPolicy; a pod without one
// gets the global default class (or priority 0). A client may not pick its own priority: a value
// that disagrees with the class is refused, as upstream does. Later updates cannot change either
// field (pod spec immutability covers them).
import { forbiddenObject } from '../../../../api/status.js';
import type { KubeObject } from '../../../../api/types.js';
import { defaultPriorityClass } from '../../scheduling/priorityclasses/strategy.js';
import type { Strategy } from '../../strategy.js';

type Json = Record<string, unknown>;

export interface PriorityClassLookup {
  get(name: string): KubeObject | undefined;
  list(): readonly KubeObject[];
}

const PODS = { group: '', resource: 'pods' };

export function admitPodPriority(pod: KubeObject, classes: PriorityClassLookup): void {
  if (typeof pod.spec !== 'object' || pod.spec === null) return;
  const spec = pod.spec as Json;
  const name = pod.metadata.name ?? '';
  let priority = 0;
  let policy: string | undefined;
  const className = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : '';
  if (className === '') {
    const dpc = defaultPriorityClass(classes.list());
    if (dpc) {
      spec.priorityClassName = dpc.metadata.name;
      priority = dpc.value as number;
      policy = dpc.preemptionPolicy as string | undefined;
    }
  } else {
    const pc = classes.get(className);
    if (!pc) throw forbiddenObject(PODS, name, `no PriorityClass with name ${className} was found`);
    priority = pc.value as number;
    policy = pc.preemptionPolicy as string | undefined;
  }
  if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority) {
    throw forbiddenObject(
      PODS,
      name,
      `the integer value of priority (${String(spec.priority)}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
    );
  }
  spec.priority = priority;
  if (
    spec.preemptionPolicy !== undefined &&
    spec.preemptionPolicy !== null &&
    policy !== undefined &&
    spec.preemptionPolicy !== policy
  ) {
    throw forbiddenObject(
      PODS,
      name,
      `the string value of PreemptionPolicy (${String(spec.preemptionPolicy)}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`,
    );
  }
  if (policy !== undefined) spec.preemptionPolicy = policy;
  else spec.preemptionPolicy ??= 'PreemptLowerPriority';
}

/** The pod strategy with Priority admission on create. */
export function withPriorityAdmission(base: Strategy, classes: PriorityClassLookup): Strategy {
  return {
    ...base,
    prepareForCreate(obj, ctx) {
      admitPodPriority(obj, classes);
      return base.prepareForCreate?.(obj, ctx);
    },
  };
}
