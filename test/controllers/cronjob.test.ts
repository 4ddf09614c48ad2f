// The Job a CronJob makes for one fire time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scheduledTimeHash } from '../../src/api/cron.js';
import type { KubeObject } from '../../src/api/types.js';
import { jobForSchedule, rfc3339InZone } from '../../src/controllers/cronjob/controller.js';

const t = (s: string): number => Date.parse(s);

test('the scheduled timestamp is RFC 3339 in the CronJob time zone', () => {
  assert.equal(
    rfc3339InZone(t('2030-07-01T07:00:00Z'), 'Europe/Berlin'),
    '2030-07-01T09:00:00+02:00',
  );
  assert.equal(
    rfc3339InZone(t('2030-07-01T07:00:00Z'), 'America/St_Johns'),
    '2030-07-01T04:30:00-02:30',
  );
  assert.equal(rfc3339InZone(t('2030-07-01T07:00:00Z'), undefined), '2030-07-01T07:00:00Z');
});

test('the Job for a fire time: name in minutes since the epoch, annotation, owner', () => {
  assert.equal(scheduledTimeHash(t('2030-01-01T00:05:00Z')), 31557605);
  const cj: KubeObject = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'nightly', namespace: 'ops', uid: 'c1' },
    spec: {
      schedule: '0 9 * * *',
      timeZone: 'Europe/Berlin',
      jobTemplate: {
        metadata: { labels: { app: 'n' }, annotations: { note: 'x' } },
        spec: { backoffLimit: 2, template: { spec: { restartPolicy: 'Never', containers: [] } } },
      },
    },
  };
  const j = jobForSchedule(cj, t('2030-01-01T08:00:00Z'));
  assert.deepEqual(j.metadata, {
    name: 'nightly-31558080',
    namespace: 'ops',
    labels: { app: 'n' },
    annotations: {
      note: 'x',
      'batch.kubernetes.io/cronjob-scheduled-timestamp': '2030-01-01T09:00:00+01:00',
    },
    ownerReferences: [
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        name: 'nightly',
        uid: 'c1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  });
  assert.deepEqual(j.spec, {
    backoffLimit: 2,
    template: { spec: { restartPolicy: 'Never', containers: [] } },
  });
});
