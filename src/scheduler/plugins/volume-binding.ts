import type { FilterPlugin } from '../framework.js';
import { SUCCESS } from '../framework.js';

/**
 * VolumeBinding (reduced): every PVC the pod mounts must exist; an unbound claim whose class binds
 * Immediately must be bound first (WaitForFirstConsumer claims are provisioned after scheduling).
 */
export const volumeBinding: FilterPlugin = {
  name: 'VolumeBinding',
  filter(pod, _node, state) {
    const ns = pod.metadata.namespace ?? 'default';
    const volumes =
      (pod.spec as { volumes?: Array<{ persistentVolumeClaim?: { claimName?: string } }> })
        ?.volumes ?? [];
    for (const v of volumes) {
      const name = v.persistentVolumeClaim?.claimName;
      if (!name) continue;
      const claim = state.claim(ns, name);
      if (!claim) {
        return {
          code: 'UnschedulableAndUnresolvable',
          reason: `persistentvolumeclaim "${name}" not found`,
        };
      }
      if ((claim.spec as { volumeName?: string } | undefined)?.volumeName) continue;
      const className = (claim.spec as { storageClassName?: string } | undefined)?.storageClassName;
      const sc = className ? state.storageClass(className) : undefined;
      const mode = (sc as { volumeBindingMode?: string } | undefined)?.volumeBindingMode;
      if (mode !== 'WaitForFirstConsumer') {
        return {
          code: 'Unschedulable',
          reason: 'pod has unbound immediate PersistentVolumeClaims',
        };
      }
    }
    return SUCCESS;
  },
};
