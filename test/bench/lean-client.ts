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
  /** Bytes of the response being read, not yet joined. */
  chunks: Buffer[];
  length: number;
  /** Once the head is in: its text, where the body starts, and the body's length if given. */
  head: { text: string; bodyAt: number; contentLength: number | undefined } | undefined;
  done: ((res: LeanResponse) => void) | undefined;
  fail: ((err: Error) => void) | undefined;
}

/** A chunked body's bytes, or undefined while its last chunk has not arrived. */
function dechunk(buf: Buffer, at: number): { end: number; body: Buffer } | undefined {
  const parts: Buffer[] = [];
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(buf.subarray(at, lineEnd).toString('latin1'), 16);
    if (buf.length < lineEnd + 2 + size + 2) return undefined;
    if (size === 0) return { end: lineEnd + 4, body: Buffer.concat(parts) };
    parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

const LAST_CHUNK = Buffer.from('\r\n0\r\n\r\n');

/**
 * Collects a response's bytes; joins them only once the head is complete and, for the body,
 * once Content-Length bytes are in or the last chunk was seen: linear in the response's size.
 */
function onData(c: Connection, chunk: Buffer): void {
  c.chunks.push(chunk);
  c.length += chunk.length;
  if (c.head === undefined) {
    const joined = Buffer.concat(c.chunks);
    c.chunks = [joined];
    const headEnd = joined.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const text = joined.subarray(0, headEnd).toString('latin1');
    const length = /\r\ncontent-length: *(\d+)/i.exec(text);
    if (!length && !/\r\ntransfer-encoding: *chunked/i.test(text)) {
      c.fail?.(new Error(`response without a length: ${text.split('\r\n')[0] ?? ''}`));
      return;
    }
    c.head = { text, bodyAt: headEnd + 4, contentLength: length ? Number(length[1]) : undefined };
  } else if (c.head.contentLength === undefined) {
    // Nothing follows a response before the next request: the body is complete when the data
    // so far ends with the last chunk (whose marker may straddle two reads).
    const tail =
      chunk.length >= LAST_CHUNK.length
        ? chunk.subarray(-LAST_CHUNK.length)
        : Buffer.concat(c.chunks).subarray(-LAST_CHUNK.length);
    if (!tail.equals(LAST_CHUNK)) return;
  }
  const { text, bodyAt, contentLength } = c.head;
  if (contentLength !== undefined && c.length < bodyAt + contentLength) return;
  const all = c.chunks.length === 1 ? (c.chunks[0] as Buffer) : Buffer.concat(c.chunks);
  const found =
    contentLength !== undefined
      ? { end: bodyAt + contentLength, body: all.subarray(bodyAt, bodyAt + contentLength) }
      : dechunk(all, bodyAt);
  if (found === undefined) {
    c.chunks = [all];
    return;
  }
  const rest = all.subarray(found.end);
  c.chunks = rest.length > 0 ? [rest] : [];
  c.length = rest.length;
  c.head = undefined;
  const done = c.done;
  c.done = undefined;
  c.fail = undefined;
  done?.({ status: Number(text.slice(9, 12)), body: found.body });
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
            chunks: [],
            length: 0,
            head: undefined,
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
