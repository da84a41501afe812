// The fast path for small plain text blocks must produce exactly what @mcs/content-parser's path does.
import { parseContentBlock } from '@mcs/content-parser';
import { describe, expect, it } from 'vitest';
import { partEvents, plainTextEvent, plainTextResultEvents } from '../src/grpc/index.js';

const chunkBytes = 1024;

describe('plain text fast path', () => {
  it.each(['hello', '', 'héllo wörld ✓ 𝄞', 'x'.repeat(341)])('maps %j like the parser does', (text) => {
    const block = { type: 'text', text };
    expect(plainTextEvent(block, chunkBytes, 2)).toEqual(partEvents(parseContentBlock(block), chunkBytes, 2)[0]);
  });

  it('leaves annotated, non-text and possibly chunked blocks to the parser', () => {
    expect(plainTextEvent({ type: 'text', text: 'a', annotations: { priority: 1 } }, chunkBytes, 0)).toBeUndefined();
    expect(plainTextEvent({ type: 'image', data: 'AAAA', mimeType: 'image/png' }, chunkBytes, 0)).toBeUndefined();
    expect(plainTextEvent({ type: 'text', text: 'x'.repeat(342) }, chunkBytes, 0)).toBeUndefined();
    expect(plainTextEvent({ type: 'text', text: 42 }, chunkBytes, 0)).toBeUndefined();
  });

  it('maps a whole text-only result, with structured content in the result event', () => {
    const events = plainTextResultEvents(
      {
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
        structuredContent: { n: 1 },
      },
      chunkBytes,
    );
    expect(events).toEqual([
      { event: { $case: 'content', value: { index: 0, part: { $case: 'text', value: { text: 'a' } } } } },
      { event: { $case: 'content', value: { index: 1, part: { $case: 'text', value: { text: 'b' } } } } },
      { event: { $case: 'result', value: { isError: false, partCount: 2, structuredContent: { n: 1 } } } },
    ]);
    expect(plainTextResultEvents({ content: [], isError: true }, chunkBytes)?.at(-1)).toEqual({
      event: { $case: 'result', value: { isError: true, partCount: 0 } },
    });
  });

  it('declines results it cannot map exactly', () => {
    const image = { type: 'image', data: 'AAAA', mimeType: 'image/png' };
    expect(plainTextResultEvents({ content: [{ type: 'text', text: 'a' }, image] }, chunkBytes)).toBeUndefined();
    expect(plainTextResultEvents({ content: [], structuredContent: [1, 2] }, chunkBytes)).toBeUndefined();
    expect(plainTextResultEvents({ content: [], isError: 'yes' }, chunkBytes)).toBeUndefined();
    expect(plainTextResultEvents({ toolResult: 1 }, chunkBytes)).toBeUndefined();
  });
});
