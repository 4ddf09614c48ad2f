// Jobs on a real cluster: an Indexed Job runs its pods as containers (each sees its
// JOB_COMPLETION_INDEX) and `kubectl wait --for=condition=complete` returns; a failing Job with
// backoffLimit 0 reaches Failed; deleting a Job collects its pods.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ensureBusyboxImage } from '../support/busybox-image.js';
import { dockerOrSkip } from '../support/docker.js';
import { e2eCluster } from '../support/e2e-cluster.js';

const c = e2eCluster('job');
const cluster = c.name;
const { kbox, kubectl } = c;

after(() => c.delete());

test('Jobs run to completion or failure on Docker', async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;
  await ensureBusyboxImage(docker);
  let r = await kbox(['cluster', 'start', '--name', cluster]);
  assert.equal(r.code, 0, r.stderr);

  r = await kubectl(
    ['apply', '-f', '-'],
    `apiVersion: batch/v1
kind: Job
metadata:
  name: count
spec:
  completions: 2
  parallelism: 2
  completionMode: Indexed
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: kbox.test/busybox:local
        command: ["sh", "-c", "echo index=$JOB_COMPLETION_INDEX host=$(hostname)"]
`,
  );
  assert.equal(r.stdout, 'job.batch/count created\n', r.stderr);
  r = await kubectl(['wait', '--for=condition=complete', 'job/count', '--timeout=120s']);
  if (r.code !== 0) assert.fail(`${r.stderr}\n${await c.diagnose('job/count')}`);
  assert.equal(r.stdout, 'job.batch/count condition met\n');
  r = await kubectl([
    'get',
    'job',
    'count',
    '-o',
    'jsonpath={.status.succeeded} {.status.completedIndexes} {.status.active}',
  ]);
  assert.equal(r.stdout, '2 0-1 0');
  r = await kubectl(['get', 'job', 'count', '--no-headers']);
  assert.match(r.stdout, /^count\s+Complete\s+2\/2\s+\d+s\s+\d+s\n$/);
  const logs: string[] = [];
  for (const i of ['0', '1']) {
    r = await kubectl([
      'get',
      'pods',
      '-l',
      `batch.kubernetes.io/job-name=count,batch.kubernetes.io/job-completion-index=${i}`,
      '-o',
      'jsonpath={.items[0].metadata.name}',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const logsOut = await kubectl(['logs', r.stdout]);
    logs.push(logsOut.stdout.trim());
  }
  assert.deepEqual(logs, ['index=0 host=count-0', 'index=1 host=count-1']);
  r = await kubectl([
    'get',
    'events',
    '--field-selector',
    'involvedObject.name=count,involvedObject.kind=Job',
    '-o',
    'jsonpath={range .items[*]}{.reason}{"\\n"}{end}',
  ]);
  assert.deepEqual(r.stdout.trim().split('\n').sort(), [
    'Completed',
    'SuccessfulCreate',
    'SuccessfulCreate',
  ]);

  r = await kubectl(
    ['apply', '-f', '-'],
    `apiVersion: batch/v1
kind: Job
metadata:
  name: broken
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: kbox.test/busybox:local
        command: ["sh", "-c", "exit 3"]
`,
  );
  assert.equal(r.code, 0, r.stderr);
  r = await kubectl(['wait', '--for=condition=failed', 'job/broken', '--timeout=120s']);
  if (r.code !== 0) assert.fail(`${r.stderr}\n${await c.diagnose('job/broken')}`);
  r = await kubectl([
    'get',
    'job',
    'broken',
    '-o',
    'jsonpath={.status.failed} {.status.conditions[?(@.type=="Failed")].reason}',
  ]);
  assert.equal(r.stdout, '1 BackoffLimitExceeded');

  // Deleting the Job collects its pods (the garbage collector follows the owner references).
  r = await kubectl(['delete', 'job', 'count', 'broken', '--wait=true', '--timeout=60s']);
  assert.equal(r.code, 0, r.stderr);
  const deadline = Date.now() + 60_000;
  let left = '';
  do {
    r = await kubectl(['get', 'pods', '-l', 'batch.kubernetes.io/job-name', '-o', 'name']);
    left = r.stdout.trim();
    if (left === '') break;
    await new Promise((res) => setTimeout(res, 500));
  } while (Date.now() < deadline);
  assert.equal(left, '');
});

test('a CronJob starts a Job on the next minute and records it', async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;
  let r = await kubectl(
    ['apply', '-f', '-'],
    `apiVersion: batch/v1
kind: CronJob
metadata:
  name: tick
spec:
  schedule: "* * * * *"
  jobTemplate:
    metadata:
      labels: {app: tick}
    spec:
      template:
        spec:
          restartPolicy: Never
          terminationGracePeriodSeconds: 1
          containers:
          - name: main
            image: kbox.test/busybox:local
            command: ["true"]
`,
  );
  assert.equal(r.stdout, 'cronjob.batch/tick created\n', r.stderr);
  let name = '';
  const deadline = Date.now() + 90_000;
  while (name === '' && Date.now() < deadline) {
    r = await kubectl([
      'get',
      'jobs',
      '-l',
      'app=tick',
      '-o',
      'jsonpath={.items[0].metadata.name}',
    ]);
    name = r.stdout.trim();
    if (name === '') await new Promise((res) => setTimeout(res, 1000));
  }
  assert.match(name, /^tick-\d{8}$/);
  const minute = Number(name.slice('tick-'.length));
  r = await kubectl(['wait', '--for=condition=complete', `job/${name}`, '--timeout=90s']);
  if (r.code !== 0) assert.fail(`${r.stderr}\n${await c.diagnose(`job/${name}`)}`);
  r = await kubectl([
    'get',
    'job',
    name,
    '-o',
    "jsonpath={.metadata.annotations['batch\\.kubernetes\\.io/cronjob-scheduled-timestamp']}",
  ]);
  assert.equal(r.stdout, new Date(minute * 60_000).toISOString().replace('.000Z', 'Z'));
  let status = '';
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    r = await kubectl([
      'get',
      'cronjob',
      'tick',
      '-o',
      'jsonpath={.status.lastScheduleTime} {.status.lastSuccessfulTime}',
    ]);
    status = r.stdout;
    if (/Z \S+Z$/.test(status)) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  assert.match(
    status,
    new RegExp(`^${new Date(minute * 60_000).toISOString().replace('.000Z', 'Z')} \\S+Z$`),
  );

  // Deleting the CronJob collects its Jobs and their pods.
  r = await kubectl(['delete', 'cronjob', 'tick']);
  assert.equal(r.code, 0, r.stderr);
  let left = 'x';
  const gone = Date.now() + 60_000;
  while (left !== '' && Date.now() < gone) {
    r = await kubectl(['get', 'jobs', '-l', 'app=tick', '-o', 'name']);
    left = r.stdout.trim();
    r = await kubectl(['get', 'pods', '-l', `batch.kubernetes.io/job-name=${name}`, '-o', 'name']);
    left += r.stdout.trim();
    if (left !== '') await new Promise((res) => setTimeout(res, 500));
  }
  assert.equal(left, '');
});
