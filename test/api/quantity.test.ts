// canonicalQuantity against upstream's own expectations (apimachinery resource/quantity_test.go:
// TestQuantityParseEmit and the canonical forms kubectl shows back).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  canonicalQuantity,
  quantityMilli,
  quantityNanos,
  quantityValue,
} from '../../src/api/quantity.js';

test('quantities are stored in upstream canonical form', () => {
  const cases: Array<[string, string]> = [
    // TestQuantityParseEmit
    ['1Ki', '1Ki'],
    ['1Mi', '1Mi'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1000M', '1G'],
    ['.001Ki', '1024m'],
    ['.000001Ki', '1024u'],
    ['.000000001Ki', '1024n'],
    ['.000000000001Ki', '2n'],
    // decimal SI
    ['0', '0'],
    ['0m', '0'],
    ['1', '1'],
    ['1000m', '1'],
    ['0.5', '500m'],
    ['1.5', '1500m'],
    ['2000', '2k'],
    ['1500', '1500'],
    ['128974848', '128974848'],
    ['100m', '100m'],
    ['1080n', '1080n'],
    ['0.0000000001', '1n'],
    // binary SI: below 1024 or fractional goes decimal
    ['1536Mi', '1536Mi'],
    ['1.5Gi', '1536Mi'],
    ['0.5Ki', '512'],
    ['0.1Gi', '107374182400m'],
    // exponent
    ['1e3', '1e3'],
    ['3e3', '3e3'],
    ['80e-3', '80e-3'],
    ['300e6', '300e6'],
    ['1.5e3', '1500'],
    ['12e6', '12e6'],
  ];
  for (const [input, want] of cases) {
    assert.equal(canonicalQuantity(input), want, input);
    if (want !== '0') assert.equal(canonicalQuantity(`-${input}`), `-${want}`, `-${input}`);
  }
  assert.equal(canonicalQuantity('1.2.3'), undefined);
  assert.equal(canonicalQuantity('abc'), undefined);
});

test('memoised answers are the same on every call, refusals included', () => {
  for (let round = 0; round < 2; round++) {
    assert.equal(canonicalQuantity('0.5'), '500m');
    assert.equal(canonicalQuantity('1024Mi'), '1Gi');
    assert.equal(canonicalQuantity('12 apples'), undefined);
    assert.equal(quantityNanos('250m'), 250_000_000n);
    assert.throws(() => quantityNanos('12 apples'), /quantities must match/);
  }
});

test('Value and MilliValue round away from zero, as Go ScaledValue does', () => {
  assert.equal(quantityValue('1500m'), 2n);
  assert.equal(quantityValue('-0.5'), -1n);
  assert.equal(quantityValue('-1Gi'), -1073741824n);
  assert.equal(quantityMilli('-1n'), -1n);
  assert.equal(quantityMilli('-2.5m'), -3n);
});
