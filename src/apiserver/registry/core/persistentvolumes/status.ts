// The status subresource of PersistentVolumes, after upstream 1.32's persistentvolumeStatusStrategy
// with PersistentVolumeLastPhaseTransitionTime (GA): the stored spec stays, and
// status.lastPhaseTransitionTime follows the phase unless the client moves it itself.
// ValidatePersistentVolumeStatusUpdate checks only metadata, which the generic store keeps.
import { rfc3339 } from '../../../../api/duration.js';
import type { StatusUpdateStrategy } from '../../strategy.js';
import { isRecord } from './validation.js';

/** metav1.Time.Equal on the wire form: both absent, or the same instant. */
function sameTime(a: unknown, b: unknown): boolean {
  if (a == null || b == null) return a == null && b == null;
  const ta = Date.parse(String(a));
  const tb = Date.parse(String(b));
  return Number.isNaN(ta) || Number.isNaN(tb) ? a === b : ta === tb;
}

export const volumeStatusStrategy: StatusUpdateStrategy = {
  prepareForUpdate(obj, old, ctx) {
    if (!isRecord(obj.status)) obj.status = {};
    const status = obj.status as Record<string, unknown>;
    const oldStatus = isRecord(old.status) ? old.status : {};
    const at = status.lastPhaseTransitionTime;
    if ((status.phase ?? '') === (oldStatus.phase ?? '')) {
      // The phase stays: so does its transition time, unless the client sets one.
      if (at == null) {
        if (oldStatus.lastPhaseTransitionTime == null) delete status.lastPhaseTransitionTime;
        else status.lastPhaseTransitionTime = oldStatus.lastPhaseTransitionTime;
      }
    } else if (at == null || sameTime(at, oldStatus.lastPhaseTransitionTime)) {
      status.lastPhaseTransitionTime = rfc3339(ctx.now);
    }
  },
};
