// The one ToolEvent codec, both ways: an MCP tool result encoded into gateway events, sent through the
// protobuf wire format, and decoded again is the same result. The proto carries every field of the
// content blocks of MCP 2025-11-25 except `_meta` and a resource link's `icons` (the contract has no
// field for them), and text must be well-formed UTF-16 (protobuf strings are UTF-8): the arbitraries
// below generate every other shape, with chunk sizes small enough that most parts are split.
import { ToolEvent } from '@mcs/protos';
import type { CallToolResult } from '@modelcontextprotocol/client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createToolEventDecoder, toolResultEvents } from '../src/grpc/index.js';
import { TransportError } from '../src/index.js';

/** No lone surrogates (`String.prototype.isWellFormed` without the es2024 lib). */
const isWellFormed = (value: string) => Buffer.from(value, 'utf8').toString('utf8') === value;

/** Every event through protobuf bytes, as grpc-js sends it. */
const overTheWire = (events: ToolEvent[]) => events.map((event) => ToolEvent.decode(ToolEvent.encode(event).finish()));

function roundTrip(result: CallToolResult, chunkBytes: number): CallToolResult {
  const decoder = createToolEventDecoder();
  let decoded: CallToolResult | undefined;
  for (const event of overTheWire(toolResultEvents(result, chunkBytes))) {
    expect(decoded).toBeUndefined();
    decoded = decoder.push(event);
  }
  if (decoded === undefined) throw new Error('no result event');
  return decoded;
}

const text = (maxLength = 400) => fc.string({ unit: 'binary', maxLength }).filter(isWellFormed);
const name = fc.string({ minLength: 1, maxLength: 40 }).filter(isWellFormed);
const base64 = fc.uint8Array({ maxLength: 3000 }).map((data) => Buffer.from(data).toString('base64'));
/** Whether a JSON value holds a `__proto__` key at any depth (see below). */
const hasProtoKey = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  (Object.hasOwn(value, '__proto__') || Object.values(value).some(hasProtoKey));
// A `__proto__` key does not cross the wire: the generated google.protobuf.Struct code assigns keys to
// plain objects, where that one sets the prototype instead (a documented limit, like `_meta`).
const json = fc
  .jsonValue({ maxDepth: 3 })
  .map((value) => JSON.parse(JSON.stringify(value)) as unknown)
  .filter((value) => !hasProtoKey(value));
const objectOf = (value: fc.Arbitrary<unknown>) =>
  fc.dictionary(
    name.filter((key) => key !== '__proto__'),
    value,
    { maxKeys: 5 },
  );

const annotations = fc.record(
  {
    audience: fc.subarray(['user', 'assistant'] as ('user' | 'assistant')[]),
    priority: fc.double({ min: 0, max: 1, noNaN: true }),
    lastModified: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  },
  { requiredKeys: [] },
);
const decorated = <T extends object>(block: fc.Arbitrary<T>) =>
  fc
    .tuple(block, fc.option(annotations, { nil: undefined }))
    .map(([value, notes]) => (notes === undefined ? value : { ...value, annotations: notes }));

const textBlock = decorated(fc.record({ type: fc.constant('text' as const), text: text() }));
const jsonTextBlock = decorated(
  fc.record({ type: fc.constant('text' as const), text: objectOf(json).map((value) => JSON.stringify(value)) }),
);
const mediaBlock = decorated(
  fc.record({ type: fc.constantFrom('image' as const, 'audio' as const), data: base64, mimeType: name }),
);
const resourceBlock = decorated(
  fc.record({
    type: fc.constant('resource' as const),
    resource: fc.oneof(
      fc.record({ uri: name, mimeType: name, text: text() }, { requiredKeys: ['uri', 'text'] }),
      fc.record({ uri: name, mimeType: name, blob: base64 }, { requiredKeys: ['uri', 'blob'] }),
    ),
  }),
);
const resourceLinkBlock = decorated(
  fc.record(
    {
      type: fc.constant('resource_link' as const),
      uri: name,
      name,
      title: name,
      description: name,
      mimeType: name,
      size: fc.nat(),
    },
    { requiredKeys: ['type', 'uri', 'name'] },
  ),
);

const toolResult: fc.Arbitrary<CallToolResult> = fc.record(
  {
    content: fc.array(fc.oneof(textBlock, jsonTextBlock, mediaBlock, resourceBlock, resourceLinkBlock), {
      maxLength: 6,
    }),
    structuredContent: objectOf(json),
    isError: fc.boolean(),
  },
  { requiredKeys: ['content'] },
) as fc.Arbitrary<CallToolResult>;

describe('the ToolEvent codec', () => {
  it('gives back any valid MCP tool result, chunked or not', () => {
    fc.assert(
      fc.property(toolResult, fc.integer({ min: 16, max: 4096 }), (result, chunkBytes) => {
        expect(roundTrip(result, chunkBytes)).toEqual({ ...result, isError: result.isError ?? false });
      }),
      { numRuns: 300 },
    );
  });

  it('gives back large blobs and text split into many chunks', () => {
    const blob = Buffer.alloc(1024 * 1024 + 7);
    for (let i = 0; i < blob.length; i += 1) blob[i] = (i * 31 + (i >> 8)) & 0xff;
    const result: CallToolResult = {
      content: [
        { type: 'image', data: blob.toString('base64'), mimeType: 'image/png', annotations: { priority: 0.5 } },
        { type: 'text', text: 'héllo wörld ✓ 𝄞 '.repeat(20_000) },
        { type: 'resource', resource: { uri: 'file:///big.bin', blob: blob.subarray(0, 200_000).toString('base64') } },
      ],
      structuredContent: { size: blob.length },
      isError: false,
    };
    const events = toolResultEvents(result, 64 * 1024);
    expect(events.filter(({ event }) => event?.$case === 'chunk').length).toBeGreaterThan(20);
    expect(roundTrip(result, 64 * 1024)).toEqual(result);
  });

  it('sends no placeholder part for an error result without text', () => {
    const result: CallToolResult = {
      content: [{ type: 'image', data: 'AAAA', mimeType: 'image/png' }],
      isError: true,
    };
    expect(roundTrip(result, 1024)).toEqual(result);
  });
});

describe('the ToolEvent decoder', () => {
  const chunked = () =>
    toolResultEvents({ content: [{ type: 'text', text: 'x'.repeat(100) }] }, 16).filter(
      ({ event }) => event?.$case === 'chunk',
    );

  const failure = (events: ToolEvent[]) => {
    const decoder = createToolEventDecoder({ backend: 'gw' });
    try {
      for (const event of events) decoder.push(event);
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it('refuses chunks out of order, a missing final chunk and a chunk without its header', () => {
    const chunks = chunked();
    const swapped = [chunks[0]!, chunks[2]!, chunks[1]!, ...chunks.slice(3)];
    expect(failure(swapped)).toMatchObject({ code: 'INVALID_RESULT', backend: 'gw' });
    expect((failure(swapped) as Error).message).toMatch(/expected chunk 1 of 7, got chunk 2/);
    const result = { event: { $case: 'result', value: { isError: false, partCount: 1 } } } as const;
    expect(failure([...chunks.slice(0, -1), result])).toMatchObject({ code: 'INVALID_RESULT' });
    expect((failure(chunks.slice(1)) as Error).message).toMatch(/has no header/);
  });

  it("turns the gateway's error event into a TransportError with its category", () => {
    const error = failure([
      {
        event: {
          $case: 'error',
          value: { code: 14, category: 'unavailable', message: 'backend down', jsonrpcCode: -32603 },
        },
      },
    ]);
    expect(TransportError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'BACKEND_ERROR', category: 'unavailable', rpcCode: -32603, backend: 'gw' });
  });
});
