// A SPDY/3.1 session over any byte stream (a socket after an HTTP upgrade, or a WebSocket
// tunnel), for either end. The API server's side receives streams the peer opens (SYN_STREAM):
// the session hands each to `onStream`, which answers with reply() or reset(). A client opens its
// own with open(), which resolves on the peer's SYN_REPLY. A stream is a Duplex: reading yields
// the peer's DATA, writing sends DATA, end() sends FIN.
//
// Flow control: kubectl's spdystream never sends WINDOW_UPDATE and ignores the ones it receives,
// so this side does not hold data back for a send window (it would stall after 64 KiB); it relies
// on the transport's own backpressure. It does return WINDOW_UPDATEs for what it has consumed, so
// a peer that enforces windows keeps going.
import type { Duplex as DuplexType } from 'node:stream';
import { Duplex } from 'node:stream';
import { encodeFrame, FrameParser, RstStatus, SpdyProtocolError, type Frame } from './frames.js';
import { HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from './headers.js';

const GOAWAY_OK = 0;
const GOAWAY_PROTOCOL_ERROR = 1;
const MAX_DATA_FRAME = 64 * 1024;
/** Return window to the peer in steps of this many consumed bytes. */
const WINDOW_STEP = 32 * 1024;
/** Streams one session may hold open at once; more are refused. */
export const MAX_STREAMS = 1000;

export class SpdyStream extends Duplex {
  readonly id: number;
  readonly headers: SpdyHeaders;
  readonly #session: SpdySession;
  #replied = false;
  #consumed = 0;

  /** `own`: opened by this side, so there is nothing to reply. */
  constructor(session: SpdySession, id: number, headers: SpdyHeaders, own = false) {
    super({ allowHalfOpen: true });
    this.#session = session;
    this.id = id;
    this.headers = headers;
    this.#replied = own;
  }

  /** Accepts the stream (SYN_REPLY). Data written before this is sent after it. */
  reply(headers: SpdyHeaders = {}): void {
    if (this.#replied || this.destroyed) return;
    this.#replied = true;
    this.#session.post(async (c) => ({
      type: 'syn_reply',
      streamId: this.id,
      fin: false,
      headerBlock: await c.compress(headers),
    }));
  }

  /** Refuses or aborts the stream (RST_STREAM) and destroys it locally. */
  reset(status: number = RstStatus.Cancel): void {
    if (this.destroyed) return;
    this.#session.post(() => ({ type: 'rst_stream', streamId: this.id, status }));
    this.#session.forget(this.id);
    this.destroy();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const pending: Array<Promise<void>> = [];
    for (let at = 0; at < chunk.length; at += MAX_DATA_FRAME) {
      const data = chunk.subarray(at, at + MAX_DATA_FRAME);
      pending.push(
        this.#session.send(() => ({ type: 'data', streamId: this.id, fin: false, data })),
      );
    }
    Promise.all(pending).then(
      () => cb(),
      (err: unknown) => cb(err as Error),
    );
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.#session
      .send(() => ({ type: 'data', streamId: this.id, fin: true, data: Buffer.alloc(0) }))
      .then(
        () => {
          this.#session.maybeForget(this);
          cb();
        },
        (err: unknown) => cb(err as Error),
      );
  }

  override _read(): void {
    this.#session.resumeIfHeld();
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.#session.forget(this.id);
    cb(err);
  }

  /** Called by the session with the peer's data; false asks the session to hold the transport. */
  deliver(data: Buffer): boolean {
    this.#consumed += data.length;
    if (this.#consumed >= WINDOW_STEP) {
      const delta = this.#consumed;
      this.#consumed = 0;
      this.#session.post(() => ({ type: 'window_update', streamId: this.id, delta }));
      this.#session.post(() => ({ type: 'window_update', streamId: 0, delta }));
    }
    return this.push(data);
  }
}

export interface SpdySessionOptions {
  /** Called for each stream the peer opens; must reply() or reset() it. */
  onStream(stream: SpdyStream): void;
  /** The side that opened the connection: its streams have odd ids, the peer's even ones. */
  client?: boolean;
  /** Called once, when the session has ended (transport closed or protocol error). */
  onClose?(err?: Error): void;
}

export class SpdySession {
  readonly #transport: DuplexType;
  readonly #opts: SpdySessionOptions;
  readonly #parser = new FrameParser();
  readonly #compressor = new HeaderCompressor();
  readonly #decompressor = new HeaderDecompressor();
  readonly #streams = new Map<number, SpdyStream>();
  #lastStreamId = 0;
  #nextOwnId: number;
  readonly #opening = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  #out: Promise<void> = Promise.resolve();
  #pumping = false;
  #held = false;
  #closed = false;

  constructor(transport: DuplexType, opts: SpdySessionOptions) {
    this.#transport = transport;
    this.#opts = opts;
    this.#nextOwnId = opts.client ? 1 : 2;
    transport.on('data', (chunk: Buffer) => {
      this.#parser.push(chunk);
      this.#pump();
    });
    transport.on('end', () => this.close());
    transport.on('close', () => this.close());
    transport.on('error', (err: Error) => this.close(err));
  }

  /** Streams open now (for tests and leak checks). */
  get streamCount(): number {
    return this.#streams.size;
  }

  /**
   * Queues a frame; frames leave in the order they were queued (a SYN_REPLY whose headers are
   * still being compressed keeps the stream's DATA behind it). Resolves once written.
   */
  send(build: (c: HeaderCompressor) => Frame | Promise<Frame>): Promise<void> {
    const next = this.#out.then(async () => {
      if (this.#transport.destroyed || !this.#transport.writable) {
        throw new Error('the SPDY session is closed');
      }
      const buf = encodeFrame(await build(this.#compressor));
      if (!this.#transport.write(buf)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            this.#transport.off('drain', done);
            this.#transport.off('close', done);
            resolve();
          };
          this.#transport.on('drain', done);
          this.#transport.on('close', done);
        });
      }
    });
    this.#out = next.catch(() => undefined);
    return next;
  }

  /** Queues a frame nobody waits for (a failure means the session is gone anyway). */
  post(build: (c: HeaderCompressor) => Frame | Promise<Frame>): void {
    this.send(build).catch(() => undefined);
  }

  /** Opens a stream of this side's (SYN_STREAM); resolves when the peer accepts it. */
  open(headers: SpdyHeaders): Promise<SpdyStream> {
    if (this.#closed) return Promise.reject(new Error('the SPDY session is closed'));
    const id = this.#nextOwnId;
    this.#nextOwnId += 2;
    const stream = new SpdyStream(this, id, headers, true);
    stream.on('error', () => undefined);
    this.#streams.set(id, stream);
    return new Promise<SpdyStream>((resolve, reject) => {
      this.#opening.set(id, { resolve: () => resolve(stream), reject });
      this.send(async (c) => ({
        type: 'syn_stream',
        streamId: id,
        associatedTo: 0,
        priority: 0,
        fin: false,
        unidirectional: false,
        headerBlock: await c.compress(headers),
      })).catch((err: unknown) => {
        this.#opening.delete(id);
        this.#streams.delete(id);
        reject(err as Error);
      });
    });
  }

  forget(id: number): void {
    this.#streams.delete(id);
  }

  /** Drops a stream from the table once both directions have finished. */
  maybeForget(s: SpdyStream): void {
    if (s.readableEnded && s.writableFinished) this.#streams.delete(s.id);
  }

  resumeIfHeld(): void {
    if (!this.#held) return;
    this.#held = false;
    if (!this.#pumping && !this.#closed) this.#transport.resume();
  }

  /** Ends the session: GOAWAY (when still possible), every stream destroyed, transport ended. */
  close(err?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    const goaway = encodeFrame({
      type: 'goaway',
      lastGoodStreamId: this.#lastStreamId,
      status: err instanceof SpdyProtocolError ? GOAWAY_PROTOCOL_ERROR : GOAWAY_OK,
    });
    // After every frame already queued; frames queued from now on are refused.
    void this.#out.then(() => {
      if (!this.#transport.destroyed && this.#transport.writable) this.#transport.end(goaway);
    });
    for (const s of this.#streams.values()) s.destroy();
    this.#streams.clear();
    for (const o of this.#opening.values()) o.reject(err ?? new Error('the SPDY session closed'));
    this.#opening.clear();
    this.#compressor.close();
    this.#decompressor.close();
    setTimeout(() => this.#transport.destroy(), 1000).unref();
    this.#opts.onClose?.(err);
  }

  #pump(): void {
    if (this.#pumping || this.#closed) return;
    this.#pumping = true;
    this.#transport.pause();
    void (async () => {
      try {
        for (;;) {
          if (this.#closed) return;
          const frame = this.#parser.next();
          if (!frame) break;
          await this.#handle(frame);
        }
      } catch (err) {
        this.close(err as Error);
        return;
      } finally {
        this.#pumping = false;
      }
      if (!this.#held && !this.#closed) this.#transport.resume();
    })();
  }

  async #handle(f: Frame): Promise<void> {
    switch (f.type) {
      case 'syn_stream': {
        // Decompress first, always: the zlib context must see every block in order.
        const headers = await this.#decompressor.decompress(f.headerBlock);
        const peerParity = this.#opts.client ? 0 : 1;
        if (f.streamId % 2 !== peerParity || f.streamId <= this.#lastStreamId) {
          throw new SpdyProtocolError(`invalid stream id ${f.streamId}`);
        }
        this.#lastStreamId = f.streamId;
        if (this.#streams.size >= MAX_STREAMS) {
          this.send(() => ({
            type: 'rst_stream',
            streamId: f.streamId,
            status: RstStatus.RefusedStream,
          })).catch(() => undefined);
          return;
        }
        const stream = new SpdyStream(this, f.streamId, headers);
        stream.on('error', () => undefined);
        this.#streams.set(f.streamId, stream);
        if (f.fin || f.unidirectional) stream.push(null);
        this.#opts.onStream(stream);
        return;
      }
      case 'syn_reply':
        await this.#decompressor.decompress(f.headerBlock);
        this.#opening.get(f.streamId)?.resolve();
        this.#opening.delete(f.streamId);
        return;
      case 'headers':
        await this.#decompressor.decompress(f.headerBlock);
        return;
      case 'data': {
        const stream = this.#streams.get(f.streamId);
        if (!stream || stream.readableEnded || stream.destroyed) {
          this.send(() => ({
            type: 'rst_stream',
            streamId: f.streamId,
            status: RstStatus.InvalidStream,
          })).catch(() => undefined);
          return;
        }
        if (f.data.length > 0 && !stream.deliver(f.data)) this.#hold();
        if (f.fin) {
          stream.push(null);
          stream.once('end', () => this.maybeForget(stream));
        }
        return;
      }
      case 'rst_stream': {
        const stream = this.#streams.get(f.streamId);
        this.#streams.delete(f.streamId);
        this.#opening.get(f.streamId)?.reject(new Error(`stream reset by the peer (${f.status})`));
        this.#opening.delete(f.streamId);
        stream?.destroy();
        return;
      }
      case 'ping':
        // The peer's pings come back unchanged; this side sends none of its own.
        this.send(() => ({ type: 'ping', id: f.id })).catch(() => undefined);
        return;
      case 'goaway':
        this.close();
        return;
      case 'settings':
      case 'window_update':
      case 'unknown':
        return;
    }
  }

  #hold(): void {
    this.#held = true;
    this.#transport.pause();
  }
}
