// The warnings upstream (Kubernetes 1.32) answers a valid create or update of a PersistentVolume
// or PersistentVolumeClaim with (pvutil.GetWarningsForPersistentVolume and
// pvcutil.GetWarningsForPersistentVolumeClaim): the beta storage class annotation, the Recycle
// reclaim policy, beta node labels in node affinity, volume plugins removed from Kubernetes, and
// storage sizes that are not whole bytes.
import { canonicalQuantity, quantityMilli } from '../../../../api/quantity.js';
import type { KubeObject } from '../../../../api/types.js';
import { BETA_CLASS_ANNOTATION, BETA_NODE_LABELS, isRecord, type Json } from './validation.js';

/** The volume plugins a volume may still name, the field path upstream prints, and their fate. */
const REMOVED_PLUGINS: [string, string, string][] = [
  ['cephfs', 'cephfs', 'deprecated in v1.28, non-functional in v1.31+'],
  ['photonPersistentDisk', 'photonPersistentDisk', 'deprecated in v1.11, non-functional in v1.16+'],
  ['scaleIO', 'scaleIO', 'deprecated in v1.16, non-functional in v1.22+'],
  ['storageos', 'storageOS', 'deprecated in v1.22, non-functional in v1.25+'],
  ['glusterfs', 'glusterfs', 'deprecated in v1.25, non-functional in v1.26+'],
  ['rbd', 'rbd', 'deprecated in v1.28, non-functional in v1.31+'],
];

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function betaClassWarnings(obj: KubeObject): string[] {
  const annotations = obj.metadata.annotations ?? {};
  if (!Object.hasOwn(annotations, BETA_CLASS_ANNOTATION)) return [];
  return [
    `metadata.annotations[${BETA_CLASS_ANNOTATION}]: deprecated since v1.8; use "storageClassName" attribute instead`,
  ];
}

/** nodeapi.GetWarningsForNodeSelectorTerm for each term of a volume's required node affinity. */
function nodeAffinityWarnings(affinity: unknown): string[] {
  const required = isRecord(affinity) && isRecord(affinity.required) ? affinity.required : {};
  const at = 'spec.nodeAffinity.required.nodeSelectorTerms';
  return list(required.nodeSelectorTerms).flatMap((term, i) =>
    list(isRecord(term) ? term.matchExpressions : undefined).flatMap((req, j) => {
      const key = isRecord(req) && typeof req.key === 'string' ? req.key : '';
      const label = BETA_NODE_LABELS.get(key);
      if (label === undefined) return [];
      return [
        `${at}[${i}].matchExpressions[${j}].key: ${key} is deprecated since ${label.deprecatedSince}; use "${label.ga}" instead`,
      ];
    }),
  );
}

export function persistentVolumeWarnings(obj: KubeObject): string[] {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const warnings = betaClassWarnings(obj);
  if (spec.persistentVolumeReclaimPolicy === 'Recycle') {
    warnings.push(
      'spec.persistentVolumeReclaimPolicy: The Recycle reclaim policy is deprecated. Instead, the recommended approach is to use dynamic provisioning.',
    );
  }
  warnings.push(...nodeAffinityWarnings(spec.nodeAffinity));
  for (const [key, path, fate] of REMOVED_PLUGINS) {
    if (spec[key] != null) warnings.push(`spec.${path}: ${fate}`);
  }
  return warnings;
}

/** A storage request or limit that is not a whole number of bytes (MilliValue % 1000 != 0). */
function fractionalBytes(list: unknown, at: string): string[] {
  const q = isRecord(list) ? list.storage : undefined;
  if (typeof q !== 'string') return [];
  let milli: bigint;
  try {
    milli = quantityMilli(q);
  } catch {
    return [];
  }
  if (milli % 1000n === 0n) return [];
  const shown = JSON.stringify(canonicalQuantity(q) ?? q);
  return [`${at}[storage]: fractional byte value ${shown} is invalid, must be an integer`];
}

export function persistentVolumeClaimWarnings(obj: KubeObject): string[] {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const resources: Json = isRecord(spec.resources) ? spec.resources : {};
  return [
    ...betaClassWarnings(obj),
    ...fractionalBytes(resources.requests, 'spec.resources.requests'),
    ...fractionalBytes(resources.limits, 'spec.resources.limits'),
  ];
}
