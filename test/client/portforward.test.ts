// The client session of pods/portforward against the API server's own SPDY handler over a plain
// TCP connection (no upgrade, no pod): bytes both ways through one stream pair, several
// connections on one session, and a dial failure reported as the error stream's text.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { servePortForward } from '../../src/apiserver/portforward.js';
import { PortForwardSession } from '../../src/client/portforward.js';

let echo: Server;
let apiserver: Server;
let session: PortForwardSession;

const listen = (s: Server): Promise<number> =>
  new Promise((resolve) =>
    s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)),
  );

before(async () => {
  echo = createServer((sock) => sock.pipe(sock));
  const echoPort = await listen(echo);
  apiserver = createServer((sock) => {
    servePortForward(sock, async (port) => {
      if (port !== 80)
        throw new Error(`failed to connect to 10.0.0.1:${port}: connect ECONNREFUSED`);
      const up = connect(echoPort, '127.0.0.1');
      await new Promise((r) => up.once('connect', r));
      return up;
    });
  });
  const port = await listen(apiserver);
  const sock = connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  session = new PortForwardSession(sock);
});
after(async () => {
  session.close();
  await session.closed;
  await new Promise((r) => apiserver.close(r));
  await new Promise((r) => echo.close(r));
});

/** A local "connection": what the test writes goes out, what comes back is collected. */
function localPair(payload: Buffer): { local: Duplex; received: Promise<Buffer> } {
  const incoming = new PassThrough();
  const chunks: Buffer[] = [];
  const received = new Promise<Buffer>((resolve) => {
    incoming.on('data', (c: Buffer) => chunks.push(c));
    incoming.on('end', () => resolve(Buffer.concat(chunks)));
  });
  const local = Duplex.from({ readable: Duplex.from([payload]), writable: incoming });
  return { local, received };
}

test('bytes go through and come back intact, on several connections', async () => {
  for (const size of [1, 70_000, 2_000_000]) {
    const payload = randomBytes(size);
    const { local, received } = localPair(payload);
    const [message, back] = await Promise.all([session.forward(80, local), received]);
    assert.equal(message, '');
    assert.ok(back.equals(payload), `${size} bytes`);
  }
});

test('a dial failure comes back as the error stream text', async () => {
  const { local } = localPair(Buffer.from('hello'));
  const message = await session.forward(9999, local);
  assert.equal(message, 'failed to connect to 10.0.0.1:9999: connect ECONNREFUSED');
});
