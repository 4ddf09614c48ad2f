import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pauseBinary, pauseImageRef } from '../../src/kubelet/runtime/pause-image.js';
import { isStaticElf } from '../support/busybox-image.js';

test('the embedded pause is a static x86-64 ELF executable', () => {
  const bytes = pauseBinary('x64');
  assert.equal(bytes.length, 440);
  assert.ok(isStaticElf(bytes));
  assert.equal(bytes.readUInt16LE(18), 62, 'e_machine is x86-64');
  assert.equal(bytes.readUInt16LE(16), 2, 'e_type is EXEC');
});

test('the image tag follows the binary content', () => {
  assert.match(pauseImageRef('x64'), /^kbox\.local\/pause:\d+\.\d+\.\d+-[0-9a-f]{12}$/);
  assert.throws(
    () => pauseBinary('arm64'),
    /only built for x86-64 so far \(this machine is arm64\)/,
  );
});
