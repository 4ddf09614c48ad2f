// pods/portforward over SPDY (portforward.k8s.io), as the kubelet serves it upstream: for each
// forwarded connection the client opens an error stream and a data stream with the same
// `requestid` and a `port`; once both are here the pod's port is dialled and the data stream is
// piped to it. A failure is written as text on the error stream (kubectl prints it as
// "an error occurred forwarding L -> R: <text>").
import type { Duplex } from 'node:stream';
import { RstStatus } from '../spdy/frames.js';
import { SpdySession, type SpdyStream } from '../spdy/session.js';

/** Opens a byte stream to `port` of the pod; rejects with the message the client should see. */
export type PortDialer = (port: number) => Promise<Duplex>;

/** How long the second stream of a pair may lag behind the first (upstream: 30 s). */
export const STREAM_PAIR_TIMEOUT_MS = 30_000;

interface Pair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** Why a new stream is refused (upstream's httpStreamReceived checks), or undefined. */
export function rejectStream(headers: Record<string, string>): string | undefined {
  const port = headers['port'];
  if (port === undefined || port === '') return '"port" header is required';
  if (!/^\d+$/.test(port) || Number(port) > 65535) {
    return `unable to parse "${port}" as a port`;
  }
  if (Number(port) < 1) return `port "${port}" must be > 0`;
  const type = headers['streamtype'];
  if (type === undefined || type === '') return '"streamType" header is required';
  if (type !== 'error' && type !== 'data') return `invalid stream type "${type}"`;
  return undefined;
}

export function servePortForward(
  transport: Duplex,
  dial: PortDialer,
  timeoutMs = STREAM_PAIR_TIMEOUT_MS,
): SpdySession {
  const pairs = new Map<string, Pair>();
  const sockets = new Set<Duplex>();

  const forward = async (pair: Required<Pair>): Promise<void> => {
    const { data, error } = pair;
    const port = Number(data.headers['port']);
    let upstream: Duplex;
    try {
      upstream = await dial(port);
    } catch (err) {
      if (!error.destroyed) error.end((err as Error).message);
      if (!data.destroyed) data.end();
      return;
    }
    if (data.destroyed) {
      upstream.destroy();
      return;
    }
    sockets.add(upstream);
    let finished = 0;
    const done = (): void => {
      if (++finished === 2) {
        error.end();
        sockets.delete(upstream);
      }
    };
    upstream.on('error', () => {
      data.reset(RstStatus.Cancel);
      error.destroy();
    });
    upstream.on('close', () => sockets.delete(upstream));
    data.on('close', () => {
      if (!data.readableEnded || !data.writableFinished) upstream.destroy();
    });
    data.on('end', done);
    upstream.on('end', done);
    data.pipe(upstream);
    upstream.pipe(data);
  };

  const session = new SpdySession(transport, {
    onStream: (stream) => {
      const why = rejectStream(stream.headers);
      if (why !== undefined) {
        stream.reset(RstStatus.Cancel);
        return;
      }
      stream.reply();
      const id = stream.headers['requestid'] ?? '';
      const kind = stream.headers['streamtype'] as 'data' | 'error';
      let pair = pairs.get(id);
      if (!pair) {
        const timer = setTimeout(() => {
          const p = pairs.get(id);
          pairs.delete(id);
          p?.error?.end('timed out waiting for the data and error streams of this request');
          p?.data?.reset(RstStatus.Cancel);
        }, timeoutMs);
        timer.unref();
        pair = { timer };
        pairs.set(id, pair);
      }
      if (pair[kind]) {
        // A second stream of the same kind for one request: refuse it, keep the first.
        stream.reset(RstStatus.ProtocolError);
        return;
      }
      pair[kind] = stream;
      // The client half-closes its error stream at once; nothing is read from it.
      if (kind === 'error') stream.resume();
      if (pair.data && pair.error) {
        clearTimeout(pair.timer);
        pairs.delete(id);
        void forward(pair as Required<Pair>);
      }
    },
    onClose: () => {
      for (const p of pairs.values()) clearTimeout(p.timer);
      pairs.clear();
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
  });
  return session;
}
