// A minimal protobuf wire-format reader: varints, length-delimited fields, and skipping of
// fixed-width ones. Enough to decode the Kubernetes messages kubectl sends.

export interface Field {
  num: number;
  wire: number;
  /** varint value (as a number; Kubernetes values fit in 2^53) */
  int?: number;
  bytes?: Buffer;
}

export class WireError extends Error {}

function varint(buf: Buffer, pos: number): [number, number] {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    const b = buf[pos + i];
    if (b === undefined) throw new WireError('truncated varint');
    result += (b & 0x7f) * mul;
    mul *= 128;
    if ((b & 0x80) === 0) return [result, pos + i + 1];
  }
  throw new WireError('varint too long');
}

export function readFields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = varint(buf, pos);
    const num = Math.floor(key / 8);
    const wire = key % 8;
    pos = p1;
    if (wire === 0) {
      const [v, p2] = varint(buf, pos);
      out.push({ num, wire, int: v });
      pos = p2;
    } else if (wire === 2) {
      const [len, p2] = varint(buf, pos);
      if (p2 + len > buf.length) throw new WireError('truncated length-delimited field');
      out.push({ num, wire, bytes: buf.subarray(p2, p2 + len) });
      pos = p2 + len;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw new WireError(`unsupported wire type ${wire}`);
    }
  }
  return out;
}
