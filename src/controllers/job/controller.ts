// The Job controller: runs pods of a batch/v1 Job to completion (completions, parallelism,
// Indexed mode), fails it past backoffLimit or activeDeadlineSeconds, suspends and resumes it,
// and deletes it ttlSecondsAfterFinished after it finished. The decisions are in plan.ts; this
// file reads the caches, carries the plan out through the API and records events.
// Without upstream's pod finalizers (uncountedTerminatedPods), counts come from the terminated
// pods still present and never go down: a terminated pod deleted by hand is not re-counted.
import { isStatusError } from '../../api/status.js';
import type { KubeObject } from '../../api/types.js';
import { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import { objectKey } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest.js';
import { realClock, runWorkers, WorkQueue, type Clock } from '../../client/workqueue.js';
import { controllerRef, isActive, ownerRefTo, PODS, JOBS, selects, type Log } from '../common.js';
import {
  finishedCondition,
  INDEX_ANNOTATION,
  INDEX_LABEL,
  jobSpec,
  planJob,
  POD_FAILURE_BACKOFF_MS,
} from './plan.js';

type Json = Record<string, unknown>;

export interface JobControllerOptions {
  clock?: Clock;
  /** Base of the delay before replacing failed pods (upstream: 10 s). */
  podFailureBackoffMs?: number;
}

interface Container {
  name?: string;
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
}

/** The pod for one Job replica: template, controller reference and, if Indexed, its index. */
export function podFromTemplate(job: Readonly<KubeObject>, index?: number): KubeObject {
  const template = structuredClone(
    ((job.spec as Json | undefined)?.template ?? {}) as {
      metadata?: KubeObject['metadata'];
      spec?: Json;
    },
  );
  const name = job.metadata.name ?? '';
  const labels = { ...(template.metadata?.labels ?? {}) };
  const annotations = { ...(template.metadata?.annotations ?? {}) };
  const spec = template.spec ?? {};
  if (index !== undefined) {
    annotations[INDEX_ANNOTATION] = String(index);
    labels[INDEX_LABEL] = String(index);
    if (typeof spec.hostname !== 'string' || spec.hostname === '') {
      spec.hostname = `${name}-${index}`;
    }
    for (const list of [spec.initContainers, spec.containers]) {
      if (!Array.isArray(list)) continue;
      for (const c of list as Container[]) {
        c.env ??= [];
        if (c.env.some((e) => e.name === 'JOB_COMPLETION_INDEX')) continue;
        c.env.push({
          name: 'JOB_COMPLETION_INDEX',
          valueFrom: {
            fieldRef: {
              apiVersion: 'v1',
              fieldPath: `metadata.annotations['${INDEX_ANNOTATION}']`,
            },
          },
        });
      }
    }
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
      namespace: job.metadata.namespace ?? 'default',
      labels,
      annotations,
      ownerReferences: [ownerRefTo(job)],
    },
    spec,
  };
}

export class JobController {
  readonly #client: KubeClient;
  readonly #jobs: Informer;
  readonly #pods: Informer;
  readonly #clock: Clock;
  readonly #backoffMs: number;
  readonly #queue: WorkQueue;
  readonly #events: EventRecorder;
  readonly #log: Log;
  /** Creates and deletes in flight per Job (upstream's expectations); they expire. */
  readonly #expect = new Map<string, { adds: number; dels: Set<string>; until: number }>();
  /** The resourceVersion of our last status write per Job (resourceVersions are integers). */
  readonly #written = new Map<string, { uid: string; rv: number }>();
  #workers: Promise<void> | undefined;

  constructor(
    client: KubeClient,
    jobs: Informer,
    pods: Informer,
    log: Log,
    opts: JobControllerOptions = {},
  ) {
    this.#client = client;
    this.#jobs = jobs;
    this.#pods = pods;
    this.#log = log;
    this.#clock = opts.clock ?? realClock;
    this.#backoffMs = opts.podFailureBackoffMs ?? POD_FAILURE_BACKOFF_MS;
    this.#queue = new WorkQueue({ clock: this.#clock });
    this.#events = new EventRecorder(client, 'job-controller');
    const enqueueJob = (o: Readonly<KubeObject>): void => this.#queue.add(objectKey(o));
    jobs.addHandlers({ add: enqueueJob, update: (_, o) => enqueueJob(o) });
    const observe = (p: Readonly<KubeObject>, added: boolean): void => {
      const ref = controllerRef(p);
      if (ref?.kind !== 'Job') return;
      const e = this.#expect.get(`${p.metadata.namespace ?? ''}/${ref.name}`);
      if (!e) return;
      if (added) e.adds = Math.max(0, e.adds - 1);
      else e.dels.delete(p.metadata.name ?? '');
    };
    pods.addHandlers({
      add: (p) => observe(p, true),
      update: (_, p) => {
        if (p.metadata.deletionTimestamp) observe(p, false);
      },
      delete: (p) => observe(p, false),
    });
    const enqueuePod = (p: Readonly<KubeObject>): void => {
      const ref = controllerRef(p);
      if (ref?.kind === 'Job') this.#queue.add(`${p.metadata.namespace ?? ''}/${ref.name}`);
    };
    pods.addHandlers({ add: enqueuePod, update: (_, p) => enqueuePod(p), delete: enqueuePod });
  }

  start(): void {
    this.#workers = runWorkers(
      this.#queue,
      2,
      (key) => this.sync(key),
      (key, err) => this.#log('job sync failed', { job: key, error: (err as Error).message }),
    );
    for (const j of this.#jobs.list()) this.#queue.add(objectKey(j));
  }

  async stop(): Promise<void> {
    this.#queue.shutDown();
    await this.#workers;
  }

  /** Pods this Job controls; adopts active orphans its selector matches. */
  async #ownedPods(job: Readonly<KubeObject>): Promise<Readonly<KubeObject>[]> {
    const ns = job.metadata.namespace ?? 'default';
    const selector = (job.spec as Json | undefined)?.selector;
    const owned: Readonly<KubeObject>[] = [];
    for (const p of this.#pods.list(ns)) {
      const ref = controllerRef(p);
      if (ref?.uid === job.metadata.uid) {
        owned.push(p);
      } else if (!ref && isActive(p) && selects(selector, p)) {
        try {
          await this.#client.patch(PODS, ns, p.metadata.name ?? '', {
            metadata: {
              ownerReferences: [...(p.metadata.ownerReferences ?? []), ownerRefTo(job)],
              uid: p.metadata.uid,
            },
          });
          owned.push(p);
        } catch (err) {
          if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
        }
      }
    }
    return owned;
  }

  async sync(key: string): Promise<number | void> {
    const job = this.#jobs.get(key);
    if (!job || job.metadata.deletionTimestamp) {
      this.#expect.delete(key);
      this.#written.delete(key);
      return;
    }
    // A Job older than our own last status write would be judged again from stale counts.
    const written = this.#written.get(key);
    if (written && written.uid === job.metadata.uid) {
      if (Number(job.metadata.resourceVersion) < written.rv) return 50;
      this.#written.delete(key);
    }
    const now = this.#clock.now();
    const finished = finishedCondition(job);
    if (finished) return this.#expireAfterTtl(job, now);

    const ns = job.metadata.namespace ?? 'default';
    const pods = await this.#ownedPods(job);
    const pending = this.#expect.get(key);
    const settled =
      !pending || (pending.adds === 0 && pending.dels.size === 0) || now > pending.until;
    if (settled) this.#expect.delete(key);
    const plan = planJob(job, pods, {
      now,
      canManage: settled,
      podFailureBackoffMs: this.#backoffMs,
    });

    // The status goes first: a Job decided to have failed records the pods it is about to
    // delete as failed, and a conflict (a stale cached Job) stops the sync before it acts.
    if (plan.status) {
      try {
        const updated = await this.#client.update(
          JOBS,
          { ...(structuredClone(job) as KubeObject), status: plan.status },
          'status',
        );
        const rv = Number(updated.metadata.resourceVersion);
        if (Number.isFinite(rv)) this.#written.set(key, { uid: job.metadata.uid ?? '', rv });
      } catch (err) {
        if (isStatusError(err, 'NotFound')) return;
        if (isStatusError(err, 'Conflict')) return 50; // before acting on a stale Job
        throw err;
      }
    }
    if (plan.create.length > 0 || plan.delete.length > 0) {
      this.#expect.set(key, {
        adds: plan.create.length,
        dels: new Set(plan.delete.map((p) => p.metadata.name ?? '')),
        until: now + 30_000,
      });
    }
    for (const p of plan.delete) {
      try {
        await this.#client.delete(PODS, ns, p.metadata.name ?? '');
        await this.#events.record(
          job,
          'Normal',
          'SuccessfulDelete',
          `Deleted pod: ${p.metadata.name ?? ''}`,
        );
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) {
          this.#expect.delete(key);
          throw err;
        }
      }
    }
    // Upstream's slow start: batches of 1, 2, 4, ... so a broken template fails fast.
    let batch = 1;
    for (let i = 0; i < plan.create.length;) {
      const chunk = plan.create.slice(i, i + batch);
      i += chunk.length;
      const results = await Promise.allSettled(chunk.map((c) => this.#createPod(job, c.index)));
      const failure = results.find((r) => r.status === 'rejected');
      if (failure) {
        this.#expect.delete(key);
        throw (failure as PromiseRejectedResult).reason;
      }
      batch *= 2;
    }

    // Events after the status write, so a conflict retried does not record them twice.
    for (const e of plan.events) await this.#events.record(job, e.type, e.reason, e.message);
    if (plan.requeueAfterMs !== undefined) return Math.max(1, plan.requeueAfterMs);
  }

  async #createPod(job: Readonly<KubeObject>, index: number | undefined): Promise<void> {
    const ns = job.metadata.namespace ?? 'default';
    try {
      const pod = await this.#client.create(PODS, ns, podFromTemplate(job, index));
      await this.#events.record(
        job,
        'Normal',
        'SuccessfulCreate',
        `Created pod: ${pod.metadata.name ?? ''}`,
      );
    } catch (err) {
      await this.#events.record(
        job,
        'Warning',
        'FailedCreate',
        `Error creating: ${(err as Error).message}`,
      );
      throw err;
    }
  }

  /** ttlSecondsAfterFinished: deletes the Job (and, through the GC, its pods) once expired. */
  async #expireAfterTtl(job: Readonly<KubeObject>, now: number): Promise<number | void> {
    const left = ttlLeft(job, now);
    if (left === undefined || left > 0) return left;
    // The cached TTL may be stale: decide on the live Job, as upstream does.
    let fresh: KubeObject;
    try {
      fresh = await this.#client.get(JOBS, job.metadata.namespace, job.metadata.name ?? '');
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return;
      throw err;
    }
    if (fresh.metadata.deletionTimestamp) return;
    const freshLeft = ttlLeft(fresh, now);
    if (freshLeft === undefined || freshLeft > 0) return freshLeft;
    try {
      // Upstream's TTL-after-finished controller deletes in the foreground, for this uid only.
      await this.#client.call(
        'DELETE',
        `/apis/batch/v1/namespaces/${encodeURIComponent(fresh.metadata.namespace ?? 'default')}/jobs/${encodeURIComponent(fresh.metadata.name ?? '')}`,
        {
          kind: 'DeleteOptions',
          apiVersion: 'v1',
          propagationPolicy: 'Foreground',
          preconditions: { uid: fresh.metadata.uid },
        },
      );
    } catch (err) {
      if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
    }
  }
}

/** Milliseconds until a finished Job's TTL expires (≤ 0: expired); undefined without a TTL. */
function ttlLeft(job: Readonly<KubeObject>, now: number): number | undefined {
  const ttl = jobSpec(job).ttlSecondsAfterFinished;
  const finished = finishedCondition(job);
  if (ttl === undefined || !finished) return undefined;
  const finishedAt = Date.parse(finished.lastTransitionTime);
  if (Number.isNaN(finishedAt)) return undefined;
  return finishedAt + ttl * 1000 - now;
}
