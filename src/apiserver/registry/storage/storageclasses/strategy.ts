// StorageClasses (storage.k8s.io/v1): SetDefaults_StorageClass (reclaim policy Delete, binding
// mode Immediate), upstream 1.32's ValidateStorageClass, and ValidateStorageClassUpdate (the
// provisioner, parameters, reclaim policy and binding mode never change).
import type { FieldError } from '../../../../api/status.js';
import {
  duplicate,
  forbidden,
  invalidValue,
  notSupported,
  qualifiedName,
  required,
  tooLong,
  utf8Length,
  validateTopologySelectorTerm,
} from '../../../../api/validation.js';
import type { Strategy } from '../../strategy.js';

type Json = Record<string, unknown>;

const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;
/** sets.List of the supported values. */
const RECLAIM_POLICIES = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];

const isRecord = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Semantic equality of two topology terms as key → value sets. */
function sameTerm(a: Map<string, Set<string>>, b: Map<string, Set<string>>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, values] of a) {
    const other = b.get(k);
    if (!other || other.size !== values.size) return false;
    for (const v of values) if (!other.has(v)) return false;
  }
  return true;
}

function validateAllowedTopologies(topologies: unknown): FieldError[] {
  if (!Array.isArray(topologies) || topologies.length === 0) return [];
  const errs: FieldError[] = [];
  // Upstream makes its list of seen terms with one empty term per entry before appending, so an
  // empty term is reported as a duplicate of each of them.
  const seen: Map<string, Set<string>>[] = topologies.map(() => new Map());
  topologies.forEach((term: unknown, i) => {
    const [byKey, termErrs] = validateTopologySelectorTerm(term, `allowedTopologies[${i}]`);
    errs.push(...termErrs);
    for (const other of seen) {
      if (sameTerm(byKey, other)) {
        errs.push(duplicate(`allowedTopologies[${i}].matchLabelExpressions`, ''));
      }
    }
    seen.push(byKey);
  });
  return errs;
}

function validateParameters(params: unknown): FieldError[] {
  if (!isRecord(params)) return [];
  const entries = Object.entries(params);
  if (entries.length > MAX_PARAMETERS) return [tooLong('parameters', MAX_PARAMETERS)];
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of entries) {
    if (k === '') errs.push(invalidValue('parameters', k, 'field can not be empty.'));
    size += utf8Length(k) + utf8Length(typeof v === 'string' ? v : '');
  }
  if (size > MAX_PARAMETERS_SIZE) errs.push(tooLong('parameters', MAX_PARAMETERS_SIZE));
  return errs;
}

/** reflect.DeepEqual of two map[string]string: a nil map is not an empty one. */
function sameParameters(a: unknown, b: unknown): boolean {
  if (!isRecord(a) || !isRecord(b)) return !isRecord(a) && !isRecord(b);
  const ka = Object.keys(a);
  return (
    ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k])
  );
}

export const storageClassStrategy: Strategy = {
  defaults(obj) {
    obj.reclaimPolicy ??= 'Delete';
    obj.volumeBindingMode ??= 'Immediate';
  },
  validate(obj) {
    const errs: FieldError[] = [];
    const provisioner = typeof obj.provisioner === 'string' ? obj.provisioner : '';
    if (provisioner === '') errs.push(required('provisioner'));
    else {
      const lower = provisioner.toLowerCase();
      for (const e of qualifiedName(lower)) errs.push(invalidValue('provisioner', lower, e));
    }
    errs.push(...validateParameters(obj.parameters));
    const policy = typeof obj.reclaimPolicy === 'string' ? obj.reclaimPolicy : '';
    if (policy !== '' && !RECLAIM_POLICIES.includes(policy)) {
      errs.push(notSupported('reclaimPolicy', policy, RECLAIM_POLICIES));
    }
    if (obj.volumeBindingMode == null) errs.push(required('volumeBindingMode'));
    else if (!BINDING_MODES.includes(String(obj.volumeBindingMode))) {
      errs.push(notSupported('volumeBindingMode', obj.volumeBindingMode, BINDING_MODES));
    }
    errs.push(...validateAllowedTopologies(obj.allowedTopologies));
    return errs;
  },
  validateUpdate(obj, old) {
    const errs: FieldError[] = [];
    if (!sameParameters(old.parameters, obj.parameters)) {
      errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
    }
    if (obj.provisioner !== old.provisioner) {
      errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
    }
    if (obj.reclaimPolicy !== old.reclaimPolicy) {
      errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
    }
    if (obj.volumeBindingMode !== old.volumeBindingMode) {
      errs.push(invalidValue('volumeBindingMode', obj.volumeBindingMode, 'field is immutable'));
    }
    return errs;
  },
};
