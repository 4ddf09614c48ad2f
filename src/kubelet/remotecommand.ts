// The v5.channel.k8s.io WebSocket protocol of exec and attach (client-go remotecommand): every
// binary message is [channel][payload]; 0 stdin, 1 stdout, 2 stderr, 3 the final Status,
// 4 terminal resize (JSON), and [255, channel] half-closes a channel (kubectl sends [255, 0] at
// the end of its stdin). The session ends with the Status on channel 3 and close code 1000.
import type { Readable } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import type { ContainerStream } from './runtime/interface.js';

export const REMOTE_COMMAND_PROTOCOL = 'v5.channel.k8s.io';

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;
/** Input buffered before the command starts; beyond this the client is not read meanwhile. */
const EARLY_INPUT_LIMIT = 256 * 1024;
/** How long a TTY session waits for the client's first terminal size. */
const FIRST_SIZE_WAIT_MS = 1000;
/** Output is paused while more than this is queued towards the client. */
const HIGH_WATER = 1024 * 1024;

/** The Status kubectl reads from channel 3 (its v4/v5 error decoder). */
export function remoteCommandStatus(
  command: string[] | undefined,
  exitCode: number | undefined,
  error?: string,
): Record<string, unknown> {
  if (error !== undefined) {
    return {
      metadata: {},
      status: 'Failure',
      message: error,
      reason: 'InternalError',
      code: 500,
      details: { causes: [{ message: error }] },
    };
  }
  if (exitCode === undefined || exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${(command ?? []).join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

export interface TerminalSize {
  width: number;
  height: number;
}

/** Terminal sizes in a resize message: JSON objects, one per line, keys in any case. */
export function parseResize(payload: Buffer): TerminalSize[] {
  const sizes: TerminalSize[] = [];
  for (const line of payload.toString('utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const obj = JSON.parse(line) as Record<string, unknown>;
      const get = (k: string): number => {
        const key = Object.keys(obj).find((x) => x.toLowerCase() === k);
        const v = key === undefined ? undefined : obj[key];
        return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff ? v : 0;
      };
      sizes.push({ width: get('width'), height: get('height') });
    } catch {
      // A malformed size is ignored, as upstream's decoder loop does.
    }
  }
  return sizes;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * Runs one exec or attach session on an upgraded WebSocket. `start` opens the container's
 * streams; they are closed (an exec killed) if the client goes away first.
 */
export async function serveRemoteCommand(
  ws: WebSocket,
  start: (size: TerminalSize | undefined) => Promise<ContainerStream>,
  command: string[] | undefined,
  tty: boolean,
): Promise<void> {
  let stream: ContainerStream | undefined;
  let gone = false;
  const early: Buffer[] = [];
  let earlyBytes = 0;
  let firstSize: ((size: TerminalSize) => void) | undefined;
  let resizing: Promise<void> = Promise.resolve();
  const handle = (buf: Buffer): void => {
    if (!stream || buf.length === 0) return;
    const ch = buf[0];
    if (ch === STDIN) {
      const stdin = stream.stdin;
      if (stdin && !stdin.writableEnded && !stdin.write(buf.subarray(1))) {
        // The process reads slower than the client sends: stop reading the client meanwhile.
        ws.pause();
        stdin.once('drain', () => ws.resume());
      }
    } else if (ch === RESIZE) {
      // One resize at a time, in order: kubectl attach sends a larger size then the real one.
      for (const size of parseResize(buf.subarray(1))) {
        const s = stream;
        resizing = resizing.then(() => s.resize(size.width, size.height));
      }
    } else if (ch === CLOSE && buf[1] === STDIN) {
      stream.stdin?.end();
    }
  };
  ws.on('message', (data, isBinary) => {
    if (!isBinary) return;
    const buf = toBuffer(data);
    if (stream) handle(buf);
    else {
      // Input that arrives before the command has started waits for it; past a bound, the
      // client is not read until then.
      early.push(buf);
      earlyBytes += buf.length;
      if (earlyBytes > EARLY_INPUT_LIMIT) ws.pause();
    }
    if (!stream && buf[0] === RESIZE) {
      const size = parseResize(buf.subarray(1)).at(-1);
      if (size) firstSize?.(size);
    }
  });
  ws.on('error', () => ws.terminate());
  ws.on('close', () => {
    gone = true;
    if (!stream) return;
    void stream.close();
    stream.stdout.resume();
    stream.stderr.resume();
  });
  const send = (ch: number, payload: Buffer, cb?: () => void): void => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(Buffer.concat([Buffer.from([ch]), payload]), { binary: true }, () => cb?.());
  };
  const finish = (status: Record<string, unknown>): void => {
    send(ERROR, Buffer.from(JSON.stringify(status)));
    if (ws.readyState === ws.OPEN) ws.close(1000);
  };

  // kubectl sends the terminal's size right after connecting: wait a moment for it, so the
  // command starts with the right size instead of being resized after its first output.
  const size = tty
    ? await new Promise<TerminalSize | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), FIRST_SIZE_WAIT_MS);
        firstSize = (s) => {
          clearTimeout(timer);
          resolve(s);
        };
        ws.once('close', () => firstSize?.({ width: 0, height: 0 }));
      })
    : undefined;
  firstSize = undefined;
  if (gone) return;
  try {
    stream = await start(size);
  } catch (err) {
    finish(remoteCommandStatus(command, undefined, (err as Error).message));
    return;
  }
  if (gone) {
    await stream.close();
    return;
  }
  for (const buf of early.splice(0)) handle(buf);
  if (earlyBytes > EARLY_INPUT_LIMIT && !(stream.stdin?.writableNeedDrain ?? false)) ws.resume();
  const pump = (from: Readable, ch: number): Promise<void> =>
    new Promise((resolve) => {
      from.on('data', (chunk: Buffer) => {
        send(ch, chunk, () => {
          if (from.isPaused() && ws.bufferedAmount < HIGH_WATER / 2) from.resume();
        });
        if (ws.bufferedAmount > HIGH_WATER) from.pause();
      });
      from.once('end', resolve);
      from.once('close', resolve);
    });
  const pumps = Promise.all([pump(stream.stdout, STDOUT), pump(stream.stderr, STDERR)]);
  let status: Record<string, unknown>;
  try {
    const code = await stream.done;
    await pumps;
    status = remoteCommandStatus(command, code);
  } catch (err) {
    status = remoteCommandStatus(command, undefined, (err as Error).message);
  }
  if (!gone) finish(status);
}
