// The status subresource of PersistentVolumeClaims, after upstream 1.32's
// persistentvolumeclaimStatusStrategy: the stored spec stays, status fields of disabled gates are
// dropped unless the claim has them (pvcutil.DropDisabledFieldsFromStatus), and
// ValidatePersistentVolumeClaimStatusUpdate checks capacities and the expansion state.
import type { FieldError } from '../../../../api/status.js';
import type { KubeObject } from '../../../../api/types.js';
import { invalidValue, notSupported, qualifiedName, required } from '../../../../api/validation.js';
import {
  isRecord,
  RECOVER_VOLUME_EXPANSION_FAILURE,
  validateBasicResource,
  VOLUME_ATTRIBUTES_CLASS,
  type Json,
} from '../persistentvolumes/validation.js';
import type { StatusUpdateStrategy } from '../../strategy.js';

/** sets.List(resizeStatusSet): the states of an expansion, sorted. */
const RESIZE_STATUSES = [
  'ControllerResizeInProgress',
  'ControllerResizeInfeasible',
  'NodeResizeInProgress',
  'NodeResizeInfeasible',
  'NodeResizePending',
];

const statusOf = (obj: KubeObject): Json => (isRecord(obj.status) ? obj.status : {});
const entries = (v: unknown): [string, unknown][] => (isRecord(v) ? Object.entries(v) : []);

/** Status fields that exist only with a gate: kept while off only when the claim has them. */
const GATED_FIELDS: [boolean, string[]][] = [
  [VOLUME_ATTRIBUTES_CLASS, ['currentVolumeAttributesClassName', 'modifyVolumeStatus']],
  [RECOVER_VOLUME_EXPANSION_FAILURE, ['allocatedResources', 'allocatedResourceStatuses']],
];

/**
 * validatePersistentVolumeClaimResourceKey: a qualified name, and of the names Kubernetes owns
 * (no prefix, or a kubernetes.io one) only storage. Errors are at `field`, not at the key.
 */
function validateResourceKey(key: string, field: string): FieldError[] {
  const errs = qualifiedName(key).map((e) => invalidValue(field, key, e));
  if (errs.length > 0) return errs;
  const native = !key.includes('/') || key.includes('kubernetes.io/');
  return native && key !== 'storage' ? [notSupported(field, key, ['storage'])] : [];
}

/**
 * ValidatePersistentVolumeClaimStatusUpdate after the metadata rules (the generic store keeps the
 * stored metadata, resourceVersion included), map entries in the object's order where Go ranges
 * over a map.
 */
function validateStatusUpdate(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isRecord(obj.spec) ? obj.spec : {};
  if (!Array.isArray(spec.accessModes) || spec.accessModes.length === 0) {
    errs.push(required('Spec.accessModes'));
  }
  const status = statusOf(obj);
  for (const [name, q] of entries(status.capacity)) {
    errs.push(...validateBasicResource(q, `status.capacity[${name}]`));
  }
  if (!RECOVER_VOLUME_EXPANSION_FAILURE) return errs;
  // Upstream's path, singular, and the resource name as the unsupported value.
  const statusesAt = 'status.allocatedResourceStatus';
  for (const [name, state] of entries(status.allocatedResourceStatuses)) {
    errs.push(...validateResourceKey(name, statusesAt));
    if (!RESIZE_STATUSES.includes(String(state))) {
      errs.push(notSupported(statusesAt, name, RESIZE_STATUSES));
    }
  }
  const allocatedAt = 'status.allocatedResources';
  for (const [name, q] of entries(status.allocatedResources)) {
    const keyErrs = validateResourceKey(name, allocatedAt);
    // ValidateResourceQuantityValue(storage) after it adds nothing: storage is no integer
    // resource, and a quantity validateBasicResource passes is not negative.
    errs.push(
      ...(keyErrs.length > 0 ? keyErrs : validateBasicResource(q, `${allocatedAt}[${name}]`)),
    );
  }
  return errs;
}

export const claimStatusStrategy: StatusUpdateStrategy = {
  prepareForUpdate(obj, old) {
    const status = statusOf(obj);
    const oldStatus = statusOf(old);
    for (const [enabled, fields] of GATED_FIELDS) {
      if (enabled) continue;
      for (const f of fields) if (oldStatus[f] == null) delete status[f];
    }
  },
  validateUpdate: validateStatusUpdate,
};
