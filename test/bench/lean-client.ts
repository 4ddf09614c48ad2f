// A lean HTTPS/1.1 load generator for the benchmarks: keep-alive TLS connections, one request
// at a time on each (no pipelining), requests written as one string, responses read as bytes
// (Content-Length or chunked). On a 2-core machine the clients share the CPU with the server, so
// a client that spends ~130 µs per request (undici) takes throughput from the server it measures;
// this one spends about 50 µs.
import { connect, type TLSSocket } from 'node:tls';

export interface LeanResponse {
  status: number;
  body: Buffer;
}

interface Connection {
  socket: TLSSocket;
  buffered: Buffer;
  done: ((res: LeanResponse) => void) | undefined;
  fail: ((err: Error) => void) | undefined;
}

/** Bytes of one complete response at the start of `buf` (chunked or Content-Length), or -1. */
function responseEnd(
  buf: Buffer,
  headEnd: number,
  head: string,
): { end: number; body: Buffer } | -1 {
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (length) {
    const end = headEnd + 4 + Number(length[1]);
    return buf.length < end ? -1 : { end, body: buf.subarray(headEnd + 4, end) };
  }
  if (!/\r\ntransfer-encoding: *chunked/i.test(head)) {
    throw new Error(`response without a length: ${head.split('\r\n')[0]}`);
  }
  const parts: Buffer[] = [];
  let at = headEnd + 4;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at);
    if (lineEnd < 0) return -1;
    const size = parseInt(buf.subarray(at, lineEnd).toString('latin1'), 16);
    if (buf.length < lineEnd + 2 + size + 2) return -1;
    if (size === 0) return { end: lineEnd + 4, body: Buffer.concat(parts) };
    parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

function onData(c: Connection, chunk: Buffer): void {
  c.buffered = c.buffered.length === 0 ? chunk : Buffer.concat([c.buffered, chunk]);
  const headEnd = c.buffered.indexOf('\r\n\r\n');
  if (headEnd < 0) return;
  const head = c.buffered.subarray(0, headEnd).toString('latin1');
  const found = responseEnd(c.buffered, headEnd, head);
  if (found === -1) return;
  c.buffered = c.buffered.subarray(found.end);
  const done = c.done;
  c.done = undefined;
  c.fail = undefined;
  done?.({ status: Number(head.slice(9, 12)), body: found.body });
}

export interface LeanClient {
  request(method: string, path: string, body?: string): Promise<LeanResponse>;
  close(): void;
}

/** `connections` TLS connections to `url`; requests wait for a free one. */
export async function leanClient(
  url: string,
  ca: string,
  connections: number,
  headers: Record<string, string>,
): Promise<LeanClient> {
  const u = new URL(url);
  const free: Connection[] = [];
  const all: Connection[] = [];
  const waiting: Array<(c: Connection) => void> = [];
  await Promise.all(
    Array.from(
      { length: connections },
      () =>
        new Promise<void>((resolve, reject) => {
          const socket = connect({ host: u.hostname, port: Number(u.port), ca }, resolve);
          const c: Connection = {
            socket,
            buffered: Buffer.alloc(0),
            done: undefined,
            fail: undefined,
          };
          socket.once('error', reject);
          socket.on('error', (err) => c.fail?.(err));
          socket.on('close', () => c.fail?.(new Error('connection closed')));
          socket.on('data', (chunk: Buffer) => onData(c, chunk));
          free.push(c);
          all.push(c);
        }),
    ),
  );
  const fixed = Object.entries({ host: u.host, ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return {
    async request(method, path, body) {
      const c = free.pop() ?? (await new Promise<Connection>((r) => waiting.push(r)));
      try {
        return await new Promise<LeanResponse>((resolve, reject) => {
          c.done = resolve;
          c.fail = reject;
          const length = body === undefined ? '' : `content-length: ${Buffer.byteLength(body)}\r\n`;
          c.socket.write(`${method} ${path} HTTP/1.1\r\n${fixed}${length}\r\n${body ?? ''}`);
        });
      } finally {
        const next = waiting.shift();
        if (next) next(c);
        else free.push(c);
      }
    },
    close() {
      for (const c of all) c.socket.destroy();
    },
  };
}
