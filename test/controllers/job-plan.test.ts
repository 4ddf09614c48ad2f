// The Job controller's decisions, from a Job and its pods to creates, deletes, status and events.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { podFromTemplate } from '../../src/controllers/job/controller.js';
import {
  formatIndexes,
  parseIndexes,
  planJob,
  podFailureBackoffRemaining,
  type JobPlan,
} from '../../src/controllers/job/plan.js';

type Json = Record<string, unknown>;
const NOW = Date.parse('2030-01-01T00:10:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

function job(spec: Json = {}, status: Json = {}, restartPolicy = 'Never'): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j', namespace: 'default', uid: 'u1' },
    spec: {
      parallelism: 1,
      completions: 1,
      backoffLimit: 6,
      ...spec,
      template: { spec: { restartPolicy, containers: [{ name: 'c', image: 'busybox' }] } },
    },
    status: { startTime: iso(NOW - 60_000), uncountedTerminatedPods: {}, ...status },
  };
}

let seq = 0;
function pod(
  phase: string,
  extra: { index?: number; finishedAt?: number; restarts?: number; deleting?: boolean } = {},
): KubeObject {
  seq++;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `p${seq}`,
      namespace: 'default',
      creationTimestamp: iso(NOW - 100_000 + seq * 1000),
      ...(extra.index !== undefined
        ? { annotations: { 'batch.kubernetes.io/job-completion-index': String(extra.index) } }
        : {}),
      ...(extra.deleting ? { deletionTimestamp: iso(NOW) } : {}),
    },
    spec: {},
    status: {
      phase,
      containerStatuses: [
        {
          name: 'c',
          restartCount: extra.restarts ?? 0,
          state:
            extra.finishedAt !== undefined
              ? {
                  terminated: {
                    exitCode: phase === 'Failed' ? 1 : 0,
                    finishedAt: iso(extra.finishedAt),
                  },
                }
              : { running: {} },
        },
      ],
    },
  };
}

const plan = (j: KubeObject, pods: KubeObject[], backoff = 0, canManage = true): JobPlan =>
  planJob(j, pods, { now: NOW, canManage, podFailureBackoffMs: backoff });
const conds = (p: JobPlan): string[] =>
  ((p.status?.conditions as Json[] | undefined) ?? []).map(
    (c) => `${String(c.type)} ${String(c.reason)}`,
  );

test('completed indexes are kept as compressed intervals', () => {
  assert.equal(formatIndexes([5, 0, 2, 1, 7, 8, 2]), '0-2,5,7-8');
  assert.equal(formatIndexes([]), '');
  assert.deepEqual([...parseIndexes('0-2,5,7-8', 8)].sort(), [0, 1, 2, 5, 7]);
});

test('active pods are min(parallelism, completions - succeeded)', () => {
  const p = plan(job({ parallelism: 3, completions: 4 }), [
    pod('Succeeded'),
    pod('Succeeded'),
    pod('Running'),
  ]);
  assert.equal(p.create.length, 1);
  assert.deepEqual(p.delete, []);
  assert.equal(p.status?.active, 2);
  assert.equal(p.status?.succeeded, 2);
});

test('too many active pods are scaled down, pending ones first', () => {
  const running = pod('Running');
  const pending = pod('Pending');
  const p = plan(job({ parallelism: 1, completions: 5 }), [running, pending]);
  assert.deepEqual(
    p.delete.map((d) => d.metadata.name),
    [pending.metadata.name],
  );
  assert.equal(p.create.length, 0);
});

test('reaching completions sets SuccessCriteriaMet and Complete with the completion time', () => {
  const p = plan(job({ completions: 2 }), [pod('Succeeded'), pod('Succeeded')]);
  assert.deepEqual(conds(p), [
    'SuccessCriteriaMet CompletionsReached',
    'Complete CompletionsReached',
  ]);
  assert.equal(p.status?.completionTime, iso(NOW));
  assert.deepEqual(p.events, [{ type: 'Normal', reason: 'Completed', message: 'Job completed' }]);
});

test('a work queue (no completions) completes once one pod succeeded and none runs', () => {
  const running = pod('Running');
  const p1 = plan(job({ parallelism: 2, completions: undefined }), [pod('Succeeded'), running]);
  assert.deepEqual(conds(p1), []);
  assert.equal(p1.create.length, 0, 'no new pods once one succeeded');
  const p2 = plan(job({ parallelism: 2, completions: undefined }), [
    pod('Succeeded'),
    pod('Succeeded'),
  ]);
  assert.deepEqual(conds(p2), [
    'SuccessCriteriaMet CompletionsReached',
    'Complete CompletionsReached',
  ]);
});

test('past backoffLimit the Job gets FailureTarget, its pods are deleted and counted, then Failed', () => {
  const running = pod('Running');
  const p = plan(job({ backoffLimit: 1, parallelism: 2, completions: 3 }), [
    pod('Failed'),
    pod('Failed'),
    running,
  ]);
  assert.deepEqual(conds(p), ['FailureTarget BackoffLimitExceeded']);
  assert.deepEqual(
    p.delete.map((d) => d.metadata.name),
    [running.metadata.name],
  );
  assert.equal(p.status?.failed, 3);
  assert.equal(p.status?.active, 0);
  assert.equal(p.status?.terminating, 1);
  assert.deepEqual(p.events, [], 'the Warning event comes with the Failed condition');
  // Next sync: the pod is gone.
  const after = job({ backoffLimit: 1, parallelism: 2, completions: 3 }, p.status);
  const p2 = plan(after, [pod('Failed'), pod('Failed')]);
  assert.deepEqual(conds(p2), [
    'FailureTarget BackoffLimitExceeded',
    'Failed BackoffLimitExceeded',
  ]);
  assert.equal(p2.status?.failed, 3);
  assert.equal(p2.status?.completionTime, undefined);
  assert.deepEqual(p2.events, [
    {
      type: 'Warning',
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
    },
  ]);
  // Finished: nothing more to do.
  const p3 = plan(job({}, p2.status), []);
  assert.deepEqual(p3, { create: [], delete: [], status: undefined, events: [] });
});

test('with restartPolicy OnFailure, container restarts count toward backoffLimit', () => {
  const below = plan(job({ backoffLimit: 3 }, {}, 'OnFailure'), [pod('Running', { restarts: 2 })]);
  assert.deepEqual(conds(below), []);
  const at = plan(job({ backoffLimit: 3 }, {}, 'OnFailure'), [pod('Running', { restarts: 3 })]);
  assert.deepEqual(conds(at), ['FailureTarget BackoffLimitExceeded']);
  const never = plan(job({ backoffLimit: 3 }, {}, 'Never'), [pod('Running', { restarts: 3 })]);
  assert.deepEqual(conds(never), [], 'Never: restarts do not happen, failed pods count instead');
});

test('activeDeadlineSeconds requeues until the deadline, then fails the Job', () => {
  const early = plan(job({ activeDeadlineSeconds: 100 }), [pod('Running')]);
  assert.equal(early.requeueAfterMs, 40_000);
  const late = plan(job({ activeDeadlineSeconds: 50 }), [pod('Running')]);
  assert.deepEqual(conds(late), ['FailureTarget DeadlineExceeded']);
  assert.equal(late.delete.length, 1);
  assert.equal(late.requeueAfterMs, undefined);
});

test('failed pods are replaced after an exponential backoff since the last failure', () => {
  const pods = [
    pod('Failed', { finishedAt: NOW - 5000 }),
    pod('Failed', { finishedAt: NOW - 1000 }),
  ];
  // Two failures since the last success: 10 s * 2 from the last one.
  assert.equal(podFailureBackoffRemaining(pods, NOW, 10_000), 19_000);
  const p = plan(job(), pods, 10_000);
  assert.equal(p.create.length, 0);
  assert.equal(p.requeueAfterMs, 19_000);
  const later = planJob(job(), pods, {
    now: NOW + 19_000,
    canManage: true,
    podFailureBackoffMs: 10_000,
  });
  assert.equal(later.create.length, 1);
  // A success resets the count.
  assert.equal(
    podFailureBackoffRemaining([...pods, pod('Succeeded', { finishedAt: NOW - 500 })], NOW, 10_000),
    0,
  );
});

test('an Indexed Job creates the lowest missing indexes and drops duplicates', () => {
  const a = pod('Running', { index: 0 });
  const dup = pod('Running', { index: 0 });
  const done = pod('Succeeded', { index: 2 });
  const p = plan(job({ completionMode: 'Indexed', completions: 4, parallelism: 3 }), [
    a,
    dup,
    done,
  ]);
  assert.deepEqual(
    p.delete.map((d) => d.metadata.name),
    [dup.metadata.name],
  );
  assert.deepEqual(p.create, [{ index: 1 }, { index: 3 }]);
  assert.equal(p.status?.completedIndexes, '2');
  assert.equal(p.status?.succeeded, 1);
});

test('suspend deletes active pods without counting them; startTime is cleared', () => {
  const p = plan(job({ suspend: true, parallelism: 2, completions: 2 }), [
    pod('Running'),
    pod('Pending'),
  ]);
  assert.equal(p.delete.length, 2);
  assert.equal(p.status?.failed, 0);
  assert.equal(p.status?.startTime, undefined);
  assert.deepEqual(conds(p), ['Suspended JobSuspended']);
  assert.deepEqual(p.events, [{ type: 'Normal', reason: 'Suspended', message: 'Job suspended' }]);
});

test('while its own writes are in flight, the plan neither creates nor deletes', () => {
  const p = plan(job({ parallelism: 2, completions: 2 }), [], 0, false);
  assert.deepEqual(p.create, []);
  assert.deepEqual(p.delete, []);
});

test('an Indexed pod carries its index as annotation, label, hostname and env', () => {
  const j = job({ completionMode: 'Indexed', completions: 3 });
  const p = podFromTemplate(j, 2);
  assert.equal(p.metadata.generateName, 'j-2-');
  assert.equal(p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'], '2');
  assert.equal(p.metadata.labels?.['batch.kubernetes.io/job-completion-index'], '2');
  assert.equal((p.spec as { hostname?: string }).hostname, 'j-2');
  assert.deepEqual(p.metadata.ownerReferences, [
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      name: 'j',
      uid: 'u1',
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.equal(podFromTemplate(job(), undefined).metadata.generateName, 'j-');
});
