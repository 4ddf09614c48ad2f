// The rollout status viewers and helpers, against kubectl's wording (pkg/polymorphichelpers).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { CliError } from '../../src/cli/cluster.js';
import {
  daemonSetStatus,
  historyTable,
  rfc3339Local,
  rollbackPatch,
  rollbackTarget,
  statefulSetStatus,
} from '../../src/cli/rollout.js';

const obj = (name: string, generation: number, spec: unknown, status: unknown): KubeObject => ({
  metadata: { name, generation },
  spec,
  status,
});

test('daemon set status: observed, updated, available, done; OnDelete refused', () => {
  const rolling = { updateStrategy: { type: 'RollingUpdate' } };
  assert.deepEqual(daemonSetStatus(obj('ds', 2, rolling, { observedGeneration: 1 })), {
    message: 'Waiting for daemon set spec update to be observed...\n',
    done: false,
  });
  assert.equal(
    daemonSetStatus(
      obj('ds', 1, rolling, {
        observedGeneration: 1,
        desiredNumberScheduled: 3,
        updatedNumberScheduled: 1,
      }),
    ).message,
    'Waiting for daemon set "ds" rollout to finish: 1 out of 3 new pods have been updated...\n',
  );
  assert.equal(
    daemonSetStatus(
      obj('ds', 1, rolling, {
        observedGeneration: 1,
        desiredNumberScheduled: 3,
        updatedNumberScheduled: 3,
        numberAvailable: 2,
      }),
    ).message,
    'Waiting for daemon set "ds" rollout to finish: 2 of 3 updated pods are available...\n',
  );
  assert.deepEqual(
    daemonSetStatus(
      obj('ds', 1, rolling, {
        observedGeneration: 1,
        desiredNumberScheduled: 3,
        updatedNumberScheduled: 3,
        numberAvailable: 3,
      }),
    ),
    { message: 'daemon set "ds" successfully rolled out\n', done: true },
  );
  assert.throws(
    () => daemonSetStatus(obj('ds', 1, { updateStrategy: { type: 'OnDelete' } }, {})),
    new CliError('rollout status is only available for RollingUpdate strategy type'),
  );
});

test('stateful set status: ready pods, partitions, revisions', () => {
  const spec = { replicas: 3, updateStrategy: { type: 'RollingUpdate' } };
  assert.equal(
    statefulSetStatus(obj('db', 1, spec, { observedGeneration: 0 })).message,
    'Waiting for statefulset spec update to be observed...\n',
  );
  assert.equal(
    statefulSetStatus(obj('db', 1, spec, { observedGeneration: 1, readyReplicas: 1 })).message,
    'Waiting for 2 pods to be ready...\n',
  );
  const partitioned = {
    replicas: 3,
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } },
  };
  assert.deepEqual(
    statefulSetStatus(
      obj('db', 1, partitioned, { observedGeneration: 1, readyReplicas: 3, updatedReplicas: 1 }),
    ),
    {
      message:
        'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...\n',
      done: false,
    },
  );
  assert.deepEqual(
    statefulSetStatus(
      obj('db', 1, spec, {
        observedGeneration: 1,
        readyReplicas: 3,
        updatedReplicas: 2,
        currentRevision: 'db-1',
        updateRevision: 'db-2',
      }),
    ),
    {
      message: 'waiting for statefulset rolling update to complete 2 pods at revision db-2...\n',
      done: false,
    },
  );
  assert.deepEqual(
    statefulSetStatus(
      obj('db', 1, spec, {
        observedGeneration: 1,
        readyReplicas: 3,
        currentReplicas: 3,
        currentRevision: 'db-2',
        updateRevision: 'db-2',
      }),
    ),
    { message: 'statefulset rolling update complete 3 pods at revision db-2...\n', done: true },
  );
});

const rs = (rev: string | undefined, image: string): KubeObject => ({
  metadata: {
    name: `rs-${rev ?? 'none'}`,
    annotations: rev === undefined ? {} : { 'deployment.kubernetes.io/revision': rev },
  },
  spec: {
    template: {
      metadata: { labels: { app: 'web', 'pod-template-hash': `h${rev ?? ''}` } },
      spec: { containers: [{ name: 'c', image }] },
    },
  },
});

test('history: sorted revisions, <none> for a missing cause, message when empty', () => {
  assert.equal(historyTable(new Map()), 'No rollout history found.');
  assert.equal(
    historyTable(
      new Map([
        [10, ''],
        [9, ''],
      ]),
    ),
    'REVISION  CHANGE-CAUSE\n9         <none>\n10        <none>\n',
  );
});

test('rollback target: the previous revision, or the one asked for', () => {
  const d: KubeObject = { metadata: { name: 'web' }, spec: {} };
  const all = [rs('3', 'c'), rs('1', 'a'), rs('2', 'b')];
  assert.equal(rollbackTarget(d, all, 0).metadata.name, 'rs-2');
  assert.equal(rollbackTarget(d, all, 1).metadata.name, 'rs-1');
  assert.throws(
    () => rollbackTarget(d, all, 7),
    new CliError('unable to find specified revision 7 in history'),
  );
  assert.throws(
    () => rollbackTarget(d, [rs('1', 'a')], 0),
    new CliError('no rollout history found for deployment "web"'),
  );
});

test('rollback patch: template without the hash label; none when already equal', () => {
  const target = rs('1', 'a');
  const d: KubeObject = {
    metadata: {
      name: 'web',
      annotations: { 'deployment.kubernetes.io/revision': '2', stale: 'x' },
    },
    spec: {
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'b' }] },
      },
    },
  };
  assert.deepEqual(rollbackPatch(d, target), [
    {
      op: 'replace',
      path: '/spec/template',
      value: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'a' }] },
      },
    },
    {
      op: 'replace',
      path: '/metadata/annotations',
      value: { 'deployment.kubernetes.io/revision': '2' },
    },
  ]);
  const same: KubeObject = {
    ...d,
    spec: {
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'web' } },
        spec: { containers: [{ image: 'a', name: 'c' }] },
      },
    },
  };
  assert.equal(rollbackPatch(same, target), undefined);
});

test('restartedAt is Go RFC 3339 in local time', () => {
  const s = rfc3339Local(new Date('2024-05-01T10:00:00.123Z'));
  assert.match(s, /^2024-05-0[12]T\d\d:\d\d:00(Z|[+-]\d\d:\d\d)$/);
  if (new Date().getTimezoneOffset() === 0) assert.equal(s, '2024-05-01T10:00:00Z');
});
