// PersistentVolumeClaims: SetDefaults_PersistentVolumeClaim(Spec) (Filesystem mode, a Pending
// phase), a status set by the server alone, the DefaultStorageClass admission plugin (a new
// claim that names no class (storageClassName absent, not "") gets the default StorageClass, the
// newest one should several be marked default), and upstream 1.32's ValidatePersistentVolumeClaim
// and ValidatePersistentVolumeClaimUpdate with the registry strategy's field dropping, its
// warnings, and its status strategy (status.ts).
import { quantityNanos } from '../../../../api/quantity.js';
import type { FieldError } from '../../../../api/status.js';
import type { KubeObject } from '../../../../api/types.js';
import {
  dns1123Label,
  dns1123Subdomain,
  forbidden,
  invalidRendered,
  invalidValue,
  notSupported,
  required,
  validateLabelSelector,
} from '../../../../api/validation.js';
import { defaultClaimSpec, defaultString } from '../pods/defaults.js';
import {
  BETA_CLASS_ANNOTATION,
  changedFields,
  CROSS_NAMESPACE_VOLUME_DATA_SOURCE,
  GO_POINTER,
  RECOVER_VOLUME_EXPANSION_FAILURE,
  semantic,
  validateAccessModes,
  validateVolumeAttributesClassUpdate,
  VOLUME_ATTRIBUTES_CLASS,
  VOLUME_MODES,
  type Json,
} from '../persistentvolumes/validation.js';
import { persistentVolumeClaimWarnings } from '../persistentvolumes/warnings.js';
import type { Strategy } from '../../strategy.js';
import { claimStatusStrategy } from './status.js';

const DEFAULT_CLASS_ANNOTATIONS = [
  'storageclass.kubernetes.io/is-default-class',
  'storageclass.beta.kubernetes.io/is-default-class',
];

/** Upstream's GetDefaultClass: the newest default class, by name when created together. */
export function defaultStorageClass(
  classes: readonly Readonly<KubeObject>[],
): Readonly<KubeObject> | undefined {
  const defaults = classes.filter((c) =>
    DEFAULT_CLASS_ANNOTATIONS.some((a) => c.metadata.annotations?.[a] === 'true'),
  );
  defaults.sort((a, b) => {
    const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
    const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
    if (ta !== tb) return tb - ta;
    return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
  });
  return defaults[0];
}

const isRecord = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A reference's apiGroup, kind and name, without the fields the other form has not. */
function localRef(ref: Json): Json {
  const out: Json = {};
  if (ref.apiGroup != null) out.apiGroup = ref.apiGroup;
  out.kind = ref.kind;
  out.name = ref.name;
  return out;
}

/**
 * pvcutil.NormalizeDataSources (AnyVolumeDataSource): dataSource and dataSourceRef mirror each
 * other when only one is given (a dataSourceRef to another namespace has no dataSource form).
 */
function normalizeDataSources(spec: Json): void {
  if (isRecord(spec.dataSource) && spec.dataSourceRef == null) {
    spec.dataSourceRef = localRef(spec.dataSource);
  } else if (isRecord(spec.dataSourceRef) && spec.dataSource == null) {
    const ns = spec.dataSourceRef.namespace;
    if (ns == null || ns === '') spec.dataSource = localRef(spec.dataSourceRef);
  }
}

/** Whether a claim spec's dataSource or dataSourceRef is set (pvcutil's dataSource(Ref)InUse). */
const inUse = (spec: Json | undefined, key: string): boolean => isRecord(spec?.[key]);

/** dataSourceIsPvcOrSnapshot: the two data source kinds any claim may name. */
function isPvcOrSnapshot(ds: Json): boolean {
  const group = str(ds.apiGroup);
  return (
    (group === '' && ds.kind === 'PersistentVolumeClaim') ||
    (group === 'snapshot.storage.k8s.io' && ds.kind === 'VolumeSnapshot')
  );
}

/**
 * pvcutil.DropDisabledFields and EnforceDataSourceBackwardsCompatibility with 1.32's gates:
 * volumeAttributesClassName and a dataSourceRef to another namespace are dropped unless the old
 * claim has them; a dataSource that is neither a claim nor a VolumeSnapshot is dropped unless the
 * old claim has a dataSource.
 */
function dropDisabledFields(spec: Json, oldSpec: Json | undefined): void {
  if (!VOLUME_ATTRIBUTES_CLASS && oldSpec?.volumeAttributesClassName == null) {
    delete spec.volumeAttributesClassName;
  }
  const ref = spec.dataSourceRef;
  if (
    !CROSS_NAMESPACE_VOLUME_DATA_SOURCE &&
    !inUse(oldSpec, 'dataSourceRef') &&
    isRecord(ref) &&
    str(ref.namespace) !== ''
  ) {
    delete spec.dataSourceRef;
  }
  if (inUse(oldSpec, 'dataSource')) return;
  if (isRecord(spec.dataSource) && !isPvcOrSnapshot(spec.dataSource)) delete spec.dataSource;
}

interface ClaimOptions {
  allowInvalidAPIGroup: boolean;
  allowInvalidLabelValue: boolean;
  volumeAttributesClass: boolean;
}

const CREATE_OPTIONS: ClaimOptions = {
  allowInvalidAPIGroup: false,
  allowInvalidLabelValue: false,
  volumeAttributesClass: VOLUME_ATTRIBUTES_CLASS,
};

/** ValidationOptionsForPersistentVolumeClaim: what an old claim already has stays allowed. */
function updateOptions(oldSpec: Json): ClaimOptions {
  const hasGroup = (k: string): boolean => {
    const ds = oldSpec[k];
    return isRecord(ds) && ds.apiGroup != null;
  };
  return {
    allowInvalidAPIGroup: hasGroup('dataSource') || hasGroup('dataSourceRef'),
    allowInvalidLabelValue: validateLabelSelector(oldSpec.selector, 'spec.selector').length > 0,
    volumeAttributesClass: VOLUME_ATTRIBUTES_CLASS || oldSpec.volumeAttributesClassName != null,
  };
}

/** validateDataSource and validateDataSourceRef. */
function validateDataSource(ds: Json, field: string, opts: ClaimOptions): FieldError[] {
  const errs: FieldError[] = [];
  const kind = str(ds.kind);
  if (str(ds.name) === '') errs.push(required(`${field}.name`));
  if (kind === '') errs.push(required(`${field}.kind`));
  const group = str(ds.apiGroup);
  if (group === '' && kind !== 'PersistentVolumeClaim') {
    errs.push(
      invalidValue(
        field,
        kind,
        "must be 'PersistentVolumeClaim' when referencing the default apiGroup",
      ),
    );
  }
  if (group !== '' && !opts.allowInvalidAPIGroup) {
    for (const e of dns1123Subdomain(group)) errs.push(invalidValue(`${field}.apiGroup`, group, e));
  }
  const ns = str(ds.namespace);
  if (field.endsWith('dataSourceRef') && ns !== '') {
    for (const e of dns1123Label(ns)) errs.push(invalidValue(`${field}.namespace`, ns, e));
  }
  return errs;
}

/**
 * Go's %#v of the *field.Path upstream passes as the value of the dataSource/dataSourceRef
 * mismatch errors (its parent pointer printed as an address).
 */
const DATA_SOURCE_PATH = `field.Path{name:"dataSource", index:"", parent:(*field.Path)(${GO_POINTER})}`;

/** Upstream's ValidatePersistentVolumeClaimSpec at `spec`, in its order. */
export function validateClaimSpec(spec: Json, opts: ClaimOptions): FieldError[] {
  const modes = validateAccessModes(
    spec.accessModes,
    'spec.accessModes',
    'at least 1 access mode is required',
  );
  const errs: FieldError[] = [...modes.required];
  if (spec.selector != null) {
    let selectorErrs = validateLabelSelector(spec.selector, 'spec.selector');
    if (opts.allowInvalidLabelValue) {
      selectorErrs = selectorErrs.filter((e) => !/\.values\[\d+\]$/.test(e.field));
    }
    errs.push(...selectorErrs);
  }
  errs.push(...modes.modes);
  const requests =
    isRecord(spec.resources) && isRecord(spec.resources.requests) ? spec.resources.requests : {};
  const storagePath = 'spec.resources[storage]';
  if (!Object.hasOwn(requests, 'storage') || requests.storage == null) {
    errs.push(required(storagePath));
  } else {
    const q = str(requests.storage);
    let nanos = 0n;
    try {
      nanos = quantityNanos(q);
    } catch {
      // The decoder refuses what is no quantity.
    }
    if (nanos <= 0n) errs.push(invalidValue(storagePath, q, 'must be greater than zero'));
  }
  const cls = str(spec.storageClassName);
  if (cls !== '') {
    for (const e of dns1123Subdomain(cls)) errs.push(invalidValue('spec.storageClassName', cls, e));
  }
  if (spec.volumeMode != null && !VOLUME_MODES.includes(str(spec.volumeMode))) {
    errs.push(notSupported('spec.volumeMode', spec.volumeMode, VOLUME_MODES));
  }
  const ds = isRecord(spec.dataSource) ? spec.dataSource : undefined;
  const ref = isRecord(spec.dataSourceRef) ? spec.dataSourceRef : undefined;
  if (ds) errs.push(...validateDataSource(ds, 'spec.dataSource', opts));
  if (ref) errs.push(...validateDataSource(ref, 'spec.dataSourceRef', opts));
  if (ref && str(ref.namespace) !== '') {
    if (ds) {
      errs.push(
        invalidRendered(
          'spec',
          DATA_SOURCE_PATH,
          'may not be specified when dataSourceRef.namespace is specified',
        ),
      );
    }
  } else if (ds && ref) {
    // isDataSourceEqualDataSourceRef: the apiGroup pointers, then kind and name.
    if (
      (ds.apiGroup ?? null) !== (ref.apiGroup ?? null) ||
      ds.kind !== ref.kind ||
      ds.name !== ref.name
    ) {
      errs.push(invalidRendered('spec', DATA_SOURCE_PATH, 'must match dataSourceRef'));
    }
  }
  const vac = spec.volumeAttributesClassName;
  if (typeof vac === 'string' && vac !== '' && opts.volumeAttributesClass) {
    for (const e of dns1123Subdomain(vac)) {
      errs.push(invalidValue('spec.volumeAttributesClassName', vac, e));
    }
  }
  return errs;
}

const BETA_CLASS_ANNOTATION_PATH = `metadata.annotations.${BETA_CLASS_ANNOTATION}`;

/** Go pointers of a claim spec: their "" is not their absence. */
const CLAIM_POINTERS = new Set([
  'storageClassName',
  'volumeMode',
  'apiGroup',
  'namespace',
  'volumeAttributesClassName',
]);
const CLAIM_MAPS = new Set(['requests', 'limits', 'matchLabels']);

/** Upstream's ValidatePersistentVolumeClaimUpdate after ValidatePersistentVolumeClaim. */
function validateClaimUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const spec = obj.spec as Json;
  const oldSpec = isRecord(old.spec) ? old.spec : {};
  const errs: FieldError[] = [];
  const newClone = structuredClone(spec);
  const oldClone = structuredClone(oldSpec);
  // The PV controller sets volumeName once.
  if (str(oldSpec.volumeName) === '') {
    if (newClone.volumeName === undefined) delete oldClone.volumeName;
    else oldClone.volumeName = newClone.volumeName;
  }
  const oldAnn = old.metadata.annotations ?? {};
  const newAnn = obj.metadata.annotations ?? {};
  const oldBeta = oldAnn[BETA_CLASS_ANNOTATION];
  const newBeta = newAnn[BETA_CLASS_ANNOTATION];
  const oldClass = oldSpec.storageClassName;
  const newClass = spec.storageClassName;
  // validateStorageClassUpgradeFromAnnotation: the beta annotation's class moved into the spec.
  const fromAnnotation =
    oldBeta !== undefined &&
    oldClass == null &&
    newClass != null &&
    newClass === oldBeta &&
    (newBeta === undefined || newBeta === oldBeta);
  if (fromAnnotation) {
    delete newClone.storageClassName;
  } else {
    if ((newBeta ?? '') !== (oldBeta ?? '')) {
      errs.push(invalidValue(BETA_CLASS_ANNOTATION_PATH, newBeta ?? '', 'field is immutable'));
    }
    // validateStorageClassUpgradeFromNil: a class may be set once on a claim that had none.
    if (newClass != null && oldClass == null && (oldBeta === undefined || newClass === oldBeta)) {
      delete newClone.storageClassName;
    }
  }
  const phase = isRecord(obj.status) ? obj.status.phase : undefined;
  const requestsOf = (s: Json): Json | undefined =>
    isRecord(s.resources) && isRecord(s.resources.requests) ? s.resources.requests : undefined;
  const newRequests = requestsOf(newClone);
  if (phase === 'Bound' && newRequests !== undefined) {
    newRequests.storage = requestsOf(oldSpec)?.storage ?? '0';
  }
  if (oldClone.volumeAttributesClassName === undefined) delete newClone.volumeAttributesClassName;
  else newClone.volumeAttributesClassName = oldClone.volumeAttributesClassName;

  const a = (semantic(oldClone, CLAIM_POINTERS, CLAIM_MAPS) ?? {}) as Json;
  const b = (semantic(newClone, CLAIM_POINTERS, CLAIM_MAPS) ?? {}) as Json;
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    errs.push(
      forbidden(
        'spec',
        `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${changedFields(a, b)}`,
      ),
    );
  }
  const size = (s: Json | undefined, k: string): bigint => {
    try {
      return quantityNanos(str(s?.[k]) || '0');
    } catch {
      return 0n;
    }
  };
  const newSize = size(requestsOf(spec), 'storage');
  const oldSize = size(requestsOf(oldSpec), 'storage');
  const capacity =
    isRecord(old.status) && isRecord(old.status.capacity) ? old.status.capacity : undefined;
  if (newSize < oldSize) {
    if (!RECOVER_VOLUME_EXPANSION_FAILURE) {
      errs.push(
        forbidden('spec.resources.requests.storage', 'field can not be less than previous value'),
      );
    } else if (newSize <= size(capacity, 'storage')) {
      errs.push(
        forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'),
      );
    }
  }
  if ((spec.volumeMode ?? null) !== (oldSpec.volumeMode ?? null)) {
    errs.push(
      spec.volumeMode == null
        ? invalidRendered('volumeMode', '"null"', 'field is immutable')
        : invalidValue('volumeMode', spec.volumeMode, 'field is immutable'),
    );
  }
  errs.push(
    ...validateVolumeAttributesClassUpdate(
      spec.volumeAttributesClassName,
      oldSpec.volumeAttributesClassName,
      true,
    ),
  );
  return errs;
}

export function persistentVolumeClaimStrategy(
  listClasses: () => readonly Readonly<KubeObject>[],
): Strategy {
  return {
    defaults(obj) {
      if (typeof obj.spec !== 'object' || obj.spec === null) obj.spec = {};
      defaultClaimSpec(obj.spec);
      if (typeof obj.status !== 'object' || obj.status === null) obj.status = {};
      defaultString(obj.status as Json, 'phase', 'Pending');
    },
    prepareForCreate(obj) {
      obj.status = { phase: 'Pending' };
      const spec = obj.spec as Json;
      dropDisabledFields(spec, undefined);
      normalizeDataSources(spec);
      const annotated = obj.metadata.annotations?.[BETA_CLASS_ANNOTATION];
      if (spec.storageClassName != null || (annotated !== undefined && annotated !== '')) return;
      const cls = defaultStorageClass(listClasses());
      if (cls?.metadata.name) spec.storageClassName = cls.metadata.name;
    },
    prepareForUpdate(obj, old) {
      const spec = obj.spec as Json;
      const oldSpec = isRecord(old.spec) ? old.spec : {};
      dropDisabledFields(spec, oldSpec);
      normalizeDataSources(spec);
    },
    validateCreate(obj) {
      return validateClaimSpec(obj.spec as Json, CREATE_OPTIONS);
    },
    warningsOnCreate: persistentVolumeClaimWarnings,
    warningsOnUpdate: persistentVolumeClaimWarnings,
    status: claimStatusStrategy,
    // The registry validates the new claim, then ValidatePersistentVolumeClaimUpdate validates it
    // again before its own rules: spec errors come twice in the causes (once in the message).
    validateUpdate(obj, old) {
      const oldSpec = isRecord(old.spec) ? structuredClone(old.spec) : {};
      normalizeDataSources(oldSpec);
      const normalizedOld = { ...old, spec: oldSpec };
      const opts = updateOptions(oldSpec);
      const spec = validateClaimSpec(obj.spec as Json, opts);
      return [...spec, ...spec, ...validateClaimUpdate(obj, normalizedOld)];
    },
  };
}
