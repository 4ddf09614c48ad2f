// kubectl top's number formatting and Go's tabwriter layout, and the quantity helpers behind them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatBinaryBytes,
  formatNanoCores,
  quantityMilli,
  quantityNanos,
  quantityValue,
} from '../../src/api/quantity.js';
import { goDuration } from '../../src/apiserver/metrics.js';
import { printPodMetrics, tabwrite } from '../../src/cli/top.js';

test('quantities: canonical CPU and memory forms, exact parsing, upstream rounding', () => {
  assert.deepEqual([0, 1e9, 1.5e9, 1e6, 1_234_567, 250_000].map(formatNanoCores), [
    '0',
    '1',
    '1500m',
    '1m',
    '1234567n',
    '250u',
  ]);
  assert.deepEqual([0, 1000, 4096, 10 * 1048576, 123_456_789].map(formatBinaryBytes), [
    '0',
    '1000',
    '4Ki',
    '10Mi',
    '123456789',
  ]);
  assert.equal(quantityNanos('250m'), 250_000_000n);
  assert.equal(quantityNanos('1.5Gi'), 1_610_612_736n * 1_000_000_000n);
  assert.equal(quantityNanos('1e3'), 1000n * 1_000_000_000n);
  assert.equal(quantityMilli('1234567n'), 2n); // rounded up, as MilliValue
  assert.equal(quantityMilli('1000000n'), 1n);
  assert.equal(quantityValue('1500m'), 2n);
  assert.throws(() => quantityNanos('abc'));
  assert.deepEqual([0, 10.5, 1.0123, 60, 75.25].map(goDuration), [
    '0s',
    '10.5s',
    '1.012s',
    '1m0s',
    '1m15.25s',
  ]);
});

test('tabwrite pads every tab-terminated cell per column block, as Go text/tabwriter', () => {
  assert.equal(
    tabwrite('NAME\tCPU\t\na-long-name\t1m\t\n'),
    'NAME          CPU   \na-long-name   1m    \n',
  );
  // A line with fewer cells ends the block: the columns after it are measured afresh.
  assert.equal(
    tabwrite('a\tbbbbbbbbb\t\nc\t\ndd\tx\t\n'),
    'a     bbbbbbbbb   \nc     \ndd    x     \n',
  );
});

test('pod sums add containers exactly before rounding, as kubectl top --sum', () => {
  const out = printPodMetrics(
    [
      {
        name: 'p',
        namespace: 'default',
        containers: [
          { name: 'a', usage: { cpu: '1500000n', memory: '1Mi' } },
          { name: 'b', usage: { cpu: '1500000n', memory: '1Mi' } },
        ],
      },
    ],
    { containers: false, withNamespace: false, noHeaders: true, sortBy: '', sum: true },
  );
  assert.equal(
    out,
    'p     3m         2Mi        \n      ________   ________   \n      3m         2Mi        \n',
  );
});
