// The one codec between an MCP tool result and the gateway's `ToolEvent` stream, both ways: the gateway
// encodes with it, every gateway client decodes with it. Large parts travel as `chunk` events cut and
// joined by @mcs/content-parser (`chunkPart` / `joinChunks`, which validate order, gaps and sizes).
import {
  type ContentPart,
  chunkPart,
  defaultMaxPartBytes,
  joinChunks,
  type PartChunk,
  parseContentBlock,
  parseToolResult,
  partChunkFormat,
} from '@mcs/content-parser';
import type { ContentChunk, ContentPart as ProtoContentPart, ResourceChunk, ToolEvent } from '@mcs/protos';
import { isErrorCategory } from '@mcs/resilience';
import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/client';
import type { ProgressUpdate } from '../backend-connection.js';
import { TransportError } from '../transport-error.js';
import {
  bytes,
  isObject,
  partEncodings,
  protoEncodings,
  toContentBlock,
  toPartHeader,
  toProtoPart,
} from './proto-content.js';

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
  events.push(resultEvent(isError ?? false, content.length, structuredContent));
  return events;
}

/** The final `result` event. */
export function resultEvent(
  isError: boolean,
  partCount: number,
  structuredContent: Record<string, unknown> | undefined,
): ToolEvent {
  return {
    event: {
      $case: 'result',
      value: { isError, partCount, ...(structuredContent === undefined ? {} : { structuredContent }) },
    },
  };
}

/** The events for one part: one `content` event, or `chunk` events when it is larger than `chunkBytes`. */
export function partEvents(part: ContentPart, chunkBytes: number, index = part.index): ToolEvent[] {
  // A resource link has no payload to split (its byteLength counts its fields): always one event.
  if (part.byteLength <= chunkBytes || part.type === 'resource-link')
    return [{ event: { $case: 'content', value: toProtoPart(part, index) } }];
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
        encoding: protoEncodings[chunk.encoding],
      },
    },
  }));
}

/** The events of one content block (a native tool's output), as part `index`. */
export function contentBlockEvents(block: unknown, chunkBytes: number, index: number): ToolEvent[] {
  const plain = plainTextEvent(block, chunkBytes, index);
  return plain === undefined ? partEvents(parseContentBlock(block), chunkBytes, index) : [plain];
}

/**
 * Every event of a CallTool result after the call ran: its parts in order (large ones chunked), then
 * `result`. Parsed leniently: a malformed block travels as an `unknown` part holding the block as sent.
 */
export function toolResultEvents(result: unknown, chunkBytes: number): ToolEvent[] {
  const plain = plainTextResultEvents(result, chunkBytes);
  if (plain !== undefined) return plain;
  const parsed = parseToolResult(result, { mode: 'lenient' });
  const events: ToolEvent[] = [];
  let structuredContent: Record<string, unknown> | undefined;
  let index = 0;
  for (const part of parsed.parts) {
    // An object `structuredContent` goes into the final event; anything else is sent as a part.
    if (part.type === 'structured' && isObject(part.data)) {
      structuredContent = part.data;
      continue;
    }
    // The parser's placeholder for an error result without text is not a block the tool sent.
    if (part.type === 'error' && part.path[0] === 'isError') continue;
    events.push(...partEvents(part, chunkBytes, index++));
  }
  events.push(resultEvent(parsed.isError, index, structuredContent));
  return events;
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
    encoding: protoEncodings[chunk.encoding],
  }));
}

export interface ToolEventDecoderOptions {
  /** Names the source in errors (the backend's name). */
  backend?: string;
  /** Largest joined part, in bytes. Default 16 MiB (@mcs/content-parser's `defaultMaxPartBytes`). */
  maxPartBytes?: number;
  onProgress?: (progress: ProgressUpdate) => void;
  /** `log` events, as sent (level is the proto enum). */
  onLog?: (log: Extract<ToolEvent['event'], { $case: 'log' }>['value']) => void;
}

/** Turns the events of one CallTool stream back into the MCP result, one event at a time. */
export interface ToolEventDecoder {
  /**
   * Accepts the next event; returns the result on the `result` event. Throws a `TransportError`: the
   * gateway's `error` event as `BACKEND_ERROR` (with its category), a broken chunk sequence as
   * `INVALID_RESULT`.
   */
  push(event: ToolEvent): CallToolResult | undefined;
}

/** An open chunked part: its header and the chunks so far. */
interface OpenPart {
  partIndex: number;
  header: ProtoContentPart;
  chunks: ContentChunk[];
  bytes: number;
}

export function createToolEventDecoder(options: ToolEventDecoderOptions = {}): ToolEventDecoder {
  const maxPartBytes = options.maxPartBytes ?? defaultMaxPartBytes;
  const where = options.backend === undefined ? 'the gateway' : `gateway "${options.backend}"`;
  const invalid = (message: string, cause?: unknown) =>
    new TransportError('INVALID_RESULT', `${where} sent a broken CallTool stream: ${message}`, {
      ...(options.backend === undefined ? {} : { backend: options.backend }),
      cause,
    });
  const content: ContentBlock[] = [];
  let structured: Record<string, unknown> | undefined;
  let open: OpenPart | undefined;
  let done = false;

  const add = (part: ProtoContentPart) => {
    if (part.part?.$case === 'structured') {
      structured ??= part.part.value;
      return;
    }
    const block = toContentBlock(part);
    if (block !== undefined) content.push(block);
  };

  const join = (part: OpenPart) => {
    const header = toPartHeader(part.header, part.bytes);
    if (header === undefined) throw invalid(`part ${part.partIndex} was chunked but its kind has no payload`);
    let offset = 0;
    const chunks = part.chunks.map((chunk): PartChunk => {
      const mapped = {
        format: partChunkFormat,
        part: header,
        encoding: partEncodings[chunk.encoding] ?? 'none',
        index: chunk.index,
        total: chunk.total,
        final: chunk.final,
        offset,
        payloadBytes: part.bytes,
        data: chunk.data,
      } satisfies PartChunk;
      offset += chunk.data.byteLength;
      return mapped;
    });
    let joined: ContentPart;
    try {
      joined = joinChunks(chunks, { maxPartBytes });
    } catch (error) {
      throw invalid(error instanceof Error ? error.message : String(error), error);
    }
    add(toProtoPart(joined, part.partIndex));
  };

  return {
    push({ event }) {
      if (done) throw invalid(`an event (${event?.$case ?? 'empty'}) came after the result`);
      switch (event?.$case) {
        case 'progress':
          options.onProgress?.({
            progress: event.value.progress,
            ...(event.value.total === undefined ? {} : { total: event.value.total }),
            ...(event.value.message ? { message: event.value.message } : {}),
          });
          return undefined;
        case 'log':
          options.onLog?.(event.value);
          return undefined;
        case 'content':
          if (open !== undefined) throw invalid(`part ${open.partIndex} ended without its final chunk`);
          add(event.value);
          return undefined;
        case 'chunk': {
          const chunk = event.value;
          if (open === undefined) {
            if (chunk.header === undefined)
              throw invalid(`chunk ${chunk.index} of part ${chunk.partIndex} has no header`);
            open = { partIndex: chunk.partIndex, header: chunk.header, chunks: [], bytes: 0 };
          } else if (chunk.partIndex !== open.partIndex) {
            throw invalid(`part ${chunk.partIndex} started before part ${open.partIndex} ended`);
          }
          open.bytes += chunk.data.byteLength;
          if (open.bytes > maxPartBytes) {
            throw invalid(`part ${open.partIndex} is over maxPartBytes (${maxPartBytes}) and still growing`);
          }
          open.chunks.push(chunk);
          if (chunk.final) {
            const finished = open;
            open = undefined;
            join(finished);
          }
          return undefined;
        }
        case 'error': {
          const { category, message, jsonrpcCode, code } = event.value;
          throw new TransportError('BACKEND_ERROR', `${where}: ${message}`, {
            ...(options.backend === undefined ? {} : { backend: options.backend }),
            // The gateway already classified the failure; its category drives retries and breakers.
            category: isErrorCategory(category) ? category : 'internal',
            ...(jsonrpcCode ? { rpcCode: jsonrpcCode } : {}),
            data: { grpcStatus: code },
          });
        }
        case 'result': {
          if (open !== undefined) throw invalid(`part ${open.partIndex} ended without its final chunk`);
          done = true;
          const structuredContent = event.value.structuredContent ?? structured;
          return {
            content,
            isError: event.value.isError,
            ...(structuredContent === undefined ? {} : { structuredContent }),
          };
        }
        default:
          return undefined;
      }
    },
  };
}

/** Decodes a whole CallTool stream; rejects with `INVALID_RESULT` when it ends without a result. */
export async function decodeToolEvents(
  events: AsyncIterable<ToolEvent>,
  options: ToolEventDecoderOptions = {},
): Promise<CallToolResult> {
  const decoder = createToolEventDecoder(options);
  for await (const event of events) {
    const result = decoder.push(event);
    if (result !== undefined) return result;
  }
  throw new TransportError(
    'INVALID_RESULT',
    `${options.backend === undefined ? 'the gateway' : `gateway "${options.backend}"`} ended the CallTool stream without a result`,
    options.backend === undefined ? {} : { backend: options.backend },
  );
}
