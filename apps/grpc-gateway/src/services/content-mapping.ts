import { type ContentPart, chunkPart, type PartHeader, type PayloadEncoding } from '@mcs/content-parser';
import {
  type ContentPart as ProtoContentPart,
  PayloadEncoding as ProtoPayloadEncoding,
  type ResourceChunk,
  type ToolEvent,
} from '@mcs/protos';

const encodings: Record<PayloadEncoding, ProtoPayloadEncoding> = {
  utf8: ProtoPayloadEncoding.PAYLOAD_ENCODING_UTF8,
  binary: ProtoPayloadEncoding.PAYLOAD_ENCODING_BINARY,
  json: ProtoPayloadEncoding.PAYLOAD_ENCODING_JSON,
  none: ProtoPayloadEncoding.PAYLOAD_ENCODING_UNSPECIFIED,
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const bytes = (data: Uint8Array | undefined) =>
  data === undefined ? Buffer.alloc(0) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);

/**
 * One parsed part (or a chunk header: the same part with its payload missing) as a proto ContentPart.
 * Error parts of an `isError` result travel as text; the final `result` event says it was an error.
 */
export function toProtoPart(part: ContentPart | PartHeader, index = part.index): ProtoContentPart {
  const loose = part as Partial<Record<'text' | 'message' | 'data' | 'raw', unknown>> & PartHeader;
  const annotations = isObject(part.annotations) ? { annotations: part.annotations } : {};
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  switch (part.type) {
    case 'text':
      return { index, part: { $case: 'text', value: { text: text(loose.text) } }, ...annotations };
    case 'error':
      return { index, part: { $case: 'text', value: { text: text(loose.message) } }, ...annotations };
    case 'json':
      return { index, part: { $case: 'json', value: { json: text(loose.text) } }, ...annotations };
    case 'structured':
      return isObject(loose.data) || loose.data === undefined
        ? { index, part: { $case: 'structured', value: (loose.data as Record<string, unknown>) ?? {} }, ...annotations }
        : { index, part: { $case: 'json', value: { json: JSON.stringify(loose.data) } }, ...annotations };
    case 'image':
    case 'audio':
      return {
        index,
        part: {
          $case: part.type,
          value: { data: bytes(loose.data as Uint8Array | undefined), mimeType: part.mimeType },
        },
        ...annotations,
      };
    case 'resource': {
      const contents =
        part.encoding === 'text'
          ? ({ $case: 'text', value: text(loose.text) } as const)
          : ({ $case: 'blob', value: bytes(loose.data as Uint8Array | undefined) } as const);
      return {
        index,
        part: { $case: 'resource', value: { uri: part.uri, mimeType: part.mimeType ?? '', contents } },
        ...annotations,
      };
    }
    case 'resource-link':
      return {
        index,
        part: {
          $case: 'resourceLink',
          value: {
            uri: part.uri,
            name: part.name,
            title: part.title ?? '',
            description: part.description ?? '',
            mimeType: part.mimeType ?? '',
            ...(part.size === undefined ? {} : { size: part.size }),
          },
        },
        ...annotations,
      };
    default:
      return {
        index,
        part: {
          $case: 'unknown',
          value: { type: part.blockType ?? '', json: loose.raw === undefined ? '' : JSON.stringify(loose.raw) },
        },
        ...annotations,
      };
  }
}

/**
 * The `content` event of a plain text block small enough never to be chunked (no annotations; at most 3
 * UTF-8 bytes per UTF-16 unit, so `length * 3 <= chunkBytes` bounds its size), or undefined for every
 * other block. Such a block maps to the same proto part with or without @mcs/content-parser; skipping
 * the parser for it removes most of the per-call work of a short text result.
 */
export function plainTextEvent(block: unknown, chunkBytes: number, index: number): ToolEvent | undefined {
  if (!isObject(block) || block.type !== 'text' || block.annotations !== undefined) return undefined;
  const text = block.text;
  if (typeof text !== 'string' || text.length * 3 > chunkBytes) return undefined;
  return { event: { $case: 'content', value: { index, part: { $case: 'text', value: { text } } } } };
}

/**
 * All events of a CallTool result made only of small plain text blocks (see `plainTextEvent`), with an
 * optional object `structuredContent`; undefined when anything else is in it (the caller then parses the
 * result with @mcs/content-parser).
 */
export function plainTextResultEvents(result: unknown, chunkBytes: number): ToolEvent[] | undefined {
  if (!isObject(result) || !Array.isArray(result.content)) return undefined;
  const { content, isError, structuredContent } = result;
  if (isError !== undefined && typeof isError !== 'boolean') return undefined;
  if (structuredContent !== undefined && !isObject(structuredContent)) return undefined;
  const events: ToolEvent[] = [];
  for (const block of content) {
    const event = plainTextEvent(block, chunkBytes, events.length);
    if (event === undefined) return undefined;
    events.push(event);
  }
  events.push({
    event: {
      $case: 'result',
      value: {
        isError: isError ?? false,
        partCount: content.length,
        ...(structuredContent === undefined ? {} : { structuredContent }),
      },
    },
  });
  return events;
}

/** The events for one part: one `content` event, or `chunk` events when it is larger than `chunkBytes`. */
export function partEvents(part: ContentPart, chunkBytes: number, index = part.index): ToolEvent[] {
  if (part.byteLength <= chunkBytes) return [{ event: { $case: 'content', value: toProtoPart(part, index) } }];
  return chunkPart(part, { chunkBytes }).map((chunk) => ({
    event: {
      $case: 'chunk',
      value: {
        partIndex: index,
        index: chunk.index,
        total: chunk.total,
        final: chunk.final,
        ...(chunk.index === 0 ? { header: toProtoPart(chunk.part, index) } : {}),
        data: bytes(chunk.data),
        encoding: encodings[chunk.encoding],
      },
    },
  }));
}

/** The chunks of one resource content part (`resources/read` entry), at most `chunkBytes` each. */
export function resourceChunks(part: ContentPart, contentIndex: number, chunkBytes: number): ResourceChunk[] {
  const uri = part.type === 'resource' ? part.uri : '';
  const mimeType = part.type === 'resource' ? (part.mimeType ?? '') : '';
  return chunkPart(part, { chunkBytes }).map((chunk) => ({
    contentIndex,
    uri,
    mimeType,
    index: chunk.index,
    total: chunk.total,
    final: chunk.final,
    data: bytes(chunk.data),
    encoding: encodings[chunk.encoding],
  }));
}
