// The SPDY session and the port-forward stream pairing, driven over loopback TCP by a client
// written with the same codec (as kubectl's spdystream would speak it).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { after, before, test } from 'node:test';
import { servePortForward, type PortDialer } from '../../../src/apiserver/portforward.js';
import { encodeFrame, FrameParser, type Frame } from '../../../src/spdy/frames.js';
import {
  HeaderCompressor,
  HeaderDecompressor,
  type SpdyHeaders,
} from '../../../src/spdy/headers.js';
import type { SpdySession } from '../../../src/spdy/session.js';

/** An echo server standing in for the pod; it counts the connections it still holds. */
let echo: Server;
let echoPort = 0;
const echoSockets = new Set<Socket>();

before(async () => {
  echo = createServer({ allowHalfOpen: true }, (s) => {
    echoSockets.add(s);
    s.on('close', () => echoSockets.delete(s));
    s.on('error', () => undefined);
    s.pipe(s);
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  echoPort = (echo.address() as AddressInfo).port;
});

after(() => echo.close());

const dialEcho: PortDialer = (port) =>
  new Promise<Duplex>((resolve, reject) => {
    if (port !== 8080) {
      reject(new Error(`nothing listens on ${port}`));
      return;
    }
    const s = connect({ host: '127.0.0.1', port: echoPort, allowHalfOpen: true });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });

class Client {
  readonly socket: Socket;
  readonly #parser = new FrameParser();
  readonly #compressor = new HeaderCompressor();
  readonly #decompressor = new HeaderDecompressor();
  readonly #frames: Frame[] = [];
  #wake: (() => void) | undefined;
  closed = false;

  constructor(socket: Socket) {
    this.socket = socket;
    let decoding = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      this.#parser.push(chunk);
      for (let f = this.#parser.next(); f; f = this.#parser.next()) {
        const frame = f;
        // Header blocks are decoded in arrival order: the zlib context spans them all.
        decoding = decoding.then(async () => {
          if (frame.type === 'syn_reply' || frame.type === 'headers') {
            await this.#decompressor.decompress(frame.headerBlock);
          }
          this.#frames.push(frame);
          this.#wake?.();
        });
      }
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake?.();
    });
    socket.on('error', () => undefined);
  }

  send(f: Frame): void {
    this.socket.write(encodeFrame(f));
  }

  async open(streamId: number, headers: SpdyHeaders): Promise<void> {
    const headerBlock = await this.#compressor.compress(headers);
    this.send({
      type: 'syn_stream',
      streamId,
      associatedTo: 0,
      priority: 0,
      fin: false,
      unidirectional: false,
      headerBlock,
    });
  }

  /** The first frame received that matches (the others stay queued). */
  async next(match: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.#frames.findIndex(match);
      if (at >= 0) return this.#frames.splice(at, 1)[0] as Frame;
      if (this.closed) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a frame');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** Collects a stream's DATA until its FIN. */
  async readStream(streamId: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (;;) {
      const f = await this.next((x) => x.type === 'data' && x.streamId === streamId);
      if (f.type !== 'data') continue;
      parts.push(f.data);
      if (f.fin) return Buffer.concat(parts);
    }
  }

  close(): void {
    this.#compressor.close();
    this.#decompressor.close();
    this.socket.destroy();
  }
}

async function session(
  dial: PortDialer = dialEcho,
  timeoutMs?: number,
): Promise<{ client: Client; server: Server; sessions: SpdySession[] }> {
  const sessions: SpdySession[] = [];
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sessions.push(servePortForward(s, dial, timeoutMs));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(socket, 'connect');
  return { client: new Client(socket), server, sessions };
}

const fin = (streamId: number): Frame => ({
  type: 'data',
  streamId,
  fin: true,
  data: Buffer.alloc(0),
});

test('a forwarded connection: paired streams, data both ways beyond 64 KiB, FIN both ways', async () => {
  const { client, server, sessions } = await session();
  await client.open(1, { streamtype: 'error', port: '8080', requestid: '0' });
  client.send(fin(1));
  await client.open(3, { streamtype: 'data', port: '8080', requestid: '0' });
  const replies = [await client.next(() => true), await client.next(() => true)];
  assert.deepEqual(
    replies.map((f) => [f.type, 'streamId' in f ? f.streamId : 0]),
    [
      ['syn_reply', 1],
      ['syn_reply', 3],
    ],
  );
  // 300 KiB without a single WINDOW_UPDATE from this side: kubectl's spdystream sends none.
  const payload = Buffer.alloc(300 * 1024, 7);
  for (let at = 0; at < payload.length; at += 16 * 1024) {
    client.send({
      type: 'data',
      streamId: 3,
      fin: false,
      data: payload.subarray(at, at + 16 * 1024),
    });
  }
  client.send(fin(3));
  const back = await client.readStream(3);
  assert.equal(back.length, payload.length);
  assert.ok(back.equals(payload));
  // Both directions finished: the error stream closes empty (no error to report).
  assert.equal((await client.readStream(1)).length, 0);
  assert.equal(sessions[0]?.streamCount, 0);
  client.close();
  server.close();
});

test('a port nothing listens on: the error stream carries the dialer message', async () => {
  const { client, server } = await session();
  await client.open(1, { streamtype: 'error', port: '9999', requestid: '4' });
  client.send(fin(1));
  await client.open(3, { streamtype: 'data', port: '9999', requestid: '4' });
  assert.equal((await client.readStream(1)).toString(), 'nothing listens on 9999');
  assert.equal((await client.readStream(3)).length, 0);
  client.close();
  server.close();
});

test('pings are echoed; streams without a valid port or type are reset', async () => {
  const { client, server } = await session();
  client.send({ type: 'ping', id: 1 });
  assert.deepEqual(await client.next((f) => f.type === 'ping'), { type: 'ping', id: 1 });
  await client.open(1, { streamtype: 'data', requestid: '0' });
  assert.deepEqual(await client.next((f) => f.type === 'rst_stream'), {
    type: 'rst_stream',
    streamId: 1,
    status: 5,
  });
  await client.open(3, { streamtype: 'data', port: '70000', requestid: '0' });
  await client.open(5, { streamtype: 'other', port: '80', requestid: '0' });
  const resets = [
    await client.next((f) => f.type === 'rst_stream'),
    await client.next((f) => f.type === 'rst_stream'),
  ];
  assert.deepEqual(
    resets.map((f) => ('streamId' in f ? f.streamId : 0)),
    [3, 5],
  );
  // DATA for a stream that does not exist is answered with RST_STREAM INVALID_STREAM.
  client.send({ type: 'data', streamId: 41, fin: false, data: Buffer.from('x') });
  assert.deepEqual(await client.next((f) => f.type === 'rst_stream'), {
    type: 'rst_stream',
    streamId: 41,
    status: 2,
  });
  client.close();
  server.close();
});

test('a lone stream of a pair times out with a message on its error stream', async () => {
  const { client, server } = await session(dialEcho, 100);
  await client.open(1, { streamtype: 'error', port: '8080', requestid: '9' });
  client.send(fin(1));
  assert.match((await client.readStream(1)).toString(), /timed out waiting for the data and error/);
  client.close();
  server.close();
});

test('garbage ends the session with GOAWAY and never throws', async () => {
  const { client, server, sessions } = await session();
  // A SPDY/2 SYN_STREAM: the right shape, the wrong version.
  client.socket.write(Buffer.from('800200010000000a00000001000000000000', 'hex'));
  const goaway = await client.next((f) => f.type === 'goaway');
  assert.deepEqual(goaway, { type: 'goaway', lastGoodStreamId: 0, status: 1 });
  await once(client.socket, 'close');
  assert.equal(sessions[0]?.streamCount, 0);
  client.close();
  server.close();
});

test('a client that disconnects mid-stream leaves no connection to the pod behind', async () => {
  const { client, server } = await session();
  await client.open(1, { streamtype: 'error', port: '8080', requestid: '0' });
  client.send(fin(1));
  await client.open(3, { streamtype: 'data', port: '8080', requestid: '0' });
  client.send({ type: 'data', streamId: 3, fin: false, data: Buffer.from('hello') });
  const echoed = await client.next((f) => f.type === 'data' && f.streamId === 3);
  assert.equal(echoed.type === 'data' ? echoed.data.toString() : '', 'hello');
  assert.equal(echoSockets.size, 1);
  client.close();
  for (let i = 0; i < 100 && echoSockets.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(echoSockets.size, 0);
  server.close();
});
