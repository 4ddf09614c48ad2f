import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from '../../src/cli/duration.js';

test('Go-style durations', () => {
  assert.equal(parseDuration('60s'), 60_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('45'), 45_000);
  assert.throws(() => parseDuration('soon'), /invalid duration "soon"/);
  assert.throws(() => parseDuration('5x'), /invalid duration "5x"/);
});
