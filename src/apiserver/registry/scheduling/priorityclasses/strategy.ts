// PriorityClasses (scheduling.k8s.io/v1): upstream's validation, the Priority admission plugin's
// one-global-default rule, and the two built-in system classes that exist from start-up and may
// not be deleted. The classes are few, so the checks read them straight from the store.
import { forbiddenObject, type FieldError } from '../../../../api/status.js';
import type { KubeObject } from '../../../../api/types.js';
import { forbidden, invalidValue, notSupported } from '../../../../api/validation.js';
import type { Strategy } from '../../strategy.js';

const GR = { group: 'scheduling.k8s.io', resource: 'priorityclasses' };
export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';
/** Values above this are reserved for the system classes. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
export const PREEMPTION_POLICIES = ['Never', 'PreemptLowerPriority'] as const;

/** The classes every cluster has (created by the API server at start-up, as upstream's). */
export const SYSTEM_PRIORITY_CLASSES: readonly KubeObject[] = [
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'system-node-critical' },
    value: SYSTEM_CRITICAL_PRIORITY + 1000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'system-cluster-critical' },
    value: SYSTEM_CRITICAL_PRIORITY,
    description:
      'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

/** Upstream's IsKnownSystemPriorityClass: undefined when it is one, else why not. */
function systemClassProblem(
  name: string,
  value: unknown,
  globalDefault: boolean,
): string | undefined {
  const known = SYSTEM_PRIORITY_CLASSES.find((c) => c.metadata.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if (known.value !== value) return `value of ${name} PriorityClass must be ${String(known.value)}`;
  if (globalDefault) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}

function isInt32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31;
}

/**
 * The global default class: the one marked globalDefault, the lowest value winning should a race
 * have left two (upstream's getDefaultPriorityClass).
 */
export function defaultPriorityClass(classes: readonly KubeObject[]): KubeObject | undefined {
  let best: KubeObject | undefined;
  for (const c of classes) {
    if (c.globalDefault !== true) continue;
    if (!best || (best.value as number) > (c.value as number)) best = c;
  }
  return best;
}

export function priorityClassStrategy(listClasses: () => readonly KubeObject[]): Strategy {
  const checkDefault = (obj: KubeObject, update: boolean): void => {
    if (obj.globalDefault !== true) return;
    const current = defaultPriorityClass(listClasses());
    if (current && (!update || current.metadata.name !== obj.metadata.name)) {
      throw forbiddenObject(
        GR,
        obj.metadata.name ?? '',
        `PriorityClass ${current.metadata.name ?? ''} is already marked as default. Only one default can exist`,
      );
    }
  };
  return {
    defaults(obj) {
      obj.preemptionPolicy ??= 'PreemptLowerPriority';
    },
    prepareForCreate(obj) {
      checkDefault(obj, false);
    },
    prepareForUpdate(obj) {
      checkDefault(obj, true);
    },
    validate(obj): FieldError[] {
      const errs: FieldError[] = [];
      const name = obj.metadata.name ?? '';
      if (!isInt32(obj.value)) {
        errs.push(invalidValue('value', obj.value, 'must be a 32-bit integer'));
      } else if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
        const problem = systemClassProblem(name, obj.value, obj.globalDefault === true);
        if (problem) {
          errs.push(
            forbidden(
              'metadata.name',
              `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${problem}`,
            ),
          );
        }
      } else if (obj.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
        errs.push(
          forbidden(
            'value',
            `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`,
          ),
        );
      }
      if (obj.globalDefault !== undefined && typeof obj.globalDefault !== 'boolean') {
        errs.push(invalidValue('globalDefault', obj.globalDefault, 'must be a boolean'));
      }
      const policy = obj.preemptionPolicy;
      if (
        typeof policy !== 'string' ||
        !(PREEMPTION_POLICIES as readonly string[]).includes(policy)
      ) {
        errs.push(notSupported('preemptionPolicy', policy, PREEMPTION_POLICIES));
      }
      return errs;
    },
    validateUpdate(obj, old): FieldError[] {
      const errs: FieldError[] = [];
      if (obj.value !== old.value)
        errs.push(forbidden('value', 'may not be changed in an update.'));
      if (obj.preemptionPolicy !== old.preemptionPolicy) {
        errs.push(invalidValue('preemptionPolicy', obj.preemptionPolicy, 'field is immutable'));
      }
      return errs;
    },
    validateDelete(obj) {
      if (SYSTEM_PRIORITY_CLASSES.some((c) => c.metadata.name === obj.metadata.name)) {
        throw forbiddenObject(
          GR,
          obj.metadata.name ?? '',
          'this is a system priority class and cannot be deleted',
        );
      }
    },
  };
}
