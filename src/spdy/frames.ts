// SPDY/3 frame codec (draft-mbelshe-httpbis-spdy-00): the subset kubectl's spdystream speaks.
// Header blocks stay compressed here; headers.ts owns the per-direction zlib contexts.
//
// Control frame: |1|version(15)|type(16)| flags(8) length(24) | payload
// Data frame:    |0|stream id(31)       | flags(8) length(24) | payload

export const SPDY_VERSION = 3;
export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;
export const MAX_FRAME_PAYLOAD = 0xffffff;

export const FrameType = {
  SynStream: 1,
  SynReply: 2,
  RstStream: 3,
  Settings: 4,
  Ping: 6,
  GoAway: 7,
  Headers: 8,
  WindowUpdate: 9,
} as const;
type FrameTypeCode = (typeof FrameType)[keyof typeof FrameType];

/** RST_STREAM status codes. */
export const RstStatus = {
  ProtocolError: 1,
  InvalidStream: 2,
  RefusedStream: 3,
  UnsupportedVersion: 4,
  Cancel: 5,
  InternalError: 6,
  FlowControlError: 7,
  StreamInUse: 8,
  StreamAlreadyClosed: 9,
  FrameTooLarge: 11,
} as const;

export const SETTINGS_INITIAL_WINDOW_SIZE = 7;

export type Frame =
  | { type: 'data'; streamId: number; fin: boolean; data: Buffer }
  | {
      type: 'syn_stream';
      streamId: number;
      associatedTo: number;
      priority: number;
      fin: boolean;
      unidirectional: boolean;
      headerBlock: Buffer;
    }
  | { type: 'syn_reply'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { type: 'headers'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { type: 'rst_stream'; streamId: number; status: number }
  | {
      type: 'settings';
      clear: boolean;
      entries: Array<{ flags: number; id: number; value: number }>;
    }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'window_update'; streamId: number; delta: number }
  /** A control frame of a type this codec does not know: SPDY says to ignore it. */
  | { type: 'unknown'; frameType: number };

/** A violation of the framing that ends the session (the peer gets GOAWAY PROTOCOL_ERROR). */
export class SpdyProtocolError extends Error {}

const STREAM_ID_MASK = 0x7fffffff;

function controlHeader(type: FrameTypeCode, flags: number, length: number): Buffer {
  if (length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError(`frame of ${length} bytes`);
  const b = Buffer.alloc(8);
  b.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  b.writeUInt16BE(type, 2);
  b.writeUInt32BE(((flags & 0xff) << 24) | length, 4);
  return b;
}

function u32s(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

/** Serialises one frame; header blocks must already be compressed. */
export function encodeFrame(f: Frame): Buffer {
  switch (f.type) {
    case 'data': {
      if (f.data.length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError('data frame too large');
      const h = Buffer.alloc(8);
      h.writeUInt32BE(f.streamId & STREAM_ID_MASK, 0);
      h.writeUInt32BE(((f.fin ? FLAG_FIN : 0) << 24) | f.data.length, 4);
      return Buffer.concat([h, f.data]);
    }
    case 'syn_stream': {
      const body = Buffer.alloc(10);
      body.writeUInt32BE(f.streamId & STREAM_ID_MASK, 0);
      body.writeUInt32BE(f.associatedTo & STREAM_ID_MASK, 4);
      body.writeUInt8((f.priority & 0x7) << 5, 8);
      const flags = (f.fin ? FLAG_FIN : 0) | (f.unidirectional ? FLAG_UNIDIRECTIONAL : 0);
      return Buffer.concat([
        controlHeader(FrameType.SynStream, flags, 10 + f.headerBlock.length),
        body,
        f.headerBlock,
      ]);
    }
    case 'syn_reply':
    case 'headers':
      return Buffer.concat([
        controlHeader(
          f.type === 'syn_reply' ? FrameType.SynReply : FrameType.Headers,
          f.fin ? FLAG_FIN : 0,
          4 + f.headerBlock.length,
        ),
        u32s(f.streamId & STREAM_ID_MASK),
        f.headerBlock,
      ]);
    case 'rst_stream':
      return Buffer.concat([
        controlHeader(FrameType.RstStream, 0, 8),
        u32s(f.streamId & STREAM_ID_MASK, f.status),
      ]);
    case 'settings': {
      const entries = f.entries.flatMap((e) => [
        ((e.flags & 0xff) << 24) | (e.id & 0xffffff),
        e.value,
      ]);
      return Buffer.concat([
        controlHeader(FrameType.Settings, f.clear ? 1 : 0, 4 + f.entries.length * 8),
        u32s(f.entries.length, ...entries),
      ]);
    }
    case 'ping':
      return Buffer.concat([controlHeader(FrameType.Ping, 0, 4), u32s(f.id)]);
    case 'goaway':
      return Buffer.concat([
        controlHeader(FrameType.GoAway, 0, 8),
        u32s(f.lastGoodStreamId & STREAM_ID_MASK, f.status),
      ]);
    case 'window_update':
      return Buffer.concat([
        controlHeader(FrameType.WindowUpdate, 0, 8),
        u32s(f.streamId & STREAM_ID_MASK, f.delta & STREAM_ID_MASK),
      ]);
    case 'unknown':
      throw new SpdyProtocolError(`cannot encode control frame type ${f.frameType}`);
  }
}

function need(payload: Buffer, n: number, what: string): void {
  if (payload.length < n) throw new SpdyProtocolError(`${what} frame too short`);
}

function decodeControl(type: number, flags: number, p: Buffer): Frame {
  switch (type) {
    case FrameType.SynStream:
      need(p, 10, 'SYN_STREAM');
      return {
        type: 'syn_stream',
        streamId: p.readUInt32BE(0) & STREAM_ID_MASK,
        associatedTo: p.readUInt32BE(4) & STREAM_ID_MASK,
        priority: p.readUInt8(8) >> 5,
        fin: (flags & FLAG_FIN) !== 0,
        unidirectional: (flags & FLAG_UNIDIRECTIONAL) !== 0,
        headerBlock: p.subarray(10),
      };
    case FrameType.SynReply:
    case FrameType.Headers:
      need(p, 4, type === FrameType.SynReply ? 'SYN_REPLY' : 'HEADERS');
      return {
        type: type === FrameType.SynReply ? 'syn_reply' : 'headers',
        streamId: p.readUInt32BE(0) & STREAM_ID_MASK,
        fin: (flags & FLAG_FIN) !== 0,
        headerBlock: p.subarray(4),
      };
    case FrameType.RstStream:
      need(p, 8, 'RST_STREAM');
      return {
        type: 'rst_stream',
        streamId: p.readUInt32BE(0) & STREAM_ID_MASK,
        status: p.readUInt32BE(4),
      };
    case FrameType.Settings: {
      need(p, 4, 'SETTINGS');
      const n = p.readUInt32BE(0);
      if (p.length !== 4 + n * 8) throw new SpdyProtocolError('SETTINGS length mismatch');
      const entries = [];
      for (let i = 0; i < n; i++) {
        const word = p.readUInt32BE(4 + i * 8);
        entries.push({ flags: word >>> 24, id: word & 0xffffff, value: p.readUInt32BE(8 + i * 8) });
      }
      return { type: 'settings', clear: (flags & 1) !== 0, entries };
    }
    case FrameType.Ping:
      need(p, 4, 'PING');
      return { type: 'ping', id: p.readUInt32BE(0) };
    case FrameType.GoAway:
      need(p, 8, 'GOAWAY');
      return {
        type: 'goaway',
        lastGoodStreamId: p.readUInt32BE(0) & STREAM_ID_MASK,
        status: p.readUInt32BE(4),
      };
    case FrameType.WindowUpdate:
      need(p, 8, 'WINDOW_UPDATE');
      return {
        type: 'window_update',
        streamId: p.readUInt32BE(0) & STREAM_ID_MASK,
        delta: p.readUInt32BE(4) & STREAM_ID_MASK,
      };
    default:
      return { type: 'unknown', frameType: type };
  }
}

/** Incremental decoder: feed it transport bytes, take whole frames out. */
export class FrameParser {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
  }

  /** The next complete frame, or undefined until more bytes arrive. Throws SpdyProtocolError. */
  next(): Frame | undefined {
    if (this.#buf.length < 8) return undefined;
    const first = this.#buf.readUInt32BE(0);
    const word = this.#buf.readUInt32BE(4);
    const flags = word >>> 24;
    const length = word & 0xffffff;
    if (this.#buf.length < 8 + length) return undefined;
    // Copy the payload out so a retained frame does not pin the whole receive buffer.
    const payload = Buffer.from(this.#buf.subarray(8, 8 + length));
    this.#buf = this.#buf.subarray(8 + length);
    if ((first & 0x80000000) === 0) {
      const streamId = first & STREAM_ID_MASK;
      if (streamId === 0) throw new SpdyProtocolError('data frame on stream 0');
      return { type: 'data', streamId, fin: (flags & FLAG_FIN) !== 0, data: payload };
    }
    const version = (first >>> 16) & 0x7fff;
    if (version !== SPDY_VERSION) {
      throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
    }
    return decodeControl(first & 0xffff, flags, payload);
  }

  /** Bytes received but not yet part of a whole frame. */
  get buffered(): number {
    return this.#buf.length;
  }
}
