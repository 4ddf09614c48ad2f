// Go renderings that validation errors print: a core.ResourceList as %#v shows it, with each
// quantity as ParseQuantity's fast path builds it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goStringResourceList } from '../../src/api/validation.js';

const q = (value: string, scale: number, s: string, format: string): string =>
  `resource.Quantity{i:resource.int64Amount{value:${value}, scale:${scale}}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:${JSON.stringify(s)}, Format:${JSON.stringify(format)}}`;

test('a nil and an empty ResourceList', () => {
  assert.equal(goStringResourceList(undefined), 'core.ResourceList(nil)');
  assert.equal(goStringResourceList({}), 'core.ResourceList{}');
});

test('quantities keep their string only in canonical form, keys sorted', () => {
  assert.equal(
    goStringResourceList({ storage: '8Gi', cpu: '500m', a: '1Gi', b: '0', c: '1e3', d: '-3Ki' }),
    'core.ResourceList{' +
      [
        `"a":${q('1073741824', 0, '1Gi', 'BinarySI')}`,
        `"b":${q('0', 0, '', 'DecimalSI')}`,
        `"c":${q('1', 3, '1e3', 'DecimalExponent')}`,
        `"cpu":${q('500', -3, '500m', 'DecimalSI')}`,
        `"d":${q('-3072', 0, '-3Ki', 'BinarySI')}`,
        // A mantissa that is a multiple of 8 is not reused as the string.
        `"storage":${q('8589934592', 0, '', 'BinarySI')}`,
      ].join(', ') +
      '}',
  );
});
