// What PersistentVolume and PersistentVolumeClaim validation share (upstream's
// pkg/apis/core/validation, Kubernetes 1.32): access and volume modes, Go's semantic equality of
// the JSON form, and the text upstream builds from go-cmp's diff.
import { quantityValue } from '../../../../api/quantity.js';
import type { FieldError } from '../../../../api/status.js';
import { forbidden, invalidRendered, notSupported, required } from '../../../../api/validation.js';

export type Json = Record<string, unknown>;

export const isRecord = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** core.BetaStorageClassAnnotation: the storage class before storageClassName. */
export const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/** sets.List(supportedAccessModes): sorted. */
export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const VOLUME_MODES = ['Block', 'Filesystem'];

/**
 * Feature gates of 1.32 that change these kinds' validation: VolumeAttributesClass is beta but
 * off by default, RecoverVolumeExpansionFailure beta and on, CrossNamespaceVolumeDataSource alpha.
 */
export const VOLUME_ATTRIBUTES_CLASS = false;
export const RECOVER_VOLUME_EXPANSION_FAILURE = true;
export const CROSS_NAMESPACE_VOLUME_DATA_SOURCE = false;

/** validateBasicResource: a quantity whose Value() (whole units, away from zero) is negative. */
export function validateBasicResource(q: unknown, field: string): FieldError[] {
  let value: bigint;
  try {
    value = quantityValue(String(q));
  } catch {
    return []; // The decoder refuses what is no quantity.
  }
  return value < 0n
    ? [invalidRendered(field, String(value), 'must be a valid resource quantity')]
    : [];
}

/**
 * The volumeAttributesClassName rules of ValidatePersistentVolumeUpdate and
 * ValidatePersistentVolumeClaimUpdate: no change while the gate is off, and once set never back to
 * nil, nor, for a claim, to "" (upstream asks EnableVolumeAttributesClass there, which an old
 * object with a class always turns on).
 */
export function validateVolumeAttributesClassUpdate(
  value: unknown,
  old: unknown,
  emptyForbidden: boolean,
): FieldError[] {
  const at = 'spec.volumeAttributesClassName';
  if ((value ?? null) === (old ?? null)) return [];
  const errs: FieldError[] = [];
  if (!VOLUME_ATTRIBUTES_CLASS) {
    errs.push(
      forbidden(at, 'update is forbidden when the VolumeAttributesClass feature gate is disabled'),
    );
  }
  if (old == null) return errs;
  if (value == null) errs.push(forbidden(at, 'update from non-nil value to nil is forbidden'));
  else if (value === '' && emptyForbidden) {
    errs.push(forbidden(at, 'update from non-nil value to an empty string is forbidden'));
  }
  return errs;
}

/**
 * The beta node labels: a volume's node affinity may move from them to their GA names
 * (betaToGALabel), and naming them draws a warning (nodeapi's deprecatedNodeLabels).
 */
export const BETA_NODE_LABELS: ReadonlyMap<string, { ga: string; deprecatedSince: string }> =
  new Map([
    ['beta.kubernetes.io/arch', { ga: 'kubernetes.io/arch', deprecatedSince: 'v1.14' }],
    ['beta.kubernetes.io/os', { ga: 'kubernetes.io/os', deprecatedSince: 'v1.14' }],
    [
      'failure-domain.beta.kubernetes.io/region',
      { ga: 'topology.kubernetes.io/region', deprecatedSince: 'v1.17' },
    ],
    [
      'failure-domain.beta.kubernetes.io/zone',
      { ga: 'topology.kubernetes.io/zone', deprecatedSince: 'v1.17' },
    ],
    [
      'beta.kubernetes.io/instance-type',
      { ga: 'node.kubernetes.io/instance-type', deprecatedSince: 'v1.17' },
    ],
  ]);

/**
 * Go prints a pointer inside a struct as its heap address (`(*core.NodeSelector)(0xc000…)`), which
 * differs on every run; kbox prints this fixed one in its place.
 */
export const GO_POINTER = '0xc000010000';

/**
 * The access mode rules of ValidatePersistentVolumeSpec and ValidatePersistentVolumeClaimSpec:
 * at least one (the claim's Required carries a detail), known modes, ReadWriteOncePod alone.
 */
export function validateAccessModes(
  modes: unknown,
  field: string,
  requiredDetail: string,
): { required: FieldError[]; modes: FieldError[] } {
  const list = Array.isArray(modes) ? (modes as unknown[]) : [];
  const errs: FieldError[] = [];
  let rwop = false;
  let other = false;
  for (const mode of list) {
    if (!ACCESS_MODES.includes(String(mode))) {
      errs.push(notSupported(field, mode, ACCESS_MODES));
    }
    if (mode === 'ReadWriteOncePod') rwop = true;
    else if (ACCESS_MODES.includes(String(mode))) other = true;
  }
  if (rwop && other) {
    errs.push(forbidden(field, 'may not use ReadWriteOncePod with other access modes'));
  }
  return { required: list.length === 0 ? [required(field, requiredDetail)] : [], modes: errs };
}

/**
 * A value as apiequality.Semantic compares it: nulls and empty lists are absent (Go's nil and
 * empty slices and maps are equal), and so are the zero values of plain strings, numbers and
 * booleans. Keys in `pointers` are Go pointers, whose "" or 0 is not their absence, and an empty
 * object stays (a pointer to a zero struct is not nil) unless its key is in `maps`.
 */
export function semantic(
  v: unknown,
  pointers: ReadonlySet<string>,
  maps: ReadonlySet<string>,
  key = '',
): unknown {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) {
    return v.length === 0 ? undefined : v.map((x) => semantic(x, pointers, maps));
  }
  if (isRecord(v)) {
    const out: Json = {};
    for (const k of Object.keys(v).sort()) {
      const n = semantic(v[k], pointers, maps, k);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length === 0 && maps.has(key) ? undefined : out;
  }
  if (pointers.has(key)) return v;
  return v === '' || v === false || v === 0 ? undefined : v;
}

/**
 * The changed fields of two objects, one `- key: old` / `+ key: new` pair a line: what kbox
 * appends to upstream's "immutable" texts where upstream appends go-cmp's diff (a format go-cmp
 * keeps unstable on purpose).
 */
export function changedFields(oldObj: Json, newObj: Json): string {
  const keys = [...new Set([...Object.keys(oldObj), ...Object.keys(newObj)])].sort();
  return keys
    .filter((k) => JSON.stringify(oldObj[k]) !== JSON.stringify(newObj[k]))
    .map(
      (k) =>
        `- ${k}: ${JSON.stringify(oldObj[k] ?? null)}\n+ ${k}: ${JSON.stringify(newObj[k] ?? null)}\n`,
    )
    .join('');
}
