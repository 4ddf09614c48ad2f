// Cron schedules for CronJobs: the standard five fields and the @-descriptors (through
// cron-parser), evaluated in spec.timeZone or UTC, and upstream's missed-schedule arithmetic.
// Shared by the API server's CronJob validation and the CronJob controller.
import { CronExpressionParser } from 'cron-parser';

export interface Schedule {
  /** The first fire time strictly after `after` (ms). */
  next(after: number): number;
  /** The last fire time at or before `atOrBefore` (ms), if any. */
  prev(atOrBefore: number): number | undefined;
}

const DESCRIPTORS = new Set([
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
]);

export function validTimeZone(name: string): boolean {
  if (name === '' || name.toLowerCase() === 'local') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Throws with the parser's reason for an unparseable schedule or an unknown time zone. */
export function parseSchedule(expr: string, timeZone?: string): Schedule {
  const trimmed = expr.trim();
  // Upstream's parser takes exactly five fields (no seconds) or a descriptor.
  if (trimmed.startsWith('@')) {
    if (!DESCRIPTORS.has(trimmed)) throw new Error(`unrecognized descriptor: ${trimmed}`);
  } else {
    const fields = trimmed.split(/\s+/);
    if (fields.length !== 5)
      throw new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  }
  const tz = timeZone ?? 'UTC';
  if (timeZone !== undefined && !validTimeZone(timeZone))
    throw new Error(`unknown time zone ${timeZone}`);
  const source = trimmed === '@annually' ? '@yearly' : trimmed === '@midnight' ? '@daily' : trimmed;
  CronExpressionParser.parse(source, { tz }); // validates
  return {
    next(after) {
      return CronExpressionParser.parse(source, { tz, currentDate: new Date(after) })
        .next()
        .getTime();
    },
    prev(atOrBefore) {
      const e = CronExpressionParser.parse(source, {
        tz,
        currentDate: new Date(Math.floor(atOrBefore / 1000) * 1000 + 1000),
      });
      if (!e.hasPrev()) return undefined;
      return e.prev().getTime();
    },
  };
}

/**
 * The most recent fire time in (earliest, now] and how many fire times fell in that window
 * (upstream's mostRecentScheduleTime; the count is estimated from the first interval past 100,
 * as upstream does, so a long outage costs no long loop).
 */
export function mostRecentScheduleTime(
  schedule: Schedule,
  earliest: number,
  now: number,
): { time: number | undefined; missed: number } {
  const t1 = schedule.next(earliest);
  if (t1 > now) return { time: undefined, missed: 0 };
  const t2 = schedule.next(t1);
  if (t2 > now) return { time: t1, missed: 1 };
  let missed = 2;
  let t = t2;
  for (; missed <= 101; missed++) {
    const n = schedule.next(t);
    if (n > now) return { time: t, missed };
    t = n;
  }
  const interval = Math.max(1, Math.round((t2 - t1) / 1000));
  return {
    time: schedule.prev(now),
    missed: Math.floor((now - t1) / 1000 / interval) + 1,
  };
}

/** Upstream's job name suffix: the scheduled time in whole minutes since the epoch. */
export function scheduledTimeHash(ms: number): number {
  return Math.floor(ms / 60_000);
}
