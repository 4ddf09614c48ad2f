import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseResize, remoteCommandStatus } from '../../src/kubelet/remotecommand.js';

test('resize messages: kubectl and JavaScript clients, several per message, junk ignored', () => {
  assert.deepEqual(parseResize(Buffer.from('{"Width":80,"Height":24}\n')), [
    { width: 80, height: 24 },
  ]);
  assert.deepEqual(parseResize(Buffer.from('{"height":50,"width":120}')), [
    { width: 120, height: 50 },
  ]);
  assert.deepEqual(parseResize(Buffer.from('{"Width":1,"Height":2}\n{"Width":3,"Height":4}\n')), [
    { width: 1, height: 2 },
    { width: 3, height: 4 },
  ]);
  assert.deepEqual(parseResize(Buffer.from('not json\n{"Width":-1,"Height":"x"}')), [
    { width: 0, height: 0 },
  ]);
});

test('the final Status: success, a non-zero exit code kubectl turns into its own, a failure', () => {
  assert.deepEqual(remoteCommandStatus(['true'], 0), { metadata: {}, status: 'Success' });
  assert.deepEqual(remoteCommandStatus(undefined, undefined), { metadata: {}, status: 'Success' });
  assert.deepEqual(remoteCommandStatus(['sh', '-c', 'exit 3'], 3), {
    metadata: {},
    status: 'Failure',
    message:
      'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: '3' }] },
  });
  assert.deepEqual(remoteCommandStatus(['x'], undefined, 'no such container'), {
    metadata: {},
    status: 'Failure',
    message: 'no such container',
    reason: 'InternalError',
    code: 500,
    details: { causes: [{ message: 'no such container' }] },
  });
});
