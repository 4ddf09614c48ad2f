// CronJob schedules: parsing, time zones and missed fire times.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mostRecentScheduleTime, parseSchedule, validTimeZone } from '../../src/api/cron.js';

const t = (s: string): number => Date.parse(s);
const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

test('five-field schedules and descriptors; anything else is unparseable', () => {
  const every5 = parseSchedule('*/5 * * * *');
  assert.equal(iso(every5.next(t('2030-01-01T00:00:00Z'))), '2030-01-01T00:05:00.000Z');
  assert.equal(
    iso(parseSchedule('@hourly').next(t('2030-01-01T00:30:00Z'))),
    '2030-01-01T01:00:00.000Z',
  );
  assert.equal(
    iso(parseSchedule('@midnight').next(t('2030-01-01T00:30:00Z'))),
    '2030-01-02T00:00:00.000Z',
  );
  assert.equal(
    iso(parseSchedule('@annually').next(t('2030-01-01T00:30:00Z'))),
    '2031-01-01T00:00:00.000Z',
  );
  // Day of month and day of week: either matches, as in cron.
  const both = parseSchedule('0 0 13 * 5');
  assert.equal(iso(both.next(t('2030-01-01T00:00:00Z'))), '2030-01-04T00:00:00.000Z');
  assert.throws(() => parseSchedule('* * * * * *'), {
    message: 'expected exactly 5 fields, found 6: [* * * * * *]',
  });
  assert.throws(() => parseSchedule('@every 5m'), /unrecognized descriptor/);
  assert.throws(() => parseSchedule('61 * * * *'));
  assert.throws(() => parseSchedule('* * * * *', 'Mars/Olympus'), /unknown time zone/);
  assert.equal(validTimeZone('Europe/Berlin'), true);
  assert.equal(validTimeZone('Local'), false);
});

test('a time zone shifts the fire times', () => {
  const nineInBerlin = parseSchedule('0 9 * * *', 'Europe/Berlin');
  assert.equal(iso(nineInBerlin.next(t('2030-01-01T00:00:00Z'))), '2030-01-01T08:00:00.000Z');
  assert.equal(iso(nineInBerlin.next(t('2030-07-01T00:00:00Z'))), '2030-07-01T07:00:00.000Z');
});

test('the most recent missed fire time and how many were missed', () => {
  const s = parseSchedule('*/5 * * * *');
  assert.deepEqual(
    mostRecentScheduleTime(s, t('2030-01-01T00:01:00Z'), t('2030-01-01T00:04:59Z')),
    {
      time: undefined,
      missed: 0,
    },
  );
  assert.deepEqual(
    mostRecentScheduleTime(s, t('2030-01-01T00:01:00Z'), t('2030-01-01T00:05:00Z')),
    {
      time: t('2030-01-01T00:05:00Z'),
      missed: 1,
    },
  );
  assert.deepEqual(
    mostRecentScheduleTime(s, t('2030-01-01T00:00:00Z'), t('2030-01-01T00:17:00Z')),
    {
      time: t('2030-01-01T00:15:00Z'),
      missed: 3,
    },
  );
  // A day down: 288 missed, estimated from the interval as upstream does.
  assert.deepEqual(
    mostRecentScheduleTime(s, t('2030-01-01T00:00:00Z'), t('2030-01-02T00:02:00Z')),
    {
      time: t('2030-01-02T00:00:00Z'),
      missed: 288,
    },
  );
});
