// The pure half of the Job controller: from a Job and the pods it owns, what to create, what to
// delete, which events to record and the status to write (after upstream's syncJob/manageJob,
// batch/v1 as of 1.32). No I/O and no clock of its own, so every rule is unit-testable.
import { rfc3339 } from '../../api/duration.js';
import type { KubeObject } from '../../api/types.js';
import { podReady } from '../common.js';

type Json = Record<string, unknown>;

export const INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
export const INDEX_LABEL = 'batch.kubernetes.io/job-completion-index';
/** Upstream's DefaultJobPodFailureBackOff and its cap. */
export const POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 6 * 60_000;

export interface JobCondition {
  type: string;
  status: 'True' | 'False';
  lastProbeTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface JobSpecView {
  parallelism: number;
  completions: number | undefined;
  backoffLimit: number;
  activeDeadlineSeconds: number | undefined;
  suspend: boolean;
  indexed: boolean;
  restartPolicy: string;
  ttlSecondsAfterFinished: number | undefined;
}

export function jobSpec(job: Readonly<KubeObject>): JobSpecView {
  const s = (job.spec ?? {}) as Json;
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  const tpl = (s.template ?? {}) as { spec?: { restartPolicy?: string } };
  return {
    parallelism: num(s.parallelism) ?? 1,
    completions: num(s.completions),
    backoffLimit: num(s.backoffLimit) ?? 6,
    activeDeadlineSeconds: num(s.activeDeadlineSeconds),
    suspend: s.suspend === true,
    indexed: s.completionMode === 'Indexed',
    restartPolicy: tpl.spec?.restartPolicy ?? 'Never',
    ttlSecondsAfterFinished: num(s.ttlSecondsAfterFinished),
  };
}

export function conditionsOf(obj: Readonly<KubeObject>): JobCondition[] {
  const c = (obj.status as { conditions?: JobCondition[] } | undefined)?.conditions;
  return Array.isArray(c) ? c : [];
}

export function hasCondition(conds: readonly JobCondition[], type: string): boolean {
  return conds.some((c) => c.type === type && c.status === 'True');
}

/** Complete or Failed: the Job is done and its controller leaves it alone (but for TTL). */
export function finishedCondition(job: Readonly<KubeObject>): JobCondition | undefined {
  return conditionsOf(job).find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

function phase(p: Readonly<KubeObject>): string {
  return (p.status as { phase?: string } | undefined)?.phase ?? '';
}

const terminal = (p: Readonly<KubeObject>): boolean =>
  phase(p) === 'Succeeded' || phase(p) === 'Failed';

export function podIndex(p: Readonly<KubeObject>): number | undefined {
  const raw = p.metadata.annotations?.[INDEX_ANNOTATION] ?? p.metadata.labels?.[INDEX_LABEL];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** Upstream's compressed interval list: [0,1,2,5,7,8] → "0-2,5,7-8". */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export function parseIndexes(s: string | undefined, below: number): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let i = from; i <= to && i < below; i++) out.add(i);
  }
  return out;
}

/** When the pod's containers finished (the latest terminated finishedAt), in ms. */
export function podFinishTime(p: Readonly<KubeObject>): number {
  const st = (p.status ?? {}) as {
    containerStatuses?: Array<{ state?: { terminated?: { finishedAt?: string } } }>;
    conditions?: Array<{ type: string; lastTransitionTime?: string }>;
  };
  let latest = Number.NaN;
  for (const c of st.containerStatuses ?? []) {
    const t = Date.parse(c.state?.terminated?.finishedAt ?? '');
    if (!Number.isNaN(t) && !(t <= latest)) latest = t;
  }
  if (!Number.isNaN(latest)) return latest;
  const ready = st.conditions?.find((c) => c.type === 'Ready');
  const t = Date.parse(ready?.lastTransitionTime ?? '');
  return Number.isNaN(t) ? Date.parse(p.metadata.creationTimestamp ?? '') || 0 : t;
}

/**
 * How long to wait before creating replacement pods (upstream's pod failure backoff): the base
 * doubled for every failure since the last success, counted from the last failure.
 */
export function podFailureBackoffRemaining(
  pods: readonly Readonly<KubeObject>[],
  now: number,
  baseMs: number,
): number {
  if (baseMs <= 0) return 0;
  const lastSuccess = Math.max(
    -Infinity,
    ...pods.filter((p) => phase(p) === 'Succeeded').map(podFinishTime),
  );
  const failures = pods
    .filter((p) => phase(p) === 'Failed')
    .map(podFinishTime)
    .filter((t) => t > lastSuccess);
  if (failures.length === 0) return 0;
  const delay = Math.min(baseMs * 2 ** (failures.length - 1), MAX_POD_FAILURE_BACKOFF_MS);
  return Math.max(0, Math.max(...failures) + delay - now);
}

/** Container restarts of running pods count against backoffLimit when restartPolicy=OnFailure. */
export function pastBackoffLimitOnFailure(
  spec: JobSpecView,
  pods: readonly Readonly<KubeObject>[],
): boolean {
  if (spec.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    if (phase(p) !== 'Running' && phase(p) !== 'Pending') continue;
    const st = (p.status ?? {}) as {
      containerStatuses?: Array<{ restartCount?: number }>;
      initContainerStatuses?: Array<{ restartCount?: number }>;
    };
    for (const c of [...(st.initContainerStatuses ?? []), ...(st.containerStatuses ?? [])])
      restarts += c.restartCount ?? 0;
  }
  return spec.backoffLimit === 0 ? restarts > 0 : restarts >= spec.backoffLimit;
}

export interface JobEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface JobPlan {
  /** Pods to create; `index` set for Indexed jobs. */
  create: Array<{ index?: number }>;
  delete: Readonly<KubeObject>[];
  /** The whole new status, or undefined when it is unchanged. */
  status: Json | undefined;
  events: JobEvent[];
  /** Sync again after this many ms (deadline, backoff), if set. */
  requeueAfterMs?: number;
}

export interface PlanOptions {
  now: number;
  /** False while our own creates/deletes have not shown up in the cache yet. */
  canManage: boolean;
  podFailureBackoffMs: number;
}

/** Upstream's deletion preference: not yet running, then not ready, then the newest. */
function deletionOrder(a: Readonly<KubeObject>, b: Readonly<KubeObject>): number {
  const rank = (p: Readonly<KubeObject>): number[] => [
    (p.spec as { nodeName?: string } | undefined)?.nodeName ? 1 : 0,
    phase(p) === 'Running' ? 1 : 0,
    podReady(p) ? 1 : 0,
  ];
  const [ra, rb] = [rank(a), rank(b)];
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return (ra[i] ?? 0) - (rb[i] ?? 0);
  return String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp));
}

/**
 * Sets a condition the way upstream's ensureJobConditionStatus does: a False condition is only
 * recorded when one of that type already exists; an unchanged one keeps its times.
 */
function ensureCondition(
  conds: JobCondition[],
  type: string,
  status: 'True' | 'False',
  reason: string,
  message: string,
  now: string,
): boolean {
  const i = conds.findIndex((c) => c.type === type);
  const old = conds[i];
  if (!old) {
    if (status === 'False') return false;
    conds.push({
      type,
      status,
      lastProbeTime: now,
      lastTransitionTime: now,
      reason,
      message,
    });
    return true;
  }
  if (old.status === status && old.reason === reason && old.message === message) return false;
  conds[i] = {
    type,
    status,
    lastProbeTime: now,
    lastTransitionTime: old.status === status ? old.lastTransitionTime : now,
    reason,
    message,
  };
  return true;
}

const SUCCESS_REASON = 'CompletionsReached';
const SUCCESS_MESSAGE = 'Reached expected number of succeeded pods';
const BACKOFF_MESSAGE = 'Job has reached the specified backoff limit';
const DEADLINE_MESSAGE = 'Job was active longer than specified deadline';

export function planJob(
  job: Readonly<KubeObject>,
  pods: readonly Readonly<KubeObject>[],
  opts: PlanOptions,
): JobPlan {
  const spec = jobSpec(job);
  const prev = (job.status ?? {}) as Json;
  const nowIso = rfc3339(opts.now);
  const conds: JobCondition[] = structuredClone(conditionsOf(job));
  const plan: JobPlan = { create: [], delete: [], status: undefined, events: [] };
  if (finishedCondition(job)) return plan;

  const active = pods.filter((p) => !p.metadata.deletionTimestamp && !terminal(p));
  const terminatingPods = pods.filter((p) => p.metadata.deletionTimestamp && !terminal(p));
  const succeededPods = pods.filter((p) => phase(p) === 'Succeeded');
  const failedPods = pods.filter((p) => phase(p) === 'Failed');
  const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

  // Counts never go down (a removed pod must not undo progress), as with upstream's tracking.
  let succeededIndexes = new Set<number>();
  let succeeded: number;
  if (spec.indexed) {
    const below = spec.completions ?? 0;
    succeededIndexes = parseIndexes(prev.completedIndexes as string | undefined, below);
    for (const p of succeededPods) {
      const i = podIndex(p);
      if (i !== undefined && i < below) succeededIndexes.add(i);
    }
    succeeded = succeededIndexes.size;
  } else {
    succeeded = Math.max(num(prev.succeeded), succeededPods.length);
  }
  let failed = Math.max(num(prev.failed), failedPods.length);

  let startTime = typeof prev.startTime === 'string' ? prev.startTime : undefined;
  const target =
    conds.find((c) => c.type === 'FailureTarget' && c.status === 'True') ??
    conds.find((c) => c.type === 'SuccessCriteriaMet' && c.status === 'True');
  let completionTime = prev.completionTime as string | undefined;
  let toDelete: Readonly<KubeObject>[] = [];
  let newTarget: { type: string; reason: string; message: string } | undefined;

  if (target) {
    // Already decided: wind down whatever still runs.
    toDelete = active;
  } else {
    const deadlineMs =
      spec.activeDeadlineSeconds !== undefined && startTime !== undefined && !spec.suspend
        ? Date.parse(startTime) + spec.activeDeadlineSeconds * 1000
        : undefined;
    const complete = spec.indexed
      ? succeeded >= (spec.completions ?? 0)
      : spec.completions === undefined
        ? succeeded > 0 && active.length === 0
        : succeeded >= spec.completions;
    if (complete) {
      newTarget = { type: 'SuccessCriteriaMet', reason: SUCCESS_REASON, message: SUCCESS_MESSAGE };
    } else if (failed > spec.backoffLimit || pastBackoffLimitOnFailure(spec, active)) {
      newTarget = {
        type: 'FailureTarget',
        reason: 'BackoffLimitExceeded',
        message: BACKOFF_MESSAGE,
      };
    } else if (deadlineMs !== undefined && opts.now >= deadlineMs) {
      newTarget = { type: 'FailureTarget', reason: 'DeadlineExceeded', message: DEADLINE_MESSAGE };
    }
    if (newTarget) {
      ensureCondition(conds, newTarget.type, 'True', newTarget.reason, newTarget.message, nowIso);
      toDelete = active;
      // Pods killed because the Job failed count as failed, as upstream counts them.
      if (newTarget.type === 'FailureTarget') failed += active.length;
    } else if (spec.suspend) {
      toDelete = active;
      if (ensureCondition(conds, 'Suspended', 'True', 'JobSuspended', 'Job suspended', nowIso)) {
        plan.events.push({ type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
        startTime = undefined;
      }
    } else {
      if (ensureCondition(conds, 'Suspended', 'False', 'JobResumed', 'Job resumed', nowIso)) {
        plan.events.push({ type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
        startTime = nowIso;
      }
      startTime ??= nowIso;
      if (spec.activeDeadlineSeconds !== undefined)
        plan.requeueAfterMs = Date.parse(startTime) + spec.activeDeadlineSeconds * 1000 - opts.now;
      if (opts.canManage) manage(spec, active, succeeded, succeededIndexes, pods, opts, plan);
    }
  }
  if (toDelete.length > 0 && opts.canManage) plan.delete = [...toDelete];

  // The terminal condition waits until no pod of the Job is running or terminating.
  const decided = target ?? newTarget;
  if (decided && active.length + terminatingPods.length === 0) {
    if (decided.type === 'SuccessCriteriaMet') {
      ensureCondition(conds, 'Complete', 'True', SUCCESS_REASON, SUCCESS_MESSAGE, nowIso);
      completionTime ??= nowIso;
      plan.events.push({ type: 'Normal', reason: 'Completed', message: 'Job completed' });
    } else {
      ensureCondition(conds, 'Failed', 'True', decided.reason, decided.message, nowIso);
      plan.events.push({ type: 'Warning', reason: decided.reason, message: decided.message });
    }
  }
  if (decided) delete plan.requeueAfterMs;

  const deleting = new Set(plan.delete.map((p) => p.metadata.name));
  const activeAfter = active.filter((p) => !deleting.has(p.metadata.name)).length;
  const status: Json = {
    ...(startTime !== undefined ? { startTime } : {}),
    ...(completionTime !== undefined ? { completionTime } : {}),
    active: activeAfter + plan.create.length,
    ready: active.filter(podReady).length,
    succeeded,
    failed,
    terminating: terminatingPods.length + plan.delete.length,
    ...(spec.indexed ? { completedIndexes: formatIndexes(succeededIndexes) } : {}),
    uncountedTerminatedPods: {},
    ...(conds.length > 0 ? { conditions: conds } : {}),
  };
  if (status.completedIndexes === '') delete status.completedIndexes;
  if (plan.requeueAfterMs !== undefined && plan.requeueAfterMs < 0) plan.requeueAfterMs = 0;
  const comparable = (s: Json): string =>
    JSON.stringify(
      Object.fromEntries(
        Object.entries(s)
          .filter(([k, v]) => v !== undefined && v !== 0 && k !== 'uncountedTerminatedPods')
          .sort(([a], [b]) => a.localeCompare(b)),
      ),
    );
  if (comparable(status) !== comparable(prev) || prev.uncountedTerminatedPods === undefined)
    plan.status = status;
  return plan;
}

/** Creates and deletes toward min(parallelism, remaining completions) active pods. */
function manage(
  spec: JobSpecView,
  active: readonly Readonly<KubeObject>[],
  succeeded: number,
  succeededIndexes: ReadonlySet<number>,
  pods: readonly Readonly<KubeObject>[],
  opts: PlanOptions,
  plan: JobPlan,
): void {
  const wantActive =
    spec.completions === undefined
      ? succeeded > 0
        ? 0
        : spec.parallelism
      : Math.max(0, Math.min(spec.parallelism, spec.completions - succeeded));
  const backoff = podFailureBackoffRemaining(pods, opts.now, opts.podFailureBackoffMs);
  if (!spec.indexed) {
    const diff = wantActive - active.length;
    if (diff < 0) plan.delete = [...active].sort(deletionOrder).slice(0, -diff);
    else if (diff > 0) {
      if (backoff > 0) plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? backoff, backoff);
      else for (let i = 0; i < Math.min(diff, 500); i++) plan.create.push({});
    }
    return;
  }
  const completions = spec.completions ?? 0;
  const seen = new Set<number>();
  const extra: Readonly<KubeObject>[] = [];
  const valid: Readonly<KubeObject>[] = [];
  for (const p of [...active].sort((a, b) =>
    String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)),
  )) {
    const i = podIndex(p);
    if (i === undefined || i >= completions || succeededIndexes.has(i) || seen.has(i))
      extra.push(p);
    else {
      seen.add(i);
      valid.push(p);
    }
  }
  const over = valid.length - wantActive;
  const victims = over > 0 ? [...valid].sort(deletionOrder).slice(0, over) : [];
  plan.delete = [...extra, ...victims];
  const missing: number[] = [];
  for (let i = 0; i < completions && missing.length < wantActive - valid.length; i++)
    if (!succeededIndexes.has(i) && !seen.has(i)) missing.push(i);
  if (missing.length === 0) return;
  if (backoff > 0) plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? backoff, backoff);
  else for (const index of missing.slice(0, 500)) plan.create.push({ index });
}
