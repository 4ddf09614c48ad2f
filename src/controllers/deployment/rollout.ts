// The arithmetic of a rolling update, kept pure for unit tests (after upstream's
// deployment/util: ResolveFenceposts, NewRSNewReplicas, and scale-down of old ReplicaSets).

/** An int, or a percentage of `total` rounded up (surge) or down (unavailable). */
export function resolveIntOrPercent(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(String(v ?? ''));
  if (!m) return 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

export function fenceposts(
  maxSurge: unknown,
  maxUnavailable: unknown,
  replicas: number,
): { surge: number; unavailable: number } {
  const surge = resolveIntOrPercent(maxSurge ?? '25%', replicas, true);
  let unavailable = resolveIntOrPercent(maxUnavailable ?? '25%', replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** How many replicas the new ReplicaSet may have now, given all ReplicaSets' spec.replicas. */
export function newReplicaSetReplicas(
  desired: number,
  surge: number,
  newCurrent: number,
  allCurrent: number,
): number {
  if (newCurrent >= desired) return desired;
  const room = desired + surge - allCurrent;
  return Math.min(desired, newCurrent + Math.max(0, room));
}

export interface OldSet {
  replicas: number;
  available: number;
}

/**
 * New spec.replicas for the old ReplicaSets (oldest first): unavailable replicas may always go;
 * available ones only while availability stays at desired - maxUnavailable.
 */
export function scaleDownOld(
  old: OldSet[],
  desired: number,
  unavailable: number,
  totalAvailable: number,
): number[] {
  let budget = Math.max(0, totalAvailable - (desired - unavailable));
  return old.map((rs) => {
    if (rs.replicas === 0) return 0;
    const notAvailable = Math.max(0, rs.replicas - rs.available);
    const fromAvailable = Math.min(rs.replicas - notAvailable, budget);
    budget -= fromAvailable;
    return rs.replicas - notAvailable - fromAvailable;
  });
}

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** FNV-32a of the template's JSON (plus a collision count), safe-encoded like upstream's hashes. */
export function templateHash(template: unknown, collisionCount = 0): string {
  let h = 0x811c9dc5;
  const text = JSON.stringify(template) + (collisionCount > 0 ? String(collisionCount) : '');
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return [...String(h)].map((c) => ALPHANUMS[c.charCodeAt(0) % ALPHANUMS.length]).join('');
}
