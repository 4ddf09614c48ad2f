// PersistentVolumes: SetDefaults_PersistentVolume (reclaim policy Retain, Filesystem mode, a
// Pending phase) and its source's defaults; a new volume's status is set by the server alone
// (Pending since now, as upstream's PrepareForCreate with PersistentVolumeLastPhaseTransitionTime);
// upstream 1.32's ValidatePersistentVolume (plus pkg/volume/validation's mount option rule) and
// ValidatePersistentVolumeUpdate, its warnings, and its status strategy (status.ts).
import { rfc3339 } from '../../../../api/duration.js';
import { quantityNanos } from '../../../../api/quantity.js';
import type { FieldError } from '../../../../api/status.js';
import type { KubeObject } from '../../../../api/types.js';
import {
  dns1123Label,
  dns1123Subdomain,
  forbidden,
  goStringResourceList,
  invalidRendered,
  invalidValue,
  notSupported,
  notSupportedRendered,
  required,
  tooLong,
  validateNodeSelector,
  validatePathNoBacksteps,
} from '../../../../api/validation.js';
import { defaultString, defaultVolumeSource, roundResourceList } from '../pods/defaults.js';
import type { Strategy } from '../../strategy.js';
import { volumeStatusStrategy } from './status.js';
import {
  BETA_NODE_LABELS,
  changedFields,
  GO_POINTER,
  isRecord,
  semantic,
  validateAccessModes,
  validateBasicResource,
  validateVolumeAttributesClassUpdate,
  VOLUME_ATTRIBUTES_CLASS,
  VOLUME_MODES,
  type Json,
} from './validation.js';
import { persistentVolumeWarnings } from './warnings.js';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** sets.List(supportedReclaimPolicy). */
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
/** sets.List(supportedHostPathTypes). */
const HOST_PATH_TYPES = [
  '',
  'BlockDevice',
  'CharDevice',
  'Directory',
  'DirectoryOrCreate',
  'File',
  'FileOrCreate',
  'Socket',
];
/** validation.InclusiveRangeError(1, 255). */
const PARTITION_RANGE = 'must be between 1 and 255, inclusive';
const MOUNT_OPTIONS_ANNOTATION = 'volume.beta.kubernetes.io/mount-options';

function validateHostPath(s: Json, at: string): FieldError[] {
  const path = str(s.path);
  if (path === '') return [required(`${at}.path`)];
  const errs = validatePathNoBacksteps(path, `${at}.path`);
  if (s.type != null && !HOST_PATH_TYPES.includes(str(s.type))) {
    errs.push(notSupported(`${at}.type`, s.type, HOST_PATH_TYPES));
  }
  return errs;
}

function validateLocal(s: Json, at: string): FieldError[] {
  const path = str(s.path);
  if (path === '') return [required(`${at}.path`)];
  return validatePathNoBacksteps(path, `${at}.path`);
}

function validatePartitioned(s: Json, at: string, idField: string): FieldError[] {
  const errs: FieldError[] = [];
  if (str(s[idField]) === '') errs.push(required(`${at}.${idField}`));
  const p = num(s.partition);
  if (p < 0 || p > 255) errs.push(invalidValue(`${at}.partition`, p, PARTITION_RANGE));
  return errs;
}

function validateNfs(s: Json, at: string): FieldError[] {
  const errs: FieldError[] = [];
  const path = str(s.path);
  if (str(s.server) === '') errs.push(required(`${at}.server`));
  if (path === '') errs.push(required(`${at}.path`));
  if (!path.startsWith('/'))
    errs.push(invalidValue(`${at}.path`, path, 'must be an absolute path'));
  return errs;
}

function validateGlusterfs(s: Json, at: string): FieldError[] {
  const errs: FieldError[] = [];
  if (str(s.endpoints) === '') errs.push(required(`${at}.endpoints`));
  if (str(s.path) === '') errs.push(required(`${at}.path`));
  if (s.endpointsNamespace != null) {
    const ns = str(s.endpointsNamespace);
    if (ns === '') {
      errs.push(
        invalidValue(
          `${at}.endpointsNamespace`,
          ns,
          'if the endpointnamespace is set, it must be a valid namespace name',
        ),
      );
    } else {
      for (const e of dns1123Label(ns)) errs.push(invalidValue(`${at}.endpointsNamespace`, ns, e));
    }
  }
  return errs;
}

function validateFlocker(s: Json, at: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(s.datasetName);
  const uuid = str(s.datasetUUID);
  if (name === '' && uuid === '') {
    errs.push(required(at, 'one of datasetName and datasetUUID is required'));
  }
  if (name !== '' && uuid !== '') {
    errs.push(
      invalidValue(
        at,
        'resource',
        'datasetName and datasetUUID can not be specified simultaneously',
      ),
    );
  }
  if (name.includes('/'))
    errs.push(invalidValue(`${at}.datasetName`, name, "must not contain '/'"));
  return errs;
}

function validateFc(s: Json, at: string): FieldError[] {
  const errs: FieldError[] = [];
  const wwns = Array.isArray(s.targetWWNs) ? s.targetWWNs : [];
  const wwids = Array.isArray(s.wwids) ? s.wwids : [];
  if (wwns.length < 1 && wwids.length < 1) {
    errs.push(
      required(`${at}.targetWWNs`, 'must specify either targetWWNs or wwids, but not both'),
    );
  }
  if (wwns.length !== 0 && wwids.length !== 0) {
    errs.push(
      invalidRendered(
        `${at}.targetWWNs`,
        `[]string{${wwns.map((w) => JSON.stringify(String(w))).join(', ')}}`,
        'targetWWNs and wwids can not be specified simultaneously',
      ),
    );
  }
  if (wwns.length !== 0) {
    if (s.lun == null)
      errs.push(required(`${at}.lun`, 'lun is required if targetWWNs is specified'));
    else if (num(s.lun) < 0 || num(s.lun) > 255) {
      errs.push(invalidValue(`${at}.lun`, s.lun, 'must be between 0 and 255, inclusive'));
    }
  }
  return errs;
}

/** Sources whose validation is only fields that must be set, in upstream's order. */
function requireFields(...fields: string[]): (s: Json, at: string) => FieldError[] {
  return (s, at) => fields.filter((f) => str(s[f]) === '').map((f) => required(`${at}.${f}`));
}

function validateAzureFile(s: Json, at: string): FieldError[] {
  const errs = requireFields('secretName', 'shareName')(s, at);
  if (s.secretNamespace != null && str(s.secretNamespace) === '') {
    errs.push(required(`${at}.secretNamespace`));
  }
  return errs;
}

function validateStorageOs(s: Json, at: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(s.volumeName);
  if (name === '') errs.push(required(`${at}.volumeName`));
  else for (const e of dns1123Label(name)) errs.push(invalidValue(`${at}.volumeName`, name, e));
  const ns = str(s.volumeNamespace);
  if (ns !== '') {
    for (const e of dns1123Label(ns)) errs.push(invalidValue(`${at}.volumeNamespace`, ns, e));
  }
  if (isRecord(s.secretRef)) {
    if (str(s.secretRef.name) === '') errs.push(required(`${at}.secretRef.name`));
    if (str(s.secretRef.namespace) === '') errs.push(required(`${at}.secretRef.namespace`));
  }
  return errs;
}

/** validatePVSecretReference. */
function validateSecretReference(ref: Json, at: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(ref.name);
  if (name === '') errs.push(required(`${at}.name`));
  else for (const e of dns1123Subdomain(name)) errs.push(invalidValue(`${at}.name`, name, e));
  const ns = str(ref.namespace);
  if (ns === '') errs.push(required(`${at}.namespace`));
  else for (const e of dns1123Label(ns)) errs.push(invalidValue(`${at}.namespace`, ns, e));
  return errs;
}

function validateCsi(s: Json, at: string): FieldError[] {
  const errs: FieldError[] = [];
  // ValidateCSIDriverName.
  const driver = str(s.driver);
  if (driver === '') errs.push(required(`${at}.driver`));
  if (driver.length > 63) errs.push(tooLong(`${at}.driver`, 63));
  for (const e of dns1123Subdomain(driver.toLowerCase())) {
    errs.push(invalidValue(`${at}.driver`, driver, e));
  }
  if (str(s.volumeHandle) === '') errs.push(required(`${at}.volumeHandle`));
  for (const ref of [
    'controllerPublishSecretRef',
    'controllerExpandSecretRef',
    'nodePublishSecretRef',
    'nodeExpandSecretRef',
  ]) {
    const r = s[ref];
    if (isRecord(r)) errs.push(...validateSecretReference(r, `${at}.${ref}`));
  }
  return errs;
}

type SourceCheck = (s: Json, at: string) => FieldError[];
const none: SourceCheck = () => [];

/**
 * The volume sources in ValidatePersistentVolumeSpec's order: [key, path upstream validates the
 * source under, path of the "more than 1" error, check]. flexVolume never counts as a second one.
 * rbd, quobyte, cephfs, iscsi, cinder, flexVolume and azureDisk are counted but their fields are
 * not checked.
 */
const SOURCES: [string, string, string, SourceCheck][] = [
  ['hostPath', 'hostPath', 'hostPath', validateHostPath],
  [
    'gcePersistentDisk',
    'persistentDisk',
    'gcePersistentDisk',
    (s, at) => validatePartitioned(s, at, 'pdName'),
  ],
  [
    'awsElasticBlockStore',
    'awsElasticBlockStore',
    'awsElasticBlockStore',
    (s, at) => validatePartitioned(s, at, 'volumeID'),
  ],
  ['glusterfs', 'glusterfs', 'glusterfs', validateGlusterfs],
  ['flocker', 'flocker', 'flocker', validateFlocker],
  ['nfs', 'nfs', 'nfs', validateNfs],
  ['rbd', 'rbd', 'rbd', none],
  ['quobyte', 'quobyte', 'quobyte', none],
  ['cephfs', 'cephfs', 'cephFS', none],
  ['iscsi', 'iscsi', 'iscsi', none],
  ['cinder', 'cinder', 'cinder', none],
  ['fc', 'fc', 'fc', validateFc],
  ['flexVolume', 'flexVolume', '', none],
  ['azureFile', 'azureFile', 'azureFile', validateAzureFile],
  ['vsphereVolume', 'vsphereVolume', 'vsphereVolume', requireFields('volumePath')],
  ['photonPersistentDisk', 'photonPersistentDisk', 'photonPersistentDisk', requireFields('pdID')],
  ['portworxVolume', 'portworxVolume', 'portworxVolume', requireFields('volumeID')],
  ['azureDisk', 'azureDisk', 'azureDisk', none],
  ['scaleIO', 'scaleIO', 'scaleIO', requireFields('gateway', 'system', 'volumeName')],
  ['local', 'local', 'local', validateLocal],
  ['storageos', 'storageos', 'storageos', validateStorageOs],
  ['csi', 'csi', 'csi', validateCsi],
];
const SOURCE_KEYS = SOURCES.map(([k]) => k);

/** Upstream's ValidatePersistentVolumeSpec at `spec` (not inline), in its order. */
function validateVolumeSpec(spec: Json, volumeAttributesClass: boolean): FieldError[] {
  const modes = validateAccessModes(spec.accessModes, 'spec.accessModes', '');
  const errs = [...modes.required, ...modes.modes];
  const capacity = isRecord(spec.capacity) ? spec.capacity : undefined;
  const names = Object.keys(capacity ?? {});
  if (names.length === 0) errs.push(required('spec.capacity'));
  if (!names.includes('storage') || names.length > 1) {
    errs.push(
      notSupportedRendered('spec.capacity', goStringResourceList(spec.capacity), ['storage']),
    );
  }
  for (const name of names) {
    const q = str(capacity?.[name]);
    const at = `spec.capacity[${name}]`;
    let nanos = 0n;
    try {
      nanos = quantityNanos(q);
    } catch {
      // The decoder refuses what is no quantity.
    }
    // validateBasicResource, then ValidatePositiveQuantityValue.
    errs.push(...validateBasicResource(q, at));
    if (nanos <= 0n) errs.push(invalidValue(at, q, 'must be greater than zero'));
  }
  const policy = str(spec.persistentVolumeReclaimPolicy);
  if (policy !== '' && !RECLAIM_POLICIES.includes(policy)) {
    errs.push(notSupported('spec.persistentVolumeReclaimPolicy', policy, RECLAIM_POLICIES));
  }
  let hasNodeAffinity = false;
  if (spec.nodeAffinity != null) {
    hasNodeAffinity = true;
    const affinity = isRecord(spec.nodeAffinity) ? spec.nodeAffinity : {};
    if (affinity.required != null) {
      errs.push(...validateNodeSelector(affinity.required, 'spec.nodeAffinity.required'));
    } else {
      errs.push(required('spec.nodeAffinity.required', 'must specify required node constraints'));
    }
  }
  let count = 0;
  for (const [key, at, moreAt, check] of SOURCES) {
    const source = spec[key];
    if (source == null) continue;
    if (count > 0 && moreAt !== '') {
      errs.push(forbidden(`spec.${moreAt}`, 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    errs.push(...check(isRecord(source) ? source : {}, `spec.${at}`));
    if (key === 'local' && !hasNodeAffinity) {
      errs.push(required('spec.nodeAffinity', 'Local volume requires node affinity'));
    }
  }
  if (count === 0) errs.push(required('spec', 'must specify a volume type'));
  const hostPath = isRecord(spec.hostPath) ? str(spec.hostPath.path) : undefined;
  if (hostPath !== undefined && cleanPath(hostPath) === '/' && policy === 'Recycle') {
    errs.push(
      forbidden(
        'spec.persistentVolumeReclaimPolicy',
        "may not be 'recycle' for a hostPath mount of '/'",
      ),
    );
  }
  const cls = str(spec.storageClassName);
  if (cls !== '') {
    for (const e of dns1123Subdomain(cls)) errs.push(invalidValue('spec.storageClassName', cls, e));
  }
  if (spec.volumeMode != null && !VOLUME_MODES.includes(str(spec.volumeMode))) {
    errs.push(notSupported('spec.volumeMode', spec.volumeMode, VOLUME_MODES));
  }
  const vac = spec.volumeAttributesClassName;
  if (vac != null && volumeAttributesClass) {
    if (str(vac) === '') {
      errs.push(required('spec.volumeAttributesClassName', 'an empty string is disallowed'));
    } else {
      for (const e of dns1123Subdomain(str(vac))) {
        errs.push(invalidValue('spec.volumeAttributesClassName', vac, e));
      }
    }
    if (spec.csi == null) {
      errs.push(required('spec.csi', 'has to be specified when using volumeAttributesClassName'));
    }
  }
  return errs;
}

/** Go's path.Clean, enough to tell whether a path is the root. */
function cleanPath(p: string): string {
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  const joined = parts.join('/');
  return p.startsWith('/') ? `/${joined}` : joined || '.';
}

/** ValidatePersistentVolume plus volumevalidation.ValidatePersistentVolume (mount options). */
function validateVolume(obj: KubeObject, volumeAttributesClass: boolean): FieldError[] {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  return [...validateVolumeSpec(spec, volumeAttributesClass), ...validateMountOptions(obj, spec)];
}

/** Sources that take mount options (pkg/volume/validation's checkMountOption). */
const MOUNT_OPTION_SOURCES = [
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'glusterfs',
  'nfs',
  'rbd',
  'quobyte',
  'iscsi',
  'cinder',
  'cephfs',
  'azureFile',
  'vsphereVolume',
  'azureDisk',
  'photonPersistentDisk',
];

function validateMountOptions(obj: KubeObject, spec: Json): FieldError[] {
  if (MOUNT_OPTION_SOURCES.some((k) => spec[k] != null)) return [];
  if (obj.metadata.annotations?.[MOUNT_OPTIONS_ANNOTATION] === undefined) return [];
  return [
    forbidden(
      `metadata.annotations.${MOUNT_OPTIONS_ANNOTATION}`,
      'may not specify mount options for this volume type',
    ),
  ];
}

/** Go pointers among the volume sources' fields: their "" or 0 is not their absence. */
const SOURCE_POINTERS = new Set([
  'type',
  'lun',
  'secretNamespace',
  'endpointsNamespace',
  'initiatorName',
  'cachingMode',
  'kind',
]);
const SOURCE_MAPS = new Set(['volumeAttributes', 'options']);

/** The old affinity with each beta key renamed where the new one has its GA name instead. */
function maskBetaLabels(oldAffinity: unknown, newAffinity: unknown): unknown {
  const out = structuredClone(oldAffinity);
  const terms = (a: unknown): Json[] => {
    const req = isRecord(a) && isRecord(a.required) ? a.required : undefined;
    return Array.isArray(req?.nodeSelectorTerms) ? (req.nodeSelectorTerms as Json[]) : [];
  };
  const newTerms = terms(newAffinity);
  terms(out).forEach((term, i) => {
    for (const field of ['matchExpressions', 'matchFields']) {
      const olds = Array.isArray(term[field]) ? (term[field] as Json[]) : [];
      const news = newTerms[i]?.[field];
      olds.forEach((req, j) => {
        const renamed = Array.isArray(news) ? (news[j] as Json | undefined)?.key : undefined;
        if (
          isRecord(req) &&
          req.key !== renamed &&
          BETA_NODE_LABELS.get(str(req.key))?.ga === renamed
        ) {
          req.key = renamed;
        }
      });
    }
  });
  return out;
}

/** Go's %#v of the *core.VolumeNodeAffinity validatePvNodeAffinity reports. */
function goStringNodeAffinity(a: unknown): string {
  if (!isRecord(a)) return '"null"';
  const req =
    a.required == null ? '(*core.NodeSelector)(nil)' : `(*core.NodeSelector)(${GO_POINTER})`;
  return `core.VolumeNodeAffinity{Required:${req}}`;
}

/** ValidatePersistentVolumeUpdate's own rules, after it validates the new volume again. */
function validateVolumeUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const oldSpec = isRecord(old.spec) ? old.spec : {};
  const errs: FieldError[] = [];
  const sources = (s: Json): Json => {
    const out: Json = {};
    for (const k of SOURCE_KEYS) if (s[k] != null) out[k] = structuredClone(s[k]);
    return out;
  };
  const newSources = sources(spec);
  // A CSI volume may gain a controllerExpandSecretRef.
  const oldCsi = oldSpec.csi;
  const newCsi = newSources.csi;
  if (isRecord(oldCsi) && oldCsi.controllerExpandSecretRef == null && isRecord(newCsi)) {
    delete newCsi.controllerExpandSecretRef;
  }
  const a = (semantic(sources(oldSpec), SOURCE_POINTERS, SOURCE_MAPS) ?? {}) as Json;
  const b = (semantic(newSources, SOURCE_POINTERS, SOURCE_MAPS) ?? {}) as Json;
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    errs.push(
      forbidden(
        'spec.persistentvolumesource',
        `spec.persistentvolumesource is immutable after creation\n${changedFields(a, b)}`,
      ),
    );
  }
  if ((spec.volumeMode ?? null) !== (oldSpec.volumeMode ?? null)) {
    errs.push(
      spec.volumeMode == null
        ? invalidRendered('volumeMode', '"null"', 'field is immutable')
        : invalidValue('volumeMode', spec.volumeMode, 'field is immutable'),
    );
  }
  if (oldSpec.nodeAffinity != null) {
    const none = new Set<string>();
    const masked = semantic(maskBetaLabels(oldSpec.nodeAffinity, spec.nodeAffinity), none, none);
    const current = semantic(spec.nodeAffinity, none, none);
    if (JSON.stringify(masked) !== JSON.stringify(current)) {
      errs.push(
        invalidRendered(
          'nodeAffinity',
          goStringNodeAffinity(spec.nodeAffinity),
          'field is immutable, except for updating from beta label to GA',
        ),
      );
    }
  }
  errs.push(
    ...validateVolumeAttributesClassUpdate(
      spec.volumeAttributesClassName,
      oldSpec.volumeAttributesClassName,
      false,
    ),
  );
  return errs;
}

/** pvutil.DropDisabledSpecFields: volumeAttributesClassName only with its gate or in use. */
function dropDisabledFields(spec: unknown, oldSpec: unknown): void {
  if (!isRecord(spec) || VOLUME_ATTRIBUTES_CLASS) return;
  if (isRecord(oldSpec) && oldSpec.volumeAttributesClassName != null) return;
  delete spec.volumeAttributesClassName;
}

export const persistentVolumeStrategy: Strategy = {
  defaults(obj) {
    if (typeof obj.spec === 'object' && obj.spec !== null) {
      const spec = obj.spec as Json;
      defaultString(spec, 'persistentVolumeReclaimPolicy', 'Retain');
      spec.volumeMode ??= 'Filesystem';
      roundResourceList(spec.capacity);
      defaultVolumeSource(spec);
    }
    if (typeof obj.status !== 'object' || obj.status === null) obj.status = {};
    defaultString(obj.status as Json, 'phase', 'Pending');
  },
  prepareForCreate(obj, ctx) {
    obj.status = { phase: 'Pending', lastPhaseTransitionTime: rfc3339(ctx.now) };
    dropDisabledFields(obj.spec, undefined);
  },
  prepareForUpdate(obj, old) {
    dropDisabledFields(obj.spec, old.spec);
  },
  validateCreate(obj) {
    return validateVolume(obj, VOLUME_ATTRIBUTES_CLASS);
  },
  warningsOnCreate: persistentVolumeWarnings,
  warningsOnUpdate: persistentVolumeWarnings,
  status: volumeStatusStrategy,
  // The registry validates the new volume, then ValidatePersistentVolumeUpdate validates it again
  // before its own rules: those errors come twice in the causes (once in the message).
  validateUpdate(obj, old) {
    const oldSpec = isRecord(old.spec) ? old.spec : {};
    const vac = VOLUME_ATTRIBUTES_CLASS || oldSpec.volumeAttributesClassName != null;
    const errs = validateVolume(obj, vac);
    const spec = validateVolumeSpec(isRecord(obj.spec) ? obj.spec : {}, vac);
    return [...errs, ...spec, ...validateVolumeUpdate(obj, old)];
  },
};
