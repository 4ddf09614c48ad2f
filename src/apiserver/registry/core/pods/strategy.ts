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
  validateCreate(obj) {
    const ephemeral = ((obj.spec ?? {}) as Json).ephemeralContainers;
    return Array.isArray(ephemeral) && ephemeral.length > 0
      ? [forbidden('spec.ephemeralContainers', 'cannot be set on create')]
      : [];
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
  partialSubresources: {
    ephemeralcontainers: {
      // Upstream's dropNonEphemeralContainerUpdates: the stored pod with the new list.
      prepareForUpdate(obj, old) {
        const list = ((obj.spec ?? {}) as Json).ephemeralContainers;
        const spec = { ...((old.spec ?? {}) as Json) };
        if (Array.isArray(list) && list.length > 0) spec.ephemeralContainers = list;
        else delete spec.ephemeralContainers;
        return { ...old, spec };
      },
      validateUpdate(obj, old) {
        return [
          ...validatePodSpec(obj.spec, 'spec'),
          ...ephemeralContainersChanges(obj.spec as Json, old.spec as Json),
        ];
      },
    },
  },
};

/**
 * Upstream's ValidatePodEphemeralContainersUpdate, part 2: ephemeral containers may be added, never
 * removed or changed. (Upstream appends go-cmp's diff to the "changed" text, a format go-cmp keeps
 * deliberately unstable; kbox lists the changed fields instead.)
 */
function ephemeralContainersChanges(spec: Json, oldSpec: Json): FieldError[] {
  const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
  const byName = new Map(list(spec.ephemeralContainers).map((c) => [String(c.name), c]));
  const errs: FieldError[] = [];
  for (const old of list(oldSpec.ephemeralContainers)) {
    const name = String(old.name);
    const cur = byName.get(name);
    if (cur === undefined) {
      errs.push(
        forbidden(
          'spec.ephemeralContainers',
          `existing ephemeral containers "${name}" may not be removed\n`,
        ),
      );
      continue;
    }
    const a = semantic(old);
    const b = semantic(cur);
    const changed = [...new Set([...Object.keys(a), ...Object.keys(b)])]
      .sort()
      .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
    if (changed.length > 0) {
      const diff = changed
        .map(
          (k) =>
            `- ${k}: ${JSON.stringify(a[k] ?? null)}\n+ ${k}: ${JSON.stringify(b[k] ?? null)}\n`,
        )
        .join('');
      errs.push(
        forbidden(
          `spec.ephemeralContainers[${name}]`,
          `existing ephemeral containers "${name}" may not be changed\n${diff}`,
        ),
      );
    }
  }
  return errs;
}

/** A container as Go compares it: zero values and absent fields alike, keys in a fixed order. */
function semantic(v: unknown): Json {
  const norm = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.length === 0 ? undefined : x.map(norm);
    if (typeof x === 'object' && x !== null) {
      const out: Json = {};
      for (const k of Object.keys(x).sort()) {
        const n = norm((x as Json)[k]);
        if (n !== undefined) out[k] = n;
      }
      return Object.keys(out).length === 0 ? undefined : out;
    }
    return x === false || x === '' || x === null ? undefined : x;
  };
  return (norm(v) ?? {}) as Json;
}
