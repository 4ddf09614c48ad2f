// A minimal protobuf wire-format writer, the counterpart of wire.ts: varints, strings, booleans
// and length-delimited submessages. Fields at their default value are the caller's to leave out
// (proto3 never writes them).

function varintSize(n: number): number {
  let size = 1;
  for (let v = n; v >= 0x80; v = Math.floor(v / 128)) size++;
  return size;
}

/**
 * Writes fields into one growing buffer. A submessage is written in place and then moved up by
 * the size of its length prefix (a memmove; Kubernetes documents nest a dozen levels at most).
 */
export class ProtoWriter {
  #buf = Buffer.allocUnsafe(64 * 1024);
  #pos = 0;

  #room(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#pos + n));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }

  #varint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a varint: ${n}`);
    this.#room(10);
    let v = n;
    while (v >= 0x80) {
      this.#buf[this.#pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.#buf[this.#pos++] = v;
  }

  #key(num: number, wire: number): void {
    this.#varint(num * 8 + wire);
  }

  /** A length-delimited field of raw bytes. */
  bytes(num: number, value: Uint8Array): this {
    this.#key(num, 2);
    this.#varint(value.length);
    this.#room(value.length);
    this.#buf.set(value, this.#pos);
    this.#pos += value.length;
    return this;
  }

  string(num: number, value: string): this {
    this.#key(num, 2);
    const length = Buffer.byteLength(value, 'utf8');
    this.#varint(length);
    this.#room(length);
    this.#pos += this.#buf.write(value, this.#pos, 'utf8');
    return this;
  }

  bool(num: number, value: boolean): this {
    this.#key(num, 0);
    this.#varint(value ? 1 : 0);
    return this;
  }

  /** A non-negative integer field (int32/int64/uint64 as varint). */
  uint(num: number, value: number): this {
    this.#key(num, 0);
    this.#varint(value);
    return this;
  }

  /** A submessage: `write` writes its fields (into this writer, then they get their length). */
  message(num: number, write: (w: ProtoWriter) => void): this {
    this.#key(num, 2);
    const start = this.#pos;
    write(this);
    const length = this.#pos - start;
    const prefix = varintSize(length);
    this.#room(prefix + 10); // so that writing the prefix below never reallocates
    this.#buf.copyWithin(start + prefix, start, this.#pos);
    this.#pos = start;
    this.#varint(length);
    this.#pos = start + prefix + length;
    return this;
  }

  /** The bytes written (a copy). */
  finish(): Buffer {
    return Buffer.from(this.#buf.subarray(0, this.#pos));
  }
}
