import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { test } from 'node:test';
import { SPDY3_DICTIONARY } from '../../src/spdy/dictionary.js';
import { encodeFrame, FrameParser, SpdyProtocolError, type Frame } from '../../src/spdy/frames.js';
import {
  decodeHeaderBlock,
  encodeHeaderBlock,
  HeaderCompressor,
  HeaderDecompressor,
  type SpdyHeaders,
} from '../../src/spdy/headers.js';

const frames: Frame[] = [
  { type: 'data', streamId: 1, fin: false, data: Buffer.from('hello') },
  { type: 'data', streamId: 0x7fffffff, fin: true, data: Buffer.alloc(0) },
  {
    type: 'syn_stream',
    streamId: 3,
    associatedTo: 0,
    priority: 7,
    fin: false,
    unidirectional: true,
    headerBlock: Buffer.from([1, 2, 3]),
  },
  { type: 'syn_reply', streamId: 3, fin: true, headerBlock: Buffer.from([9]) },
  { type: 'headers', streamId: 5, fin: false, headerBlock: Buffer.alloc(0) },
  { type: 'rst_stream', streamId: 5, status: 5 },
  {
    type: 'settings',
    clear: true,
    entries: [
      { flags: 1, id: 7, value: 65536 },
      { flags: 0, id: 4, value: 100 },
    ],
  },
  { type: 'ping', id: 0xfffffffe },
  { type: 'goaway', lastGoodStreamId: 9, status: 1 },
  { type: 'window_update', streamId: 0, delta: 0x7fffffff },
];

test('every frame type survives encode and decode', () => {
  for (const f of frames) {
    const p = new FrameParser();
    p.push(encodeFrame(f));
    assert.deepEqual(p.next(), f);
    assert.equal(p.next(), undefined);
    assert.equal(p.buffered, 0);
  }
});

test('frames are the bytes SPDY/3 specifies', () => {
  // PING id 1: control bit + version 3, type 6, no flags, length 4.
  assert.equal(
    encodeFrame({ type: 'ping', id: 1 }).toString('hex'),
    '80030006' + '00000004' + '00000001',
  );
  // DATA on stream 1 with FIN and 2 bytes.
  assert.equal(
    encodeFrame({ type: 'data', streamId: 1, fin: true, data: Buffer.from('hi') }).toString('hex'),
    '00000001' + '01000002' + '6869',
  );
  // SYN_REPLY: type 2, length 4 + block.
  assert.equal(
    encodeFrame({
      type: 'syn_reply',
      streamId: 1,
      fin: false,
      headerBlock: Buffer.from('ab'),
    }).toString('hex'),
    '80030002' + '00000006' + '00000001' + '6162',
  );
});

test('the parser reassembles frames split at any byte, and several frames in one chunk', () => {
  const wire = Buffer.concat(frames.map(encodeFrame));
  const p = new FrameParser();
  const out: Frame[] = [];
  for (const byte of wire) {
    p.push(Buffer.from([byte]));
    for (let f = p.next(); f; f = p.next()) out.push(f);
  }
  assert.deepEqual(out, frames);
  const q = new FrameParser();
  q.push(wire);
  const all: Frame[] = [];
  for (let f = q.next(); f; f = q.next()) all.push(f);
  assert.deepEqual(all, frames);
});

test('unknown control frames are passed up to be ignored; bad framing is a protocol error', () => {
  const p = new FrameParser();
  p.push(Buffer.from('8003000a00000002abcd', 'hex'));
  assert.deepEqual(p.next(), { type: 'unknown', frameType: 10 });

  const version2 = new FrameParser();
  version2.push(Buffer.from('800200060000000400000001', 'hex'));
  assert.throws(() => version2.next(), SpdyProtocolError);

  const shortPing = new FrameParser();
  shortPing.push(Buffer.from('80030006000000020001', 'hex'));
  assert.throws(() => shortPing.next(), /PING frame too short/);

  const stream0 = new FrameParser();
  stream0.push(Buffer.from('0000000000000000', 'hex'));
  assert.throws(() => stream0.next(), /data frame on stream 0/);

  const badSettings = new FrameParser();
  badSettings.push(Buffer.from('80030004000000040000000500', 'hex').subarray(0, 12));
  assert.throws(() => badSettings.next(), /SETTINGS length mismatch/);
});

test('header blocks: count, then length-prefixed names and values', () => {
  const block = encodeHeaderBlock({ streamtype: 'data', port: '8080' });
  assert.equal(
    block.toString('hex'),
    '00000002' +
      '0000000a' +
      Buffer.from('streamtype').toString('hex') +
      '00000004' +
      Buffer.from('data').toString('hex') +
      '00000004' +
      Buffer.from('port').toString('hex') +
      '00000004' +
      Buffer.from('8080').toString('hex'),
  );
  assert.deepEqual({ ...decodeHeaderBlock(block) }, { streamtype: 'data', port: '8080' });
  // Names are lower-cased; a repeated name keeps both values, NUL-joined as on the wire.
  const repeated = Buffer.concat([
    Buffer.from('00000002', 'hex'),
    encodeHeaderBlock({ RequestID: '1' }).subarray(4),
    encodeHeaderBlock({ requestid: '2' }).subarray(4),
  ]);
  assert.deepEqual({ ...decodeHeaderBlock(repeated) }, { requestid: '1\u00002' });
  assert.throws(() => decodeHeaderBlock(Buffer.from('00000001000000ff', 'hex')), /truncated/);
  assert.throws(() => decodeHeaderBlock(Buffer.from('0000000000', 'hex')), /trailing/);
});

test('header compression keeps one zlib context per direction, primed with the dictionary', async () => {
  const c = new HeaderCompressor();
  const d = new HeaderDecompressor();
  const blocks: SpdyHeaders[] = [
    { streamtype: 'error', port: '8080', requestid: '0' },
    { streamtype: 'data', port: '8080', requestid: '0' },
    {},
    { streamtype: 'data', port: '80', requestid: '1' },
  ];
  const compressed: Buffer[] = [];
  for (const h of blocks) {
    const z = await c.compress(h);
    compressed.push(z);
    assert.deepEqual({ ...(await d.decompress(z)) }, h);
  }
  // The first block opens a zlib stream that names a preset dictionary (FDICT)...
  const first = compressed[0] ?? Buffer.alloc(0);
  assert.equal(first[0], 0x78);
  assert.equal((first[1] ?? 0) & 0x20, 0x20);
  // ...whose Adler-32 is that of the SPDY/3 dictionary...
  assert.equal(first.readUInt32BE(2), adler32(SPDY3_DICTIONARY));
  // ...and every block ends on a sync flush, so it can be decoded before the next one arrives.
  for (const z of compressed) assert.equal(z.subarray(-4).toString('hex'), '0000ffff');
  // Later blocks continue the stream: alone they are not a zlib stream.
  assert.throws(() => inflateSync(compressed[1] ?? Buffer.alloc(0)));
  // The repeated block compresses better than the first, thanks to the shared context.
  assert.ok((compressed[3]?.length ?? 0) < first.length);
  c.close();
  d.close();
});

test('a decompressor refuses garbage and oversized blocks without throwing outside its promise', async () => {
  const d = new HeaderDecompressor();
  await assert.rejects(d.decompress(Buffer.from('not zlib at all')), SpdyProtocolError);
  // Once broken, the context stays broken (later blocks depend on earlier ones).
  const c = new HeaderCompressor();
  await assert.rejects(d.decompress(await c.compress({ a: 'b' })), SpdyProtocolError);
  c.close();
  d.close();

  const bomb = new HeaderCompressor();
  const victim = new HeaderDecompressor();
  const huge = { big: 'x'.repeat(300 * 1024) };
  await assert.rejects(victim.decompress(await bomb.compress(huge)), /header block over/);
  bomb.close();
  victim.close();
});

function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of buf) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

test('the SPDY/3 dictionary is the 1423 bytes of the draft', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.equal(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1'), '\0\0\0\u0007options');
  assert.ok(SPDY3_DICTIONARY.toString('latin1').endsWith('utf-,*,enq=0.'));
});
