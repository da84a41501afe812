import { describe, expect, it } from 'vitest';
import { type ContentPart, parseContentBlock } from '../src/index.js';
import { expectParseError } from './helpers.js';

const annotations = {
  audience: ['user' as const],
  priority: 0.4,
  lastModified: '2025-01-01T00:00:00Z',
  future: 'kept',
};
const meta = { 'com.example/trace': 'abc', nested: { n: 1 } };
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2]).toString('base64');

describe('parseContentBlock: every block type', () => {
  it('text keeps annotations (unknown keys too) and _meta', () => {
    const part = parseContentBlock({ type: 'text', text: 'héllo', annotations, _meta: meta });
    expect(part).toEqual({ type: 'text', index: 0, path: [], byteLength: 6, text: 'héllo', annotations, meta });
  });

  it('text holding a JSON object or array becomes a json part; scalars and broken JSON stay text', () => {
    const object = parseContentBlock({ type: 'text', text: ' {"a":[1,2]}' });
    expect(object).toMatchObject({ type: 'json', data: { a: [1, 2] }, text: ' {"a":[1,2]}', byteLength: 12 });
    expect(parseContentBlock({ type: 'text', text: '[true]' })).toMatchObject({ type: 'json', data: [true] });
    for (const text of ['42', '"quoted"', 'null', '{not json', '[1,', '']) {
      expect(parseContentBlock({ type: 'text', text }).type).toBe('text');
    }
  });

  it('JSON detection can be turned off', () => {
    expect(parseContentBlock({ type: 'text', text: '{"a":1}' }, { detectJson: false })).toMatchObject({
      type: 'text',
      text: '{"a":1}',
    });
  });

  it('image and audio decode base64 into bytes with mime type and size', () => {
    const image = parseContentBlock({ type: 'image', data: png, mimeType: 'image/png', annotations, _meta: meta });
    expect(image).toMatchObject({ type: 'image', mimeType: 'image/png', byteLength: 11, annotations, meta });
    expect(image.type === 'image' && Array.from(image.data.subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const audio = parseContentBlock({ type: 'audio', data: 'AAECAw==', mimeType: 'audio/wav' });
    expect(audio).toMatchObject({
      type: 'audio',
      mimeType: 'audio/wav',
      byteLength: 4,
      data: new Uint8Array([0, 1, 2, 3]),
    });
  });

  it('embedded resources, text and blob, keep block and contents metadata apart', () => {
    const text = parseContentBlock({
      type: 'resource',
      resource: { uri: 'file:///a.txt', mimeType: 'text/plain', text: 'A ✓', _meta: { inner: true } },
      annotations,
      _meta: meta,
    });
    expect(text).toEqual({
      type: 'resource',
      encoding: 'text',
      index: 0,
      path: [],
      byteLength: 5,
      uri: 'file:///a.txt',
      mimeType: 'text/plain',
      text: 'A ✓',
      resourceMeta: { inner: true },
      annotations,
      meta,
    });
    const blob = parseContentBlock({ type: 'resource', resource: { uri: 'file:///b.bin', blob: 'AAEC' } });
    expect(blob).toMatchObject({ type: 'resource', encoding: 'blob', uri: 'file:///b.bin', byteLength: 3 });
    expect(blob.type === 'resource' && blob.encoding === 'blob' && blob.data).toEqual(new Uint8Array([0, 1, 2]));
  });

  it('resource links keep every field', () => {
    const block = {
      type: 'resource_link',
      uri: 'demo://x',
      name: 'x',
      title: 'X',
      description: 'an x',
      mimeType: 'text/plain',
      size: 1234,
      icons: [{ src: 'https://example.com/x.png', mimeType: 'image/png' }],
      annotations,
      _meta: meta,
    };
    const part = parseContentBlock(block);
    expect(part).toEqual({
      type: 'resource-link',
      index: 0,
      path: [],
      byteLength: Buffer.byteLength(JSON.stringify(block)),
      uri: 'demo://x',
      name: 'x',
      title: 'X',
      description: 'an x',
      mimeType: 'text/plain',
      size: 1234,
      icons: [{ src: 'https://example.com/x.png', mimeType: 'image/png' }],
      annotations,
      meta,
    });
  });

  it('a block type from a future protocol version becomes an unknown part with its raw value, in both modes', () => {
    const block = { type: 'video', url: 'https://example.com/v.mp4', annotations };
    for (const mode of ['strict', 'lenient'] as const) {
      const part = parseContentBlock(block, { mode });
      expect(part).toEqual({
        type: 'unknown',
        index: 0,
        path: [],
        blockType: 'video',
        raw: block,
        byteLength: Buffer.byteLength(JSON.stringify(block)),
      });
    }
  });
});

describe('parseContentBlock: malformed input', () => {
  it.each([
    ['null', null],
    ['a string', 'text'],
    ['an array', [{ type: 'text', text: 'a' }]],
    ['an object without type', { text: 'a' }],
    ['a numeric type', { type: 7, text: 'a' }],
    ['text with a number as text', { type: 'text', text: 42 }],
    ['text without text', { type: 'text' }],
    ['image without mimeType', { type: 'image', data: 'AAAA' }],
    ['image with numeric data', { type: 'image', data: 12, mimeType: 'image/png' }],
    ['audio without data', { type: 'audio', mimeType: 'audio/wav' }],
    ['resource without uri', { type: 'resource', resource: { text: 'a' } }],
    ['resource with both text and blob', { type: 'resource', resource: { uri: 'a:b', text: 'a', blob: 'AAAA' } }],
    ['resource with neither text nor blob', { type: 'resource', resource: { uri: 'a:b' } }],
    ['resource link without name', { type: 'resource_link', uri: 'a:b' }],
    ['annotations with a bad audience', { type: 'text', text: 'a', annotations: { audience: ['robot'] } }],
    ['_meta that is not an object', { type: 'text', text: 'a', _meta: 'x' }],
  ])('strict mode throws INVALID_BLOCK for %s; lenient mode keeps it as unknown with the issue', (_name, block) => {
    const error = expectParseError(() => parseContentBlock(block), 'INVALID_BLOCK');
    expect(error.path).toEqual([]);
    expect(error.message).toMatch(/INVALID_BLOCK: /);
    const part = parseContentBlock(block, { mode: 'lenient' }) as Extract<ContentPart, { type: 'unknown' }>;
    expect(part.type).toBe('unknown');
    expect(part.raw).toBe(block);
    expect(part.issue).toMatchObject({ code: 'INVALID_BLOCK', path: [] });
  });

  it('names the offending field in the message', () => {
    const error = expectParseError(() => parseContentBlock({ type: 'image', data: 'AAAA' }), 'INVALID_BLOCK');
    expect(error.message).toContain('mimeType');
    expect(error.cause).toBeDefined();
    expect(error.partType).toBe('image');
  });

  it.each([
    ['image', { type: 'image', data: 'not base64!', mimeType: 'image/png' }, ['data']],
    ['audio', { type: 'audio', data: 'QUJD RA==', mimeType: 'audio/wav' }, ['data']],
    ['resource blob', { type: 'resource', resource: { uri: 'a:b', blob: 'ab-_' } }, ['resource', 'blob']],
  ])('bad base64 in %s is INVALID_BASE64 with the path of the field', (_name, block, path) => {
    const error = expectParseError(() => parseContentBlock(block), 'INVALID_BASE64');
    expect(error.path).toEqual(path);
    expect(parseContentBlock(block, { mode: 'lenient' })).toMatchObject({
      type: 'unknown',
      raw: block,
      issue: { code: 'INVALID_BASE64', path },
    });
  });

  it('rejects a part over maxPartBytes in both modes, naming index and type, before decoding', () => {
    const block = { type: 'image', data: Buffer.alloc(3000).toString('base64'), mimeType: 'image/png' };
    for (const mode of ['strict', 'lenient'] as const) {
      const error = expectParseError(() => parseContentBlock(block, { mode, maxPartBytes: 2999 }), 'PART_TOO_LARGE');
      expect(error.message).toContain('part 0 (image)');
      expect(error.message).toContain('3000 bytes');
      expect(error.partIndex).toBe(0);
      expect(error.partType).toBe('image');
    }
    expect(parseContentBlock(block, { maxPartBytes: 3000 }).byteLength).toBe(3000);
    // Text counts UTF-8 bytes, not UTF-16 code units.
    expectParseError(() => parseContentBlock({ type: 'text', text: '€€' }, { maxPartBytes: 5 }), 'PART_TOO_LARGE');
    expect(parseContentBlock({ type: 'text', text: '€€' }, { maxPartBytes: 6 }).byteLength).toBe(6);
  });

  it.each([
    { mode: 'loose' },
    { maxPartBytes: 0 },
    { maxPartBytes: 1.5 },
    { maxResultBytes: -1 },
    { detectJson: 'yes' },
    { schemaValidator: {} },
  ])('rejects invalid options %j with INVALID_OPTIONS', (options) => {
    expectParseError(() => parseContentBlock({ type: 'text', text: 'a' }, options as never), 'INVALID_OPTIONS');
  });
});
