import { describe, expect, it } from 'vitest';
import { parsePromptMessages, parseResourceContents } from '../src/index.js';
import { expectParseError } from './helpers.js';

describe('parseResourceContents', () => {
  const contents = [
    { uri: 'file:///a.md', mimeType: 'text/markdown', text: '# A', _meta: { etag: '1' } },
    { uri: 'file:///b.bin', blob: 'AAEC' },
  ];

  it('accepts the whole ReadResourceResult or just its contents array, with the same paths', () => {
    const fromResult = parseResourceContents({ contents, _meta: { cached: true } });
    const fromArray = parseResourceContents(contents);
    expect(fromResult.parts).toEqual(fromArray.parts);
    expect(fromResult.meta).toEqual({ cached: true });
    expect(fromArray.meta).toBeUndefined();
    expect(fromResult.byteLength).toBe(6);
    expect(fromResult.parts).toMatchObject([
      { type: 'resource', encoding: 'text', path: ['contents', 0], resourceMeta: { etag: '1' }, text: '# A' },
      { type: 'resource', encoding: 'blob', path: ['contents', 1], index: 1, data: new Uint8Array([0, 1, 2]) },
    ]);
    expect(fromResult.parts[0]?.meta).toBeUndefined();
  });

  it.each([
    ['null', null],
    ['an object without contents', { items: [] }],
    ['contents that is not an array', { contents: 'x' }],
  ])('rejects %s with INVALID_RESULT', (_name, input) => {
    expectParseError(() => parseResourceContents(input), 'INVALID_RESULT');
  });

  it('a malformed entry throws INVALID_BLOCK with its path; lenient mode keeps it as unknown', () => {
    const input = [contents[0], { uri: 'file:///c', text: 'c', blob: 'AAAA' }, { text: 'no uri' }];
    const error = expectParseError(() => parseResourceContents(input), 'INVALID_BLOCK');
    expect(error.path).toEqual(['contents', 1]);
    expect(error.message).toContain('exactly one of "text" or "blob"');
    const lenient = parseResourceContents(input, { mode: 'lenient' });
    expect(lenient.parts.map((part) => part.type)).toEqual(['resource', 'unknown', 'unknown']);
    expect(lenient.parts[2]).toMatchObject({
      raw: { text: 'no uri' },
      issue: { code: 'INVALID_BLOCK', path: ['contents', 2] },
    });
  });

  it('bad base64 in a blob is INVALID_BASE64 at contents[i].blob', () => {
    const error = expectParseError(() => parseResourceContents([{ uri: 'a:b', blob: 'AA=A' }]), 'INVALID_BASE64');
    expect(error.path).toEqual(['contents', 0, 'blob']);
  });

  it('limits apply to resources too', () => {
    const blob = Buffer.alloc(100).toString('base64');
    expectParseError(() => parseResourceContents([{ uri: 'a:b', blob }], { maxPartBytes: 99 }), 'PART_TOO_LARGE');
    expectParseError(
      () =>
        parseResourceContents(
          [
            { uri: 'a:b', blob },
            { uri: 'a:c', blob },
          ],
          { maxResultBytes: 150 },
        ),
      'RESULT_TOO_LARGE',
    );
  });
});

describe('parsePromptMessages', () => {
  const messages = [
    { role: 'user', content: { type: 'text', text: 'Describe this:' } },
    {
      role: 'assistant',
      content: { type: 'image', data: 'AAAA', mimeType: 'image/png', annotations: { priority: 1 } },
    },
  ];

  it('accepts the whole GetPromptResult or just its messages array', () => {
    const fromResult = parsePromptMessages({ description: 'a prompt', messages, _meta: { v: 2 } });
    expect(fromResult.description).toBe('a prompt');
    expect(fromResult.meta).toEqual({ v: 2 });
    expect(fromResult.messages).toEqual(parsePromptMessages(messages).messages);
    expect(fromResult.messages).toMatchObject([
      { role: 'user', part: { type: 'text', index: 0, path: ['messages', 0, 'content'] } },
      { role: 'assistant', part: { type: 'image', index: 1, byteLength: 3, annotations: { priority: 1 } } },
    ]);
    expect(fromResult.byteLength).toBe(14 + 3);
  });

  it.each([
    ['null', null],
    ['messages that is not an array', { messages: {} }],
  ])('rejects %s with INVALID_RESULT', (_name, input) => {
    expectParseError(() => parsePromptMessages(input), 'INVALID_RESULT');
  });

  it.each([
    ['an unknown role', { role: 'system', content: { type: 'text', text: 'x' } }],
    ['a missing role', { content: { type: 'text', text: 'x' } }],
    ['a message that is a string', 'hello'],
  ])('a message with %s is INVALID_BLOCK; lenient mode keeps it as unknown without a role', (_name, message) => {
    const error = expectParseError(() => parsePromptMessages([messages[0], message]), 'INVALID_BLOCK');
    expect(error.path).toEqual(['messages', 1]);
    const lenient = parsePromptMessages([messages[0], message], { mode: 'lenient' });
    expect(lenient.messages[1]).toEqual({
      part: expect.objectContaining({
        type: 'unknown',
        raw: message,
        issue: expect.objectContaining({ code: 'INVALID_BLOCK' }),
      }),
    });
  });

  it('a bad content block inside a message reports the content path', () => {
    const error = expectParseError(
      () => parsePromptMessages([{ role: 'user', content: { type: 'image', data: 'AAAA' } }]),
      'INVALID_BLOCK',
    );
    expect(error.path).toEqual(['messages', 0, 'content']);
    expect(parsePromptMessages([{ role: 'user', content: { type: 'sticker', id: 3 } }]).messages).toMatchObject([
      { role: 'user', part: { type: 'unknown', blockType: 'sticker' } },
    ]);
  });
});
