// The CronJob controller (after upstream's v2 controller): creates a Job named
// CRONJOB-<scheduled minute> for the most recent missed fire time, honouring suspend,
// startingDeadlineSeconds and concurrencyPolicy; tracks status.active, lastScheduleTime and
// lastSuccessfulTime; prunes finished Jobs beyond the history limits; and requeues itself for
// the next fire time. The clock is injected so tests control time.
import { rfc3339 } from '../../api/duration.js';
import { isStatusError } from '../../api/status.js';
import type { KubeObject } from '../../api/types.js';
import { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import { objectKey } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest.js';
import { realClock, runWorkers, WorkQueue, type Clock } from '../../client/workqueue.js';
import { controllerRef, CRONJOBS, JOBS, ownerRefTo, type Log } from '../common.js';
import { mostRecentScheduleTime, parseSchedule, scheduledTimeHash } from '../../api/cron.js';

type Json = Record<string, unknown>;
export const SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

interface ActiveRef {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

/** RFC 3339 in the given zone (Go's time.RFC3339 of a time in that location). */
export function rfc3339InZone(ms: number, timeZone: string | undefined): string {
  if (!timeZone || timeZone === 'UTC') return rfc3339(ms);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  const local = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  const offsetMin = Math.round((local - Math.floor(ms / 1000) * 1000) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const off =
    offsetMin === 0
      ? 'Z'
      : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${off}`;
}

/** Go's time.RFC1123Z, as upstream formats the missed time in MissSchedule events. */
function rfc1123z(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = [
    'Jan',
    'Feb',
    'Mar',
    'Apr',
    'May',
    'Jun',
    'Jul',
    'Aug',
    'Sep',
    'Oct',
    'Nov',
    'Dec',
  ];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** The finished condition type of a Job (Complete or Failed), if it finished. */
export function jobFinishedAs(job: Readonly<KubeObject>): 'Complete' | 'Failed' | undefined {
  const conds =
    (job.status as { conditions?: Array<{ type: string; status: string }> } | undefined)
      ?.conditions ?? [];
  const c = conds.find(
    (x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True',
  );
  return c?.type as 'Complete' | 'Failed' | undefined;
}

/** The Job a CronJob creates for one scheduled time. */
export function jobForSchedule(cj: Readonly<KubeObject>, scheduledAt: number): KubeObject {
  const spec = (cj.spec ?? {}) as {
    jobTemplate?: { metadata?: KubeObject['metadata']; spec?: Json };
    timeZone?: string;
  };
  const tpl = structuredClone(spec.jobTemplate ?? {});
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: `${cj.metadata.name ?? ''}-${scheduledTimeHash(scheduledAt)}`,
      namespace: cj.metadata.namespace ?? 'default',
      labels: { ...(tpl.metadata?.labels ?? {}) },
      annotations: {
        ...(tpl.metadata?.annotations ?? {}),
        [SCHEDULED_TIMESTAMP]: rfc3339InZone(scheduledAt, spec.timeZone),
      },
      ownerReferences: [ownerRefTo(cj)],
    },
    spec: tpl.spec ?? {},
  };
}

export interface CronJobControllerOptions {
  clock?: Clock;
}

export class CronJobController {
  readonly #client: KubeClient;
  readonly #cronjobs: Informer;
  readonly #jobs: Informer;
  readonly #clock: Clock;
  readonly #queue: WorkQueue;
  readonly #events: EventRecorder;
  readonly #log: Log;
  /** The resourceVersion of our last status write per CronJob (resourceVersions are integers). */
  readonly #written = new Map<string, { uid: string; rv: number }>();
  #workers: Promise<void> | undefined;

  constructor(
    client: KubeClient,
    cronjobs: Informer,
    jobs: Informer,
    log: Log,
    opts: CronJobControllerOptions = {},
  ) {
    this.#client = client;
    this.#cronjobs = cronjobs;
    this.#jobs = jobs;
    this.#log = log;
    this.#clock = opts.clock ?? realClock;
    this.#queue = new WorkQueue({ clock: this.#clock });
    this.#events = new EventRecorder(client, 'cronjob-controller');
    const enqueue = (o: Readonly<KubeObject>): void => this.#queue.add(objectKey(o));
    cronjobs.addHandlers({ add: enqueue, update: (_, o) => enqueue(o) });
    const fromJob = (j: Readonly<KubeObject>): void => {
      const ref = controllerRef(j);
      if (ref?.kind === 'CronJob') this.#queue.add(`${j.metadata.namespace ?? ''}/${ref.name}`);
    };
    jobs.addHandlers({ add: fromJob, update: (_, j) => fromJob(j), delete: fromJob });
  }

  start(): void {
    this.#workers = runWorkers(
      this.#queue,
      2,
      (key) => this.sync(key),
      (key, err) =>
        this.#log('cronjob sync failed', { cronjob: key, error: (err as Error).message }),
    );
    for (const c of this.#cronjobs.list()) this.#queue.add(objectKey(c));
  }

  async stop(): Promise<void> {
    this.#queue.shutDown();
    await this.#workers;
  }

  async #deleteJob(cj: Readonly<KubeObject>, job: Readonly<KubeObject>): Promise<void> {
    try {
      await this.#client.delete(JOBS, job.metadata.namespace, job.metadata.name ?? '', {
        propagationPolicy: 'Background',
      });
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return;
      await this.#events.record(
        cj,
        'Warning',
        'FailedDelete',
        `Deleted job: ${(err as Error).message}`,
      );
      throw err;
    }
    await this.#events.record(
      cj,
      'Normal',
      'SuccessfulDelete',
      `Deleted job ${job.metadata.name ?? ''}`,
    );
  }

  async sync(key: string): Promise<number | void> {
    const cached = this.#cronjobs.get(key);
    if (!cached || cached.metadata.deletionTimestamp) {
      this.#written.delete(key);
      return;
    }
    // Acting on a CronJob older than our own last status write would repeat that write's work
    // (a Job seen completed twice, a created Job taken for an unexpected one): wait for the cache.
    const written = this.#written.get(key);
    if (written && written.uid === cached.metadata.uid) {
      if (Number(cached.metadata.resourceVersion) < written.rv) return 50;
      this.#written.delete(key);
    }
    const cj = structuredClone(cached) as KubeObject;
    const ns = cj.metadata.namespace ?? 'default';
    const spec = (cj.spec ?? {}) as {
      schedule?: string;
      timeZone?: string;
      suspend?: boolean;
      concurrencyPolicy?: string;
      startingDeadlineSeconds?: number;
      successfulJobsHistoryLimit?: number;
      failedJobsHistoryLimit?: number;
    };
    const status = (cj.status ?? {}) as {
      active?: ActiveRef[];
      lastScheduleTime?: string;
      lastSuccessfulTime?: string;
    };
    const before = JSON.stringify(status);
    status.active ??= [];
    const jobs = this.#jobs.list(ns).filter((j) => controllerRef(j)?.uid === cj.metadata.uid);

    // Reconcile status.active with the Jobs that exist.
    for (const j of jobs) {
      const found = status.active.some((r) => r.uid === j.metadata.uid);
      const finished = jobFinishedAs(j);
      if (!found && !finished) {
        // The cached CronJob may predate the status write that listed this Job: ask the API,
        // and if it is listed there, wait for the cache to catch up.
        const live = await this.#client.get(CRONJOBS, ns, cj.metadata.name ?? '');
        const liveActive = (live.status as { active?: ActiveRef[] } | undefined)?.active ?? [];
        if (
          live.metadata.uid === cj.metadata.uid &&
          liveActive.some((r) => r.uid === j.metadata.uid)
        )
          return 50;
        await this.#events.record(
          cj,
          'Warning',
          'UnexpectedJob',
          `Saw a job that the controller did not create or forgot: ${j.metadata.name ?? ''}`,
        );
      } else if (found && finished) {
        status.active = status.active.filter((r) => r.uid !== j.metadata.uid);
        await this.#events.record(
          cj,
          'Normal',
          'SawCompletedJob',
          `Saw completed job: ${j.metadata.name ?? ''}, condition: ${finished}`,
        );
      }
      if (finished === 'Complete') {
        const done = (j.status as { completionTime?: string } | undefined)?.completionTime;
        if (
          done &&
          (!status.lastSuccessfulTime || Date.parse(done) > Date.parse(status.lastSuccessfulTime))
        )
          status.lastSuccessfulTime = done;
      }
    }
    for (const ref of [...status.active]) {
      if (jobs.some((j) => j.metadata.uid === ref.uid)) continue;
      // Not in the cache: ask the API before calling it missing (the cache may lag a create).
      try {
        const live = await this.#client.get(JOBS, ns, ref.name ?? '');
        if (live.metadata.uid === ref.uid) continue;
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
      }
      await this.#events.record(
        cj,
        'Normal',
        'MissingJob',
        `Active job went missing: ${ref.name ?? ''}`,
      );
      status.active = status.active.filter((r) => r.uid !== ref.uid);
    }

    const requeue = await this.#schedule(cj, spec, status);
    await this.#cleanupHistory(cj, spec, jobs, status);
    if (status.active?.length === 0) delete status.active;
    if (JSON.stringify(status) !== before) {
      try {
        const updated = await this.#client.update(CRONJOBS, { ...cj, status }, 'status');
        const rv = Number(updated.metadata.resourceVersion);
        if (Number.isFinite(rv)) this.#written.set(key, { uid: cj.metadata.uid ?? '', rv });
      } catch (err) {
        if (isStatusError(err, 'NotFound')) return;
        if (isStatusError(err, 'Conflict')) return 50;
        throw err;
      }
    }
    return requeue;
  }

  /** Starts the Job for the most recent missed fire time, if any; returns the requeue delay. */
  async #schedule(
    cj: Readonly<KubeObject>,
    spec: {
      schedule?: string;
      timeZone?: string;
      suspend?: boolean;
      concurrencyPolicy?: string;
      startingDeadlineSeconds?: number;
    },
    status: { active?: ActiveRef[]; lastScheduleTime?: string },
  ): Promise<number | undefined> {
    if (spec.suspend) return undefined;
    const now = this.#clock.now();
    let schedule;
    try {
      schedule = parseSchedule(spec.schedule ?? '', spec.timeZone);
    } catch (err) {
      const msg = (err as Error).message;
      if (msg.startsWith('unknown time zone'))
        await this.#events.record(
          cj,
          'Warning',
          'UnknownTimeZone',
          `invalid timeZone: "${spec.timeZone ?? ''}": ${msg}`,
        );
      else
        await this.#events.record(
          cj,
          'Warning',
          'UnparseableSchedule',
          `unparseable schedule: "${spec.schedule ?? ''}" : ${msg}`,
        );
      return undefined;
    }
    const untilNext = (): number => schedule.next(now) - now + 100;
    let earliest = Date.parse(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? '');
    if (Number.isNaN(earliest)) earliest = now;
    if (spec.startingDeadlineSeconds !== undefined)
      earliest = Math.max(earliest, now - spec.startingDeadlineSeconds * 1000);
    const { time, missed } = mostRecentScheduleTime(schedule, earliest, now);
    if (missed > 100)
      await this.#events.record(
        cj,
        'Warning',
        'TooManyMissedTimes',
        `too many missed start times: ${missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`,
      );
    if (time === undefined) return untilNext();
    if (
      spec.startingDeadlineSeconds !== undefined &&
      time + spec.startingDeadlineSeconds * 1000 < now
    ) {
      await this.#events.record(
        cj,
        'Warning',
        'MissSchedule',
        `Missed scheduled time to start a job: ${rfc1123z(time)}`,
      );
      return untilNext();
    }
    const job = jobForSchedule(cj, time);
    const active = status.active ?? [];
    if (active.some((r) => r.name === job.metadata.name)) return untilNext();
    if (spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
      await this.#events.record(
        cj,
        'Normal',
        'JobAlreadyActive',
        'Not starting job because prior execution is running and concurrency policy is Forbid',
      );
      return untilNext();
    }
    if (spec.concurrencyPolicy === 'Replace') {
      for (const ref of [...active]) {
        const j = this.#jobs.get(`${cj.metadata.namespace ?? ''}/${ref.name ?? ''}`);
        if (j && j.metadata.uid === ref.uid) await this.#deleteJob(cj, j);
        status.active = (status.active ?? []).filter((r) => r.uid !== ref.uid);
      }
    }
    let created: KubeObject;
    try {
      created = await this.#client.create(JOBS, cj.metadata.namespace, job);
    } catch (err) {
      if (isStatusError(err, 'AlreadyExists')) {
        // Created by an earlier sync whose status write was lost: adopt it into active if ours.
        const existing = await this.#client.get(
          JOBS,
          cj.metadata.namespace,
          job.metadata.name ?? '',
        );
        if (controllerRef(existing)?.uid !== cj.metadata.uid) return untilNext();
        created = existing;
        if (jobFinishedAs(existing)) {
          status.lastScheduleTime = rfc3339(time);
          return untilNext();
        }
      } else {
        await this.#events.record(
          cj,
          'Warning',
          'FailedCreate',
          `Error creating job: ${(err as Error).message}`,
        );
        throw err;
      }
    }
    if (!(status.active ?? []).some((r) => r.uid === created.metadata.uid)) {
      await this.#events.record(
        cj,
        'Normal',
        'SuccessfulCreate',
        `Created job ${created.metadata.name ?? ''}`,
      );
      status.active = [
        ...(status.active ?? []),
        {
          kind: 'Job',
          namespace: created.metadata.namespace,
          name: created.metadata.name,
          uid: created.metadata.uid,
          apiVersion: 'batch/v1',
          resourceVersion: created.metadata.resourceVersion,
        },
      ];
    }
    status.lastScheduleTime = rfc3339(time);
    return untilNext();
  }

  /** Deletes the oldest finished Jobs beyond successful/failedJobsHistoryLimit. */
  async #cleanupHistory(
    cj: Readonly<KubeObject>,
    spec: { successfulJobsHistoryLimit?: number; failedJobsHistoryLimit?: number },
    jobs: readonly Readonly<KubeObject>[],
    status: { active?: ActiveRef[] },
  ): Promise<void> {
    const startOf = (j: Readonly<KubeObject>): number =>
      Date.parse(
        (j.status as { startTime?: string } | undefined)?.startTime ??
          j.metadata.creationTimestamp ??
          '',
      ) || 0;
    for (const [kind, limit] of [
      ['Complete', spec.successfulJobsHistoryLimit ?? 3],
      ['Failed', spec.failedJobsHistoryLimit ?? 1],
    ] as const) {
      const finished = jobs
        .filter((j) => jobFinishedAs(j) === kind && !j.metadata.deletionTimestamp)
        .sort((a, b) => startOf(a) - startOf(b));
      for (const j of finished.slice(0, Math.max(0, finished.length - limit))) {
        await this.#deleteJob(cj, j);
        status.active = (status.active ?? []).filter((r) => r.uid !== j.metadata.uid);
      }
    }
  }
}
