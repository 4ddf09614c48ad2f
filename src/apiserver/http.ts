// HTTP edge helpers: every response carries a Content-Type, every failure is a metav1.Status.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  compactDetails,
  internalError,
  isStatusError,
  StatusError,
  type Status,
} from '../api/status.js';

export function writeJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  contentType?: string,
): void {
  writeJsonText(res, code, JSON.stringify(body), contentType);
}

/** A response whose JSON text is already made. */
export function writeJsonText(
  res: ServerResponse,
  code: number,
  text: string,
  contentType?: string,
): void {
  res.writeHead(code, {
    'Content-Type': contentType ?? 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** writeJsonPieces sends about this many bytes per write. */
const PIECES_CHUNK = 64 * 1024;

/**
 * A response whose JSON is already made, as UTF-8 pieces to send one after the other (a large
 * LIST): written in chunks of about 64 KiB, each once the socket has taken the one before, so
 * nothing copies the whole answer into one buffer and the client reads the first chunks while
 * the later ones are encrypted. Writing sends the head at once: the caller waits for anything
 * the answer must wait for first. Stops early if the client goes away.
 */
export async function writeJsonPieces(
  res: ServerResponse,
  code: number,
  pieces: readonly Buffer[],
): Promise<void> {
  let length = 0;
  for (const piece of pieces) length += piece.length;
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': length });
  let chunk: Buffer[] = [];
  let size = 0;
  for (const piece of pieces) {
    chunk.push(piece);
    size += piece.length;
    if (size >= PIECES_CHUNK) {
      if (!res.write(Buffer.concat(chunk, size))) await drained(res);
      if (res.destroyed) return;
      chunk = [];
      size = 0;
    }
  }
  res.end(Buffer.concat(chunk, size));
}

/** Resolves when `res` (a response or a socket) can take more writes, or has closed. */
export function drained(res: ServerResponse | Duplex): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export function writeText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Converts any thrown value into the Status the client sees. Unknown errors are 500s. */
export function toStatus(err: unknown): Status {
  if (isStatusError(err)) return err.status;
  const message = err instanceof Error ? err.message : String(err);
  return internalError(message).status;
}

/**
 * A Status as upstream's encoder writes it: metav1.Status's field order (details before code)
 * and its omitempty fields left out when empty (a core resource's details carry no `group`).
 */
export function statusWire(status: Status): Record<string, unknown> {
  const out: Record<string, unknown> = {
    kind: status.kind,
    apiVersion: status.apiVersion,
    metadata: status.metadata,
  };
  if (status.status) out.status = status.status;
  if (status.message) out.message = status.message;
  if (status.reason) out.reason = status.reason;
  if (status.details !== undefined) out.details = compactDetails(status.details);
  if (status.code) out.code = status.code;
  return out;
}

export function writeError(res: ServerResponse, err: unknown): void {
  const status = toStatus(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  writeJson(res, status.code, statusWire(status));
}

/**
 * Holds a complete answer until the store has committed the writes made before it (group
 * commit), so no client is told of a write a crash could still lose: writeHead and end are
 * deferred until `settled()` resolves; if the commit fails, the client gets that failure's Status
 * instead. A streamed answer (write or flushHeaders: watches, logs) goes out at once.
 */
export function holdUntilSettled(
  res: ServerResponse,
  settled: () => Promise<void> | undefined,
): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const flushHeaders = res.flushHeaders.bind(res);
  let head: unknown[] | undefined;
  const sendHead = (): void => {
    const h = head;
    head = undefined;
    if (h) writeHead(...h);
  };
  const streaming = (): void => {
    sendHead();
    res.writeHead = writeHead as typeof res.writeHead;
    res.write = write as typeof res.write;
    res.flushHeaders = flushHeaders;
    res.end = end as typeof res.end;
  };
  res.writeHead = ((...args: unknown[]) => {
    head = args;
    return res;
  }) as typeof res.writeHead;
  res.write = ((...args: unknown[]) => {
    streaming();
    return write(...args);
  }) as typeof res.write;
  res.flushHeaders = () => {
    streaming();
    flushHeaders();
  };
  res.end = ((...args: unknown[]) => {
    const pending = settled();
    if (!pending) {
      sendHead();
      return end(...args);
    }
    pending.then(
      () => {
        sendHead();
        end(...args);
      },
      (err: unknown) => {
        head = undefined;
        const status = toStatus(err);
        const text = JSON.stringify(status);
        writeHead(status.code, {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(text),
        });
        end(text);
      },
    );
    return res;
  }) as typeof res.end;
}

/** The 404 the real API server gives for paths it does not serve. */
export function unknownPath(): StatusError {
  return StatusError.from(404, 'NotFound', 'the server could not find the requested resource', {});
}

/**
 * Reads the whole request body, refusing bodies above `limit` bytes with 413 (the rest of the
 * body is then read and dropped, so that the answer reaches the client). Listens for the stream's events rather than iterating it: an async iterator
 * costs more than the small body of a typical write.
 */
export function readBody(req: IncomingMessage, limit = 3 * 1024 * 1024): Promise<Buffer> {
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        done();
        req.resume();
        reject(
          StatusError.from(413, 'RequestEntityTooLarge', `request body exceeds ${limit} bytes`),
        );
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    // Closed before its end: the client went away mid-body.
    const onClose = (): void => {
      done();
      reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Answers a failed upgrade request with its Status over the raw socket, then closes it. */
export function writeUpgradeError(socket: Duplex, err: unknown): void {
  if (socket.destroyed || !socket.writable) return;
  const status = toStatus(err);
  const body = JSON.stringify(status);
  socket.end(
    `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
  setTimeout(() => socket.destroy(), 1000).unref();
}
