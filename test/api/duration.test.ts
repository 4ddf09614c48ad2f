import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  humanDuration,
  parseTime,
  rfc3339,
  shortHumanDuration,
  translateTimestampSince,
} from '../../src/api/duration.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

test('humanDuration matches apimachinery at every boundary', () => {
  const cases: [number, string][] = [
    [-2 * s, '<invalid>'],
    [-1500, '0s'],
    [0, '0s'],
    [59 * s, '59s'],
    [90 * s, '90s'],
    [119 * s + 999, '119s'],
    [120 * s, '2m'],
    [123 * s, '2m3s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [180 * m, '3h'],
    [185 * m, '3h5m'],
    [7 * h + 59 * m, '7h59m'],
    [8 * h + 30 * m, '8h'],
    [47 * h, '47h'],
    [48 * h, '2d'],
    [51 * h, '2d3h'],
    [7 * d + 23 * h, '7d23h'],
    [8 * d + 5 * h, '8d'],
    [400 * d, '400d'],
    [729 * d, '729d'],
    [730 * d, '2y'],
    [3 * 365 * d + 4 * d, '3y4d'],
    [8 * 365 * d + 100 * d, '8y'],
    [12 * 365 * d, '12y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`);
});

test('shortHumanDuration keeps a single unit', () => {
  const cases: [number, string][] = [
    [-5 * s, '<invalid>'],
    [59 * s, '59s'],
    [60 * s, '1m'],
    [59 * m, '59m'],
    [60 * m, '1h'],
    [23 * h, '23h'],
    [24 * h, '1d'],
    [364 * d, '364d'],
    [365 * d, '1y'],
  ];
  for (const [ms, want] of cases) assert.equal(shortHumanDuration(ms), want, `${ms}ms`);
});

test('translateTimestampSince reads unset and Go-zero times as <unknown>', () => {
  const now = new Date('2024-06-01T12:00:00Z');
  assert.equal(translateTimestampSince(undefined, now), '<unknown>');
  assert.equal(translateTimestampSince(null, now), '<unknown>');
  assert.equal(translateTimestampSince('', now), '<unknown>');
  assert.equal(translateTimestampSince('0001-01-01T00:00:00Z', now), '<unknown>');
  assert.equal(translateTimestampSince('2024-06-01T11:57:57Z', now), '2m3s');
  // MicroTime (events' eventTime) carries microseconds.
  assert.equal(translateTimestampSince('2024-06-01T11:59:30.123456Z', now), '29s');
  assert.equal(parseTime('not a time'), undefined);
});

test('rfc3339 prints second precision from a Date, milliseconds or a timestamp string', () => {
  assert.equal(rfc3339(new Date('2026-12-03T15:04:05.999Z')), '2026-12-03T15:04:05Z');
  assert.equal(rfc3339(Date.parse('2026-12-03T15:04:05.001Z')), '2026-12-03T15:04:05Z');
  assert.equal(rfc3339('2026-12-03T15:04:06.123456789Z'), '2026-12-03T15:04:06Z');
  assert.equal(rfc3339(0), '1970-01-01T00:00:00Z');
  assert.throws(() => rfc3339('not a time'), RangeError);
});
