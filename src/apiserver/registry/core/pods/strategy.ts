// Pods: defaults, a Pending status on create, validation, and upstream's limits on spec updates.
import type { FieldError } from '../../../../api/status.js';
import type { KubeObject } from '../../../../api/types.js';
import { forbidden } from '../../../../api/validation.js';
import type { Strategy } from '../../strategy.js';
import { sortedJson } from '../../store.js';
import { canonicalQuantity } from '../../../../api/quantity.js';
import { defaultPodOnly, defaultPodSpec, validatePodSpec } from './defaults.js';

type Json = Record<string, unknown>;

/** Guaranteed when every container has equal cpu and memory requests and limits, etc. */
export function qosClass(spec: Json): string {
  const containers = [
    ...((spec.containers as Json[] | undefined) ?? []),
    ...((spec.initContainers as Json[] | undefined) ?? []),
  ];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const res = (c.resources ?? {}) as { requests?: Json; limits?: Json };
    const limits = res.limits ?? {};
    const requests = { ...limits, ...(res.requests ?? {}) };
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) any = true;
    for (const r of ['cpu', 'memory']) {
      if (limits[r] === undefined || requests[r] !== limits[r]) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** The spec fields a pod update may change (upstream ValidatePodUpdate). */
function mutableView(spec: Json): string {
  const copy = structuredClone(spec);
  // Pods stored before a default was added, or before quantities were stored in canonical form,
  // compare as if they had been (upstream defaults what it reads back from storage too).
  defaultPodOnly(copy);
  defaultPodSpec(copy);
  for (const list of ['containers', 'initContainers']) {
    const cs = copy[list];
    if (!Array.isArray(cs)) continue;
    for (const c of cs as Json[]) {
      delete c.image;
      const resources = (c.resources ?? {}) as Record<string, unknown>;
      for (const side of ['requests', 'limits']) {
        const m = resources[side];
        if (typeof m !== 'object' || m === null) continue;
        for (const [k, v] of Object.entries(m as Record<string, unknown>)) {
          if (typeof v === 'string') (m as Record<string, unknown>)[k] = canonicalQuantity(v) ?? v;
        }
      }
    }
  }
  delete copy.activeDeadlineSeconds;
  delete copy.tolerations;
  delete copy.terminationGracePeriodSeconds;
  // Binding sets nodeName once; the scheduler may set it through the binding subresource.
  delete copy.nodeName;
  return sortedJson(copy);
}

/**
 * The DefaultTolerationSeconds admission plugin: every new pod tolerates a not-ready or
 * unreachable node for 300 s (then the node lifecycle controller evicts it), unless it already
 * says how it tolerates them.
 */
function addDefaultTolerations(spec: Json): void {
  const tolerations = (Array.isArray(spec.tolerations) ? spec.tolerations : []) as Json[];
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    const covered = tolerations.some(
      (t) =>
        (t.operator === 'Exists' && !t.key && (!t.effect || t.effect === 'NoExecute')) ||
        (t.key === key && (!t.effect || t.effect === 'NoExecute')),
    );
    if (!covered) {
      tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
    }
  }
  spec.tolerations = tolerations;
}

export const podStrategy: Strategy = {
  defaults(obj) {
    const spec = (obj.spec ?? {}) as Json;
    if (typeof obj.spec === 'object' && obj.spec !== null) {
      defaultPodOnly(spec);
      defaultPodSpec(spec);
    }
  },
  prepareForCreate(obj) {
    obj.status = { phase: 'Pending', qosClass: qosClass((obj.spec ?? {}) as Json) };
    if (typeof obj.spec === 'object' && obj.spec !== null) addDefaultTolerations(obj.spec as Json);
  },
  validate(obj: KubeObject): FieldError[] {
    return validatePodSpec(obj.spec, 'spec');
  },
  validateUpdate(obj, old) {
    const spec = (obj.spec ?? {}) as Json;
    const oldSpec = (old.spec ?? {}) as Json;
    const errs: FieldError[] = [];
    if (mutableView(spec) !== mutableView(oldSpec)) {
      errs.push(
        forbidden(
          'spec',
          'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
        ),
      );
    }
    if (oldSpec.nodeName && spec.nodeName !== oldSpec.nodeName) {
      errs.push(
        forbidden('spec.nodeName', 'pod updates may not change the node a pod is bound to'),
      );
    }
    return errs;
  },
};
