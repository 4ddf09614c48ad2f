// What PersistentVolume and PersistentVolumeClaim validation share (upstream's
// pkg/apis/core/validation, Kubernetes 1.32): access and volume modes, Go's semantic equality of
// the JSON form, and the text upstream builds from go-cmp's diff.
import type { FieldError } from '../../../../api/status.js';
import { forbidden, notSupported, required } from '../../../../api/validation.js';

export type Json = Record<string, unknown>;

export const isRecord = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

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
