// persistentvolumes and persistentvolumeclaims (core/v1) and storage.k8s.io storageclasses.
// Quantities are printed as stored; upstream prints them canonicalized (Quantity.String()), which
// is the same text for the canonical forms clients normally write ("1Gi", "500Mi", "10G").

import type { KubeObject } from '../../api/types.js';
import { ageColumn, column, nameColumn, wideColumn } from './columns.js';
import { fieldDoc } from './descriptions.js';
import { parseTime, translateTimestampSince } from '../../api/duration.js';
import { optBool, optRec, optStr, rec, str } from './fields.js';
import { accessModesString } from './format.js';
import type { TablePrinter } from './table.js';

const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

const age = (obj: KubeObject, now: Date): string =>
  translateTimestampSince(obj.metadata.creationTimestamp, now);

/** A resource list's storage quantity; a missing quantity prints as Go's zero Quantity, "0". */
function storageQuantity(resources: unknown): string {
  const q = rec(resources)['storage'];
  if (typeof q === 'string' && q !== '') return q;
  if (typeof q === 'number') return String(q);
  return '0';
}

function phaseOrTerminating(obj: KubeObject): string {
  if (parseTime(obj.metadata.deletionTimestamp) !== undefined) return 'Terminating';
  return str(rec(obj['status'])['phase']) || 'Pending';
}

/** The beta storage-class annotation, when present, wins over spec.storageClassName. */
function annotatedClass(obj: KubeObject): string | undefined {
  return obj.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
}

export const persistentVolumePrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Capacity', 'string', fieldDoc['PersistentVolumeSpec.capacity']),
    column('Access Modes', 'string', fieldDoc['PersistentVolumeSpec.accessModes']),
    column(
      'Reclaim Policy',
      'string',
      fieldDoc['PersistentVolumeSpec.persistentVolumeReclaimPolicy'],
    ),
    column('Status', 'string', fieldDoc['PersistentVolumeStatus.phase']),
    column('Claim', 'string', fieldDoc['PersistentVolumeSpec.claimRef']),
    column('StorageClass', 'string', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    column('Reason', 'string', fieldDoc['PersistentVolumeStatus.reason']),
    ageColumn,
    wideColumn('VolumeMode', 'string', fieldDoc['PersistentVolumeSpec.volumeMode']),
  ],
  row(pv, now) {
    const spec = rec(pv['spec']);
    const claimRef = optRec(spec['claimRef']);
    return {
      cells: [
        pv.metadata.name ?? '',
        storageQuantity(spec['capacity']),
        accessModesString(spec['accessModes']),
        str(spec['persistentVolumeReclaimPolicy']) || 'Retain',
        phaseOrTerminating(pv),
        claimRef === undefined ? '' : `${str(claimRef['namespace'])}/${str(claimRef['name'])}`,
        annotatedClass(pv) ?? str(spec['storageClassName']),
        optStr(spec['volumeAttributesClassName']) ?? '<unset>',
        str(rec(pv['status'])['reason']),
        age(pv, now),
        str(spec['volumeMode']) || 'Filesystem',
      ],
    };
  },
};

export const persistentVolumeClaimPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Status', 'string', fieldDoc['PersistentVolumeClaimStatus.phase']),
    column('Volume', 'string', fieldDoc['PersistentVolumeClaimSpec.volumeName']),
    column('Capacity', 'string', fieldDoc['PersistentVolumeClaimStatus.capacity']),
    column('Access Modes', 'string', fieldDoc['PersistentVolumeClaimStatus.accessModes']),
    column('StorageClass', 'string', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    ageColumn,
    wideColumn('VolumeMode', 'string', fieldDoc['PersistentVolumeClaimSpec.volumeMode']),
  ],
  row(pvc, now) {
    const spec = rec(pvc['spec']);
    const status = rec(pvc['status']);
    const volumeName = str(spec['volumeName']);
    // Capacity and access modes are only meaningful once the claim is bound to a volume.
    const bound = volumeName !== '';
    return {
      cells: [
        pvc.metadata.name ?? '',
        phaseOrTerminating(pvc),
        volumeName,
        bound ? storageQuantity(status['capacity']) : '',
        bound ? accessModesString(status['accessModes']) : '',
        annotatedClass(pvc) ?? optStr(spec['storageClassName']) ?? '',
        optStr(spec['volumeAttributesClassName']) ?? '<unset>',
        age(pvc, now),
        str(spec['volumeMode']) || 'Filesystem',
      ],
    };
  },
};

function isDefaultStorageClass(obj: KubeObject): boolean {
  const a = obj.metadata.annotations ?? {};
  return (
    a['storageclass.kubernetes.io/is-default-class'] === 'true' ||
    a['storageclass.beta.kubernetes.io/is-default-class'] === 'true'
  );
}

export const storageClassPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Provisioner', 'string', fieldDoc['StorageClass.provisioner']),
    column('ReclaimPolicy', 'string', fieldDoc['StorageClass.reclaimPolicy']),
    column('VolumeBindingMode', 'string', fieldDoc['StorageClass.volumeBindingMode']),
    column('AllowVolumeExpansion', 'string', fieldDoc['StorageClass.allowVolumeExpansion']),
    ageColumn,
  ],
  row(sc, now) {
    const name = sc.metadata.name ?? '';
    return {
      cells: [
        isDefaultStorageClass(sc) ? `${name} (default)` : name,
        str(sc['provisioner']),
        optStr(sc['reclaimPolicy']) ?? 'Delete',
        optStr(sc['volumeBindingMode']) ?? 'Immediate',
        optBool(sc['allowVolumeExpansion']) ?? false,
        age(sc, now),
      ],
    };
  },
};
