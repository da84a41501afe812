import { describe, expect, it } from 'vitest';
import {
  type ContentPart,
  chunkPart,
  createChunkJoiner,
  joinChunks,
  type PartChunk,
  parseContentBlock,
  parseToolResult,
  partChunkFormat,
} from '../src/index.js';
import { expectParseError } from './helpers.js';

// ASCII, 2-byte (é, ß), 3-byte (€, CJK), 4-byte (emoji, a surrogate pair in JS), combining marks, a BOM.
const multibyte = '\uFEFFa é ß € 你好 👋🏽 e\u0301 🇩🇪 end';
const annotations = { audience: ['assistant' as const], priority: 0.9 };
const meta = { trace: 't-1' };

function roundTrip(part: ContentPart, chunkBytes: number): ContentPart {
  return joinChunks(chunkPart(part, { chunkBytes }));
}

describe('chunkPart', () => {
  it('makes self-describing chunks: format, header with metadata, index/total/final, offsets', () => {
    const part = parseContentBlock({ type: 'text', text: 'abcdefghij', annotations, _meta: meta });
    const chunks = chunkPart(part, { chunkBytes: 4 });
    expect(
      chunks.map(({ index, total, final, offset, payloadBytes }) => ({ index, total, final, offset, payloadBytes })),
    ).toEqual([
      { index: 0, total: 3, final: false, offset: 0, payloadBytes: 10 },
      { index: 1, total: 3, final: false, offset: 4, payloadBytes: 10 },
      { index: 2, total: 3, final: true, offset: 8, payloadBytes: 10 },
    ]);
    for (const chunk of chunks) {
      expect(chunk.format).toBe(partChunkFormat);
      expect(chunk.encoding).toBe('utf8');
      expect(chunk.part).toEqual({ type: 'text', index: 0, path: [], byteLength: 10, annotations, meta });
    }
    expect(chunks.map((chunk) => Buffer.from(chunk.data).toString())).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('gives an empty payload and a payload-less resource link exactly one chunk', () => {
    const empty = chunkPart(parseContentBlock({ type: 'text', text: '' }));
    expect(empty).toHaveLength(1);
    expect(empty[0]).toMatchObject({ index: 0, total: 1, final: true, payloadBytes: 0 });
    const link = parseContentBlock({ type: 'resource_link', uri: 'demo://a', name: 'a' });
    const linkChunks = chunkPart(link, { chunkBytes: 1 });
    expect(linkChunks).toHaveLength(1);
    expect(linkChunks[0]?.encoding).toBe('none');
    expect(joinChunks(linkChunks)).toEqual(link);
  });

  it('defaults to 64 KiB chunks', () => {
    const part = parseContentBlock({
      type: 'image',
      data: Buffer.alloc(200_000, 7).toString('base64'),
      mimeType: 'image/png',
    });
    const chunks = chunkPart(part);
    expect(chunks.map((chunk) => chunk.data.byteLength)).toEqual([65536, 65536, 65536, 3392]);
    const joined = joinChunks(chunks);
    // Buffer.equals instead of a deep toEqual: element-wise comparison of 200 KB is needlessly slow.
    expect(joined.type === 'image' && part.type === 'image' && Buffer.from(joined.data).equals(part.data)).toBe(true);
    expect({ ...joined, data: undefined }).toEqual({ ...part, data: undefined });
  });

  it.each([{ chunkBytes: 0 }, { chunkBytes: -4 }, { chunkBytes: 2.5 }, { chunkBytes: '64k' }])(
    'rejects %j with INVALID_OPTIONS',
    (options) => {
      expectParseError(
        () => chunkPart(parseContentBlock({ type: 'text', text: 'a' }), options as never),
        'INVALID_OPTIONS',
      );
    },
  );
});

describe('chunk round trips are lossless', () => {
  it('multi-byte UTF-8 text split at every possible chunk size (cuts inside characters)', () => {
    const part = parseContentBlock({ type: 'text', text: multibyte, annotations, _meta: meta });
    const size = Buffer.byteLength(multibyte);
    const strict = new TextDecoder('utf-8', { fatal: true });
    let chunksCutInsideACharacter = 0;
    for (let chunkBytes = 1; chunkBytes <= size + 1; chunkBytes += 1) {
      const chunks = chunkPart(part, { chunkBytes });
      for (const chunk of chunks) {
        try {
          strict.decode(chunk.data);
        } catch {
          chunksCutInsideACharacter += 1;
        }
      }
      expect(joinChunks(chunks)).toEqual(part);
    }
    // The test really exercised cuts inside multi-byte characters.
    expect(chunksCutInsideACharacter).toBeGreaterThan(size);
  });

  it('every part type, with annotations and _meta', () => {
    const result = parseToolResult({
      content: [
        { type: 'text', text: multibyte, annotations, _meta: meta },
        { type: 'text', text: '{"ünï":["cödé",1]}', annotations },
        {
          type: 'image',
          data: Buffer.from('fake png bytes \x00\x01\xff').toString('base64'),
          mimeType: 'image/png',
          _meta: meta,
        },
        { type: 'audio', data: 'UklGRiQAAABXQVZF', mimeType: 'audio/wav' },
        {
          type: 'resource',
          resource: { uri: 'file:///t.md', mimeType: 'text/markdown', text: `# ${multibyte}`, _meta: meta },
          annotations,
        },
        { type: 'resource', resource: { uri: 'file:///b.bin', blob: 'AAECAwQFBgcICQ==' } },
        { type: 'resource_link', uri: 'demo://x', name: 'x', size: 10, annotations },
        { type: 'video', url: 'https://example.com/v.mp4', nested: { deep: [1, 'ü'] } },
      ],
      structuredContent: { temperature: 21, note: multibyte },
    });
    const errorResult = parseToolResult({ isError: true, content: [{ type: 'text', text: `failed: ${multibyte}` }] });
    const lenient = parseContentBlock({ type: 'image', data: 'bad!', mimeType: 'image/png' }, { mode: 'lenient' });
    const parts = [...result.parts, ...errorResult.parts, lenient];
    expect(new Set(parts.map((part) => part.type))).toEqual(
      new Set(['text', 'json', 'image', 'audio', 'resource', 'resource-link', 'unknown', 'structured', 'error']),
    );
    for (const part of parts) {
      for (const chunkBytes of [1, 3, 7, 64, 100_000]) {
        expect(roundTrip(part, chunkBytes)).toEqual(part);
      }
    }
  });

  it('the streaming joiner returns the part on the final chunk only', () => {
    const part = parseContentBlock({
      type: 'audio',
      data: Buffer.alloc(10, 1).toString('base64'),
      mimeType: 'audio/ogg',
    });
    const joiner = createChunkJoiner();
    const chunks = chunkPart(part, { chunkBytes: 4 });
    expect(joiner.push(chunks[0])).toBeUndefined();
    expect(joiner.push(chunks[1])).toBeUndefined();
    expect(joiner.complete).toBe(false);
    expect(joiner.push(chunks[2])).toEqual(part);
    expect(joiner.complete).toBe(true);
    expect(joiner.received).toBe(3);
  });

  it('accepts chunks whose data arrive as Node Buffers (as a gRPC library delivers bytes)', () => {
    const part = parseContentBlock({ type: 'text', text: multibyte });
    const chunks = chunkPart(part, { chunkBytes: 5 }).map((chunk) => ({ ...chunk, data: Buffer.from(chunk.data) }));
    expect(joinChunks(chunks)).toEqual(part);
  });
});

describe('joining bad chunk sequences gives typed errors', () => {
  const part = parseContentBlock({ type: 'text', text: 'abcdefghijkl' }, { detectJson: false });
  const chunks = () => chunkPart(part, { chunkBytes: 3 }); // 4 chunks

  it('a missing chunk in the middle is CHUNK_MISSING naming it', () => {
    const [a, b, , d] = chunks();
    const error = expectParseError(() => joinChunks([a, b, d]), 'CHUNK_MISSING');
    expect(error.message).toContain('chunk(s) 2 of 4 are missing');
    expect(error.partIndex).toBe(0);
  });

  it('a missing final chunk is CHUNK_MISSING', () => {
    expectParseError(() => joinChunks(chunks().slice(0, 3)), 'CHUNK_MISSING');
    const joiner = createChunkJoiner();
    for (const chunk of chunks().slice(0, 3)) joiner.push(chunk);
    expect(joiner.complete).toBe(false);
  });

  it('no chunks at all is CHUNK_MISSING', () => {
    expectParseError(() => joinChunks([]), 'CHUNK_MISSING');
    expectParseError(() => joinChunks('chunks' as never), 'CHUNK_MISSING');
  });

  it('a repeated chunk is CHUNK_DUPLICATE, in a list and in a stream', () => {
    const [a, b, c, d] = chunks();
    expectParseError(() => joinChunks([a, b, b, c, d]), 'CHUNK_DUPLICATE');
    const joiner = createChunkJoiner();
    joiner.push(a);
    joiner.push(b);
    expectParseError(() => joiner.push(b), 'CHUNK_DUPLICATE');
    const done = createChunkJoiner();
    for (const chunk of chunks()) done.push(chunk);
    expectParseError(() => done.push(d), 'CHUNK_DUPLICATE');
  });

  it('chunks out of order are CHUNK_OUT_OF_ORDER, in a list and in a stream', () => {
    const [a, b, c, d] = chunks();
    const error = expectParseError(() => joinChunks([a, c, b, d]), 'CHUNK_OUT_OF_ORDER');
    expect(error.message).toContain('expected chunk 1 of 4, got chunk 2');
    const joiner = createChunkJoiner();
    joiner.push(a);
    expectParseError(() => joiner.push(d), 'CHUNK_OUT_OF_ORDER');
  });

  it('chunks of two different parts are CHUNK_MISMATCH', () => {
    const other = chunkPart(parseContentBlock({ type: 'text', text: 'ABCDEFGHIJKL' }, { detectJson: false }), {
      chunkBytes: 3,
    }).map((chunk) => ({ ...chunk, part: { ...chunk.part, index: 1 } }));
    const [a, b, c] = chunks();
    expectParseError(() => joinChunks([a, b, c, other[3]]), 'CHUNK_MISMATCH');
    const differentTotal = chunkPart(part, { chunkBytes: 4 });
    expectParseError(() => joinChunks([a, differentTotal[1]]), 'CHUNK_MISMATCH');
  });

  it.each<[string, (chunk: PartChunk) => unknown]>([
    ['a non-object', () => 'chunk'],
    ['a foreign format', (chunk) => ({ ...chunk, format: 'other.v9' })],
    ['a string as data', (chunk) => ({ ...chunk, data: 'abc' })],
    ['a negative index', (chunk) => ({ ...chunk, index: -1 })],
    ['an index past total', (chunk) => ({ ...chunk, index: 4, final: true })],
    ['a wrong final flag', (chunk) => ({ ...chunk, final: true })],
    ['an unknown part type', (chunk) => ({ ...chunk, part: { ...chunk.part, type: 'hologram' } })],
    ['an encoding that does not fit the part', (chunk) => ({ ...chunk, encoding: 'binary' })],
    ['a gap in the offsets', (chunk) => ({ ...chunk, offset: 1 })],
  ])('a chunk with %s is INVALID_CHUNK', (_name, corrupt) => {
    const [a, ...rest] = chunks();
    expectParseError(() => joinChunks([corrupt(a as PartChunk), ...rest]), 'INVALID_CHUNK');
  });

  it('payload bytes that are not valid UTF-8 for a text part are INVALID_CHUNK, not garbage text', () => {
    const [a] = chunkPart(parseContentBlock({ type: 'text', text: 'ab' }));
    const error = expectParseError(() => joinChunks([{ ...a, data: new Uint8Array([0xff, 0xfe]) }]), 'INVALID_CHUNK');
    expect(error.message).toContain('not valid for a text part');
  });

  it('more bytes than announced, or fewer, are rejected', () => {
    const [a] = chunkPart(parseContentBlock({ type: 'text', text: 'ab' }));
    expectParseError(() => joinChunks([{ ...a, data: new Uint8Array([97, 98, 99]) }]), 'INVALID_CHUNK');
    expectParseError(() => joinChunks([{ ...a, data: new Uint8Array([97]) }]), 'CHUNK_MISSING');
  });

  it('refuses a payload announced above maxPartBytes before collecting it', () => {
    const big = chunkPart(
      parseContentBlock({ type: 'image', data: Buffer.alloc(2048).toString('base64'), mimeType: 'image/png' }),
      {
        chunkBytes: 512,
      },
    );
    const joiner = createChunkJoiner({ maxPartBytes: 1024 });
    const error = expectParseError(() => joiner.push(big[0]), 'INVALID_CHUNK');
    expect(error.message).toContain('maxPartBytes');
    expect(joinChunks(big, { maxPartBytes: 2048 }).byteLength).toBe(2048);
    expectParseError(() => createChunkJoiner({ maxPartBytes: 0 }), 'INVALID_OPTIONS');
  });
});
