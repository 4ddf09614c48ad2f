// The Job and CronJob controllers against a real API server: pods "finish" by writing their
// status through pods/status (no kubelet), and the tests assert the exact status, conditions
// and events upstream produces.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { Informer } from '../../src/client/informer.js';
import { KubeClient } from '../../src/client/rest.js';
import { CRONJOBS, DEPLOYMENTS, JOBS, PODS, REPLICASETS } from '../../src/controllers/common.js';
import { CronJobController } from '../../src/controllers/cronjob/controller.js';
import { GarbageCollector } from '../../src/controllers/garbagecollector/controller.js';
import { JobController } from '../../src/controllers/job/controller.js';
import { startTestApi, type TestApi } from '../support/apiserver.js';
import { SkewClock } from '../support/clock.js';

type Json = Record<string, unknown>;
let api: TestApi;
let client: KubeClient;
let clock: SkewClock;
let cronClock: SkewClock;
let pods: Informer;
let jobs: Informer;
let cronjobs: Informer;
let jobController: JobController;
let cronController: CronJobController;
let gc: GarbageCollector;
let others: Informer[];

before(async () => {
  api = await startTestApi();
  client = new KubeClient({ server: api.url, timeoutMs: 5000 });
  // Separate clocks: jumps in the Job tests must not move the CronJob schedules.
  clock = new SkewClock();
  cronClock = new SkewClock();
  pods = new Informer(client, PODS);
  jobs = new Informer(client, JOBS);
  cronjobs = new Informer(client, CRONJOBS);
  jobController = new JobController(client, jobs, pods, () => {}, {
    clock,
    podFailureBackoffMs: 0,
  });
  cronController = new CronJobController(client, cronjobs, jobs, () => {}, { clock: cronClock });
  others = [new Informer(client, DEPLOYMENTS), new Informer(client, REPLICASETS)];
  gc = new GarbageCollector(
    client,
    {
      pods,
      jobs,
      cronjobs,
      deployments: others[0] as Informer,
      replicasets: others[1] as Informer,
    },
    () => {},
  );
  await Promise.all([pods, jobs, cronjobs, ...others].map((i) => i.start()));
  jobController.start();
  cronController.start();
  gc.start();
});

after(async () => {
  await Promise.all([jobController.stop(), cronController.stop(), gc.stop()]);
  await Promise.all([pods, jobs, cronjobs, ...others].map((i) => i.stop()));
  await client.close();
  await api.stop();
});

async function until<T>(f: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  const end = Date.now() + 10_000;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function job(name: string, spec: Json = {}, restartPolicy = 'Never'): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      ...spec,
      template: {
        spec: { restartPolicy, containers: [{ name: 'main', image: 'busybox' }] },
      },
    },
  };
}

const podsOf = (uid: string | undefined): Readonly<KubeObject>[] =>
  pods
    .list('default')
    .filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === uid))
    .sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)));
const phaseOf = (p: Readonly<KubeObject>): string =>
  (p.status as { phase?: string } | undefined)?.phase ?? '';
const activePods = (uid: string | undefined): Readonly<KubeObject>[] =>
  podsOf(uid).filter((p) => !['Succeeded', 'Failed'].includes(phaseOf(p)));

async function finish(p: Readonly<KubeObject>, phase: 'Succeeded' | 'Failed'): Promise<void> {
  await client.patch(
    PODS,
    'default',
    p.metadata.name ?? '',
    { status: { phase } },
    'merge',
    'status',
  );
}

async function getJob(name: string): Promise<KubeObject> {
  return client.get(JOBS, 'default', name);
}

async function eventsOf(uid: string | undefined): Promise<string[]> {
  const list = await client.list(
    { group: '', version: 'v1', resource: 'events', namespaced: true },
    'default',
  );
  return list.items
    .filter((e) => (e.involvedObject as { uid?: string }).uid === uid)
    .sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion))
    .map((e) => `${String(e.type)} ${String(e.reason)} ${String(e.message)}`);
}

const conditionSummary = (j: KubeObject): string[] =>
  ((j.status as { conditions?: Json[] }).conditions ?? []).map(
    (c) => `${String(c.type)}=${String(c.status)} ${String(c.reason)}: ${String(c.message)}`,
  );

test('a Job runs completions pods one at a time and completes', async () => {
  const created = await client.create(JOBS, 'default', job('two', { completions: 2 }));
  const uid = created.metadata.uid;
  const spec = created.spec as Json;
  // The API server's defaults and generated selector.
  assert.equal(spec.parallelism, 1);
  assert.equal(spec.backoffLimit, 6);
  assert.equal(spec.completionMode, 'NonIndexed');
  assert.equal(spec.suspend, false);
  assert.deepEqual(spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });

  const first = await until(() => activePods(uid)[0], 'the first pod');
  assert.match(first.metadata.name ?? '', /^two-[a-z0-9]{5}$/);
  assert.deepEqual(first.metadata.labels, {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': 'two',
    'controller-uid': uid,
    'job-name': 'two',
  });
  assert.deepEqual(first.metadata.ownerReferences, [
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      name: 'two',
      uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  const running = await until(async () => {
    const j = await getJob('two');
    return (j.status as Json).active === 1 ? j : undefined;
  }, 'status.active 1');
  assert.equal(typeof (running.status as Json).startTime, 'string');
  assert.equal(activePods(uid).length, 1, 'parallelism 1 means one pod at a time');

  await finish(first, 'Succeeded');
  const second = await until(
    () => activePods(uid).find((p) => p.metadata.name !== first.metadata.name),
    'the second pod',
  );
  await finish(second, 'Succeeded');
  const done = await until(async () => {
    const j = await getJob('two');
    return conditionSummary(j).some((c) => c.startsWith('Complete=True')) ? j : undefined;
  }, 'Complete');
  const status = done.status as Json;
  assert.equal(status.succeeded, 2);
  assert.equal(status.failed, 0);
  assert.equal(status.active, 0);
  assert.equal(status.ready, 0);
  assert.equal(status.terminating, 0);
  assert.equal(typeof status.completionTime, 'string');
  assert.deepEqual(conditionSummary(done), [
    'SuccessCriteriaMet=True CompletionsReached: Reached expected number of succeeded pods',
    'Complete=True CompletionsReached: Reached expected number of succeeded pods',
  ]);
  assert.deepEqual(await eventsOf(uid), [
    `Normal SuccessfulCreate Created pod: ${first.metadata.name ?? ''}`,
    `Normal SuccessfulCreate Created pod: ${second.metadata.name ?? ''}`,
    'Normal Completed Job completed',
  ]);
  assert.equal(podsOf(uid).length, 2, 'no pod beyond completions');

  // kubectl reads the same condition.
  const wait = await api.kubectl(['wait', '--for=condition=complete', 'job/two', '--timeout=10s']);
  assert.equal(wait.code, 0, wait.stderr);
  assert.equal(wait.stdout.trim(), 'job.batch/two condition met');
  const table = await api.kubectl(['get', 'job', 'two', '--no-headers']);
  assert.match(table.stdout, /^two\s+Complete\s+2\/2\s+/);
});

test('a Job fails past its backoffLimit', async () => {
  const created = await client.create(JOBS, 'default', job('flaky', { backoffLimit: 1 }));
  const uid = created.metadata.uid;
  const first = await until(() => activePods(uid)[0], 'the first pod');
  await finish(first, 'Failed');
  const second = await until(
    () => activePods(uid).find((p) => p.metadata.name !== first.metadata.name),
    'a replacement pod',
  );
  await finish(second, 'Failed');
  const failed = await until(async () => {
    const j = await getJob('flaky');
    return conditionSummary(j).some((c) => c.startsWith('Failed=True')) ? j : undefined;
  }, 'Failed');
  const status = failed.status as Json;
  assert.equal(status.failed, 2);
  assert.equal(status.succeeded, 0);
  assert.equal(status.active, 0);
  assert.equal(status.completionTime, undefined);
  assert.deepEqual(conditionSummary(failed), [
    'FailureTarget=True BackoffLimitExceeded: Job has reached the specified backoff limit',
    'Failed=True BackoffLimitExceeded: Job has reached the specified backoff limit',
  ]);
  assert.deepEqual(await eventsOf(uid), [
    `Normal SuccessfulCreate Created pod: ${first.metadata.name ?? ''}`,
    `Normal SuccessfulCreate Created pod: ${second.metadata.name ?? ''}`,
    'Warning BackoffLimitExceeded Job has reached the specified backoff limit',
  ]);
  assert.equal(podsOf(uid).length, 2);
});

test('an Indexed Job gives each pod its index and reports completedIndexes', async () => {
  const created = await client.create(
    JOBS,
    'default',
    job('idx', { completions: 3, parallelism: 2, completionMode: 'Indexed' }),
  );
  const uid = created.metadata.uid;
  const two = await until(() => (activePods(uid).length === 2 ? activePods(uid) : undefined), '2');
  const byIndex = new Map(
    two.map((p) => [p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'], p]),
  );
  assert.deepEqual([...byIndex.keys()].sort(), ['0', '1']);
  const p1 = byIndex.get('1');
  assert.ok(p1);
  assert.match(p1.metadata.name ?? '', /^idx-1-[a-z0-9]{5}$/);
  assert.equal(p1.metadata.labels?.['batch.kubernetes.io/job-completion-index'], '1');
  const podSpec = p1.spec as { hostname?: string; containers: Array<{ env?: Json[] }> };
  assert.equal(podSpec.hostname, 'idx-1');
  assert.deepEqual(podSpec.containers[0]?.env, [
    {
      name: 'JOB_COMPLETION_INDEX',
      valueFrom: {
        fieldRef: {
          apiVersion: 'v1',
          fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']",
        },
      },
    },
  ]);
  await finish(p1, 'Succeeded');
  const third = await until(
    () =>
      activePods(uid).find(
        (p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] === '2',
      ),
    'index 2',
  );
  const mid = await until(async () => {
    const j = await getJob('idx');
    return (j.status as Json).completedIndexes === '1' ? j : undefined;
  }, 'completedIndexes 1');
  assert.equal((mid.status as Json).succeeded, 1);
  await finish(third, 'Succeeded');
  const p0 = byIndex.get('0');
  assert.ok(p0);
  await finish(p0, 'Succeeded');
  const done = await until(async () => {
    const j = await getJob('idx');
    return conditionSummary(j).some((c) => c.startsWith('Complete=True')) ? j : undefined;
  }, 'Complete');
  assert.equal((done.status as Json).completedIndexes, '0-2');
  assert.equal((done.status as Json).succeeded, 3);
});

test('activeDeadlineSeconds fails the Job and deletes its running pods', async () => {
  const created = await client.create(JOBS, 'default', job('slow', { activeDeadlineSeconds: 60 }));
  const uid = created.metadata.uid;
  const pod = await until(() => activePods(uid)[0], 'the pod');
  await until(async () => ((await getJob('slow')).status as Json).startTime, 'startTime');
  clock.advance(61_000);
  const failed = await until(async () => {
    const j = await getJob('slow');
    return conditionSummary(j).some((c) => c.startsWith('Failed=True')) ? j : undefined;
  }, 'Failed');
  assert.deepEqual(conditionSummary(failed), [
    'FailureTarget=True DeadlineExceeded: Job was active longer than specified deadline',
    'Failed=True DeadlineExceeded: Job was active longer than specified deadline',
  ]);
  assert.equal((failed.status as Json).failed, 1);
  assert.equal((failed.status as Json).active, 0);
  assert.deepEqual(await eventsOf(uid), [
    `Normal SuccessfulCreate Created pod: ${pod.metadata.name ?? ''}`,
    `Normal SuccessfulDelete Deleted pod: ${pod.metadata.name ?? ''}`,
    'Warning DeadlineExceeded Job was active longer than specified deadline',
  ]);
  assert.deepEqual(podsOf(uid), []);
});

test('suspend deletes the running pods; resume starts them again', async () => {
  const created = await client.create(
    JOBS,
    'default',
    job('pausable', { parallelism: 2, completions: 4 }),
  );
  const uid = created.metadata.uid;
  await until(() => activePods(uid).length === 2, 'two pods');
  await client.patch(JOBS, 'default', 'pausable', { spec: { suspend: true } });
  const suspended = await until(async () => {
    const j = await getJob('pausable');
    return conditionSummary(j).length > 0 && (j.status as Json).active === 0 ? j : undefined;
  }, 'Suspended');
  assert.deepEqual(conditionSummary(suspended), ['Suspended=True JobSuspended: Job suspended']);
  assert.equal((suspended.status as Json).startTime, undefined);
  await until(() => podsOf(uid).length === 0, 'pods deleted');
  await client.patch(JOBS, 'default', 'pausable', { spec: { suspend: false } });
  const resumed = await until(async () => {
    const j = await getJob('pausable');
    return (j.status as Json).active === 2 ? j : undefined;
  }, 'resumed');
  assert.deepEqual(conditionSummary(resumed), ['Suspended=False JobResumed: Job resumed']);
  assert.equal(typeof (resumed.status as Json).startTime, 'string');
  const events = await until(async () => {
    const e = await eventsOf(uid);
    return e.includes('Normal Resumed Job resumed') ? e : undefined;
  }, 'the Resumed event');
  assert.deepEqual(
    events.filter((e) => !e.includes('SuccessfulCreate') && !e.includes('SuccessfulDelete')),
    ['Normal Suspended Job suspended', 'Normal Resumed Job resumed'],
  );
  assert.equal(events.filter((e) => e.includes('SuccessfulDelete')).length, 2);
  assert.equal(events.filter((e) => e.includes('SuccessfulCreate')).length, 4);
});

test('ttlSecondsAfterFinished deletes a finished Job', async () => {
  const created = await client.create(
    JOBS,
    'default',
    job('short', { ttlSecondsAfterFinished: 30 }),
  );
  const uid = created.metadata.uid;
  const pod = await until(() => activePods(uid)[0], 'the pod');
  await finish(pod, 'Succeeded');
  await until(
    () =>
      jobs.get('default/short')?.status &&
      conditionSummary(jobs.get('default/short') as KubeObject).length === 2,
    'Complete',
  );
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(jobs.get('default/short'), 'kept until the TTL passes');
  clock.advance(31_000);
  // Deleted in the foreground: the garbage collector removes the pod, then the Job.
  await until(() => jobs.get('default/short') === undefined, 'the Job deleted');
  assert.deepEqual(podsOf(uid), []);
});

test('a CronJob creates a Job per schedule, tracks it and keeps the history limit', async () => {
  const cj = await client.create(CRONJOBS, 'default', {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'tick', namespace: 'default' },
    spec: {
      schedule: '*/5 * * * *',
      successfulJobsHistoryLimit: 1,
      jobTemplate: {
        metadata: { labels: { app: 'tick' } },
        spec: {
          template: {
            spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] },
          },
        },
      },
    },
  });
  const uid = cj.metadata.uid;
  const created = Date.parse(cj.metadata.creationTimestamp ?? '');
  // The schedule is evaluated on the controller's clock: jump to the next multiple of 5 minutes
  // after the CronJob's creation (the real time the API server stamped).
  const firstFire = Math.ceil((created + 1) / 300_000) * 300_000;
  cronClock.advance(Math.max(0, firstFire - cronClock.now() + 1000));
  const firstName = `tick-${firstFire / 60_000}`;
  const first = await until(() => jobs.get(`default/${firstName}`), firstName);
  assert.equal(
    first.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'],
    new Date(firstFire).toISOString().replace('.000Z', 'Z'),
  );
  assert.equal(first.metadata.labels?.app, 'tick');
  assert.deepEqual(first.metadata.ownerReferences, [
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      name: 'tick',
      uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  const withActive = await until(async () => {
    const c = await client.get(CRONJOBS, 'default', 'tick');
    return ((c.status as Json).active as Json[] | undefined)?.length === 1 ? c : undefined;
  }, 'status.active');
  assert.deepEqual((withActive.status as Json).active, [
    {
      kind: 'Job',
      namespace: 'default',
      name: firstName,
      uid: first.metadata.uid,
      apiVersion: 'batch/v1',
      resourceVersion: (withActive.status as { active: Json[] }).active[0]?.resourceVersion,
    },
  ]);
  assert.equal(
    (withActive.status as Json).lastScheduleTime,
    new Date(firstFire).toISOString().replace('.000Z', 'Z'),
  );

  // The Job controller runs it; its pod finishes.
  const pod = await until(() => activePods(first.metadata.uid)[0], 'the cron job pod');
  await finish(pod, 'Succeeded');
  const seen = await until(async () => {
    const c = await client.get(CRONJOBS, 'default', 'tick');
    return (c.status as Json).active === undefined && (c.status as Json).lastSuccessfulTime
      ? c
      : undefined;
  }, 'the CronJob saw the completion');
  assert.equal(typeof (seen.status as Json).lastSuccessfulTime, 'string');

  // The next fire time: a second Job; the first, finished, falls out of the history of 1 once
  // the second completes.
  cronClock.advance(300_000);
  const secondFire = firstFire + 300_000;
  const secondName = `tick-${secondFire / 60_000}`;
  const second = await until(() => jobs.get(`default/${secondName}`), secondName);
  const pod2 = await until(() => activePods(second.metadata.uid)[0], 'the second pod');
  await finish(pod2, 'Succeeded');
  await until(() => jobs.get(`default/${firstName}`) === undefined, 'the first Job pruned');
  const events = await until(async () => {
    const e = await eventsOf(uid);
    return e.length >= 5 ? e : undefined;
  }, 'cronjob events');
  assert.deepEqual(events, [
    `Normal SuccessfulCreate Created job ${firstName}`,
    `Normal SawCompletedJob Saw completed job: ${firstName}, condition: Complete`,
    `Normal SuccessfulCreate Created job ${secondName}`,
    `Normal SawCompletedJob Saw completed job: ${secondName}, condition: Complete`,
    `Normal SuccessfulDelete Deleted job ${firstName}`,
  ]);
});

test('a Forbid CronJob skips a fire time while its Job runs', async () => {
  const cj = await client.create(CRONJOBS, 'default', {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'solo', namespace: 'default' },
    spec: {
      schedule: '@hourly',
      concurrencyPolicy: 'Forbid',
      jobTemplate: {
        spec: {
          template: {
            spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
          },
        },
      },
    },
  });
  const uid = cj.metadata.uid;
  // The first hour boundary after creation; the clock may already be past it.
  const created = Date.parse(cj.metadata.creationTimestamp ?? '');
  const fire1 = Math.ceil((created + 1) / 3_600_000) * 3_600_000;
  cronClock.advance(Math.max(0, fire1 - cronClock.now() + 1000));
  await until(() => jobs.get(`default/solo-${fire1 / 60_000}`), 'the first Job');
  cronClock.advance(fire1 + 3_601_000 - cronClock.now());
  const events = await until(async () => {
    const e = await eventsOf(uid);
    return e.length >= 2 ? e : undefined;
  }, 'JobAlreadyActive');
  assert.deepEqual(events, [
    `Normal SuccessfulCreate Created job solo-${fire1 / 60_000}`,
    'Normal JobAlreadyActive Not starting job because prior execution is running and concurrency policy is Forbid',
  ]);
  assert.equal(jobs.get(`default/solo-${(fire1 + 3_600_000) / 60_000}`), undefined);
});

test('the API server rejects an unparseable schedule and an unknown time zone', async () => {
  const r = await api.kubectl(
    ['create', '-f', '-'],
    JSON.stringify({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'bad' },
      spec: {
        schedule: '* * * *',
        timeZone: 'Mars/Olympus',
        jobTemplate: {
          spec: {
            template: {
              spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
            },
          },
        },
      },
    }),
  );
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr.trim(),
    'The CronJob "bad" is invalid: \n' +
      '* spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]\n' +
      '* spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus',
  );
});

test('a started Job keeps its pod template; re-applying the same manifest is a no-op', async () => {
  const manifest = (image: string): string =>
    JSON.stringify({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'fixed', namespace: 'default' },
      spec: {
        template: {
          spec: { restartPolicy: 'Never', containers: [{ name: 'c', image }] },
        },
      },
    });
  let r = await api.kubectl(['apply', '-f', '-'], manifest('busybox'));
  assert.equal(r.stdout, 'job.batch/fixed created\n', r.stderr);
  r = await api.kubectl(['apply', '-f', '-'], manifest('busybox'));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'job.batch/fixed unchanged\n');
  r = await api.kubectl(['apply', '-f', '-'], manifest('alpine'));
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^The Job "fixed" is invalid: spec\.template: Invalid value: .*: field is immutable\n$/,
  );
});
