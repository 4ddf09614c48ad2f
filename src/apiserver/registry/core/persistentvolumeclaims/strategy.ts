// PersistentVolumeClaims: SetDefaults_PersistentVolumeClaim(Spec) (Filesystem mode, a Pending
// phase), a status set by the server alone, and the DefaultStorageClass admission plugin: a new
// claim that names no class (storageClassName absent, not "") gets the default StorageClass,
// the newest one should several be marked default.
import type { KubeObject } from '../../../../api/types.js';
import { defaultClaimSpec, defaultString } from '../pods/defaults.js';
import type { Strategy } from '../../strategy.js';

type Json = Record<string, unknown>;

const DEFAULT_CLASS_ANNOTATIONS = [
  'storageclass.kubernetes.io/is-default-class',
  'storageclass.beta.kubernetes.io/is-default-class',
];
const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

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
      normalizeDataSources(spec);
      const annotated = obj.metadata.annotations?.[BETA_CLASS_ANNOTATION];
      if (spec.storageClassName != null || (annotated !== undefined && annotated !== '')) return;
      const cls = defaultStorageClass(listClasses());
      if (cls?.metadata.name) spec.storageClassName = cls.metadata.name;
    },
  };
}
