import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import {
  parseResize,
  remoteCommandStatus,
  serveRemoteCommand,
} from '../../src/kubelet/remotecommand.js';
import type { ContainerStream } from '../../src/kubelet/runtime/interface.js';

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

test('a session applies resizes one at a time, in the order sent', async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  const port = (wss.address() as AddressInfo).port;
  const sizes: string[] = [];
  let calls = 0;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let exit: (code: number | undefined) => void = () => undefined;
  const stream: ContainerStream = {
    stdin: undefined,
    stdout,
    stderr,
    // The first resize is the slowest: applied concurrently, it would land last.
    resize: (w, h) =>
      new Promise((r) =>
        setTimeout(
          () => {
            sizes.push(`${w}x${h}`);
            r();
          },
          calls++ === 0 ? 100 : 1,
        ),
      ),
    done: new Promise((r) => (exit = r)),
    close: () => Promise.resolve(),
  };
  const served = new Promise<void>((resolve) => {
    wss.once('connection', (ws) => {
      void serveRemoteCommand(ws, () => Promise.resolve(stream), undefined, true).then(resolve);
    });
  });
  const client = new WebSocket(`ws://127.0.0.1:${port}`, ['v5.channel.k8s.io']);
  await new Promise((r) => client.once('open', r));
  const resize = (w: number, h: number): void =>
    client.send(
      Buffer.concat([Buffer.from([4]), Buffer.from(JSON.stringify({ Width: w, Height: h }))]),
    );
  // As kubectl attach: one size larger, then the real one, then a change.
  resize(124, 46);
  resize(123, 45);
  await new Promise((r) => setTimeout(r, 50));
  resize(100, 30);
  await new Promise((r) => setTimeout(r, 300));
  stdout.end();
  stderr.end();
  exit(undefined);
  await served;
  client.terminate();
  await new Promise((r) => wss.close(r));
  assert.deepEqual(sizes, ['124x46', '123x45', '100x30']);
});
