// PersistentVolumes: SetDefaults_PersistentVolume (reclaim policy Retain, Filesystem mode, a
// Pending phase) and its source's defaults; a new volume's status is set by the server alone
// (Pending since now, as upstream's PrepareForCreate with PersistentVolumeLastPhaseTransitionTime).
import { rfc3339 } from '../../../../api/duration.js';
import { defaultString, defaultVolumeSource, roundResourceList } from '../pods/defaults.js';
import type { Strategy } from '../../strategy.js';

type Json = Record<string, unknown>;

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
  },
};
