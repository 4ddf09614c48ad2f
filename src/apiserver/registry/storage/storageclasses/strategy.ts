// StorageClasses (storage.k8s.io/v1): SetDefaults_StorageClass (reclaim policy Delete, binding
// mode Immediate).
import type { Strategy } from '../../strategy.js';

export const storageClassStrategy: Strategy = {
  defaults(obj) {
    obj.reclaimPolicy ??= 'Delete';
    obj.volumeBindingMode ??= 'Immediate';
  },
};
