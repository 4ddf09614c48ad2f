// SPDY/3 header blocks: `u32 count, (u32 len, name, u32 len, value)*`, names lower-case, several
// values of one name joined by NUL. Each direction of a session compresses its blocks with one
// continuing zlib stream primed with the SPDY/3 dictionary, flushed (Z_SYNC_FLUSH) at the end of
// every block, so a block can only be decoded after every earlier block of the same direction.
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';
import { SpdyProtocolError } from './frames.js';

/** Header name → value (several values joined by NUL, as on the wire). */
export type SpdyHeaders = Record<string, string>;

/** A decompressed block larger than this ends the session (a zlib bomb guard). */
export const MAX_HEADER_BLOCK = 256 * 1024;

export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [];
  const entries = Object.entries(headers);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(entries.length, 0);
  parts.push(count);
  for (const [name, value] of entries) {
    for (const s of [name.toLowerCase(), value]) {
      const bytes = Buffer.from(s, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(bytes.length, 0);
      parts.push(len, bytes);
    }
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  const fail = (why: string): never => {
    throw new SpdyProtocolError(`invalid header block: ${why}`);
  };
  if (block.length < 4) fail('no count');
  const count = block.readUInt32BE(0);
  let at = 4;
  const read = (): string => {
    if (at + 4 > block.length) fail('truncated length');
    const len = block.readUInt32BE(at);
    at += 4;
    if (at + len > block.length) fail('truncated string');
    const s = block.toString('utf8', at, at + len);
    at += len;
    return s;
  };
  const headers: SpdyHeaders = Object.create(null) as SpdyHeaders;
  for (let i = 0; i < count; i++) {
    const name = read();
    const value = read();
    if (name === '') fail('empty header name');
    const key = name.toLowerCase();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}\0${value}`;
  }
  if (at !== block.length) fail('trailing bytes');
  return headers;
}

/** One zlib stream, one block at a time; calls are serialised in order. */
abstract class BlockCodec {
  readonly #z: Deflate | Inflate;
  #chunks: Buffer[] = [];
  #size = 0;
  #tail: Promise<unknown> = Promise.resolve();
  #broken: Error | undefined;

  constructor(z: Deflate | Inflate) {
    this.#z = z;
    z.on('data', (chunk: Buffer) => {
      this.#size += chunk.length;
      if (this.#size <= MAX_HEADER_BLOCK) this.#chunks.push(chunk);
    });
    z.on('error', (err: Error) => {
      this.#broken = err;
    });
  }

  protected run(input: Buffer): Promise<Buffer> {
    const next = this.#tail.then(() => this.#one(input));
    this.#tail = next.catch(() => undefined);
    return next;
  }

  async #one(input: Buffer): Promise<Buffer> {
    if (this.#broken) throw new SpdyProtocolError(`header compression: ${this.#broken.message}`);
    this.#chunks = [];
    this.#size = 0;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.#z.once('error', onError);
      this.#z.write(input);
      this.#z.flush(constants.Z_SYNC_FLUSH, () => {
        this.#z.off('error', onError);
        resolve();
      });
    }).catch((err: unknown) => {
      throw new SpdyProtocolError(`header compression: ${(err as Error).message}`);
    });
    // Output pushed during the flush may be delivered on a later tick; let it arrive.
    await new Promise((r) => setImmediate(r));
    if (this.#size > MAX_HEADER_BLOCK) {
      throw new SpdyProtocolError(`header block over ${MAX_HEADER_BLOCK} bytes`);
    }
    return Buffer.concat(this.#chunks);
  }

  close(): void {
    this.#z.destroy();
  }
}

/** Compresses this side's header blocks. */
export class HeaderCompressor extends BlockCodec {
  constructor() {
    super(createDeflate({ dictionary: SPDY3_DICTIONARY }));
  }

  async compress(headers: SpdyHeaders): Promise<Buffer> {
    return this.run(encodeHeaderBlock(headers));
  }
}

/** Decompresses the peer's header blocks. */
export class HeaderDecompressor extends BlockCodec {
  constructor() {
    super(createInflate({ dictionary: SPDY3_DICTIONARY }));
  }

  async decompress(compressed: Buffer): Promise<SpdyHeaders> {
    return decodeHeaderBlock(await this.run(compressed));
  }
}
