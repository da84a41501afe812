import { z } from 'zod';
import { ContentParseError } from './content-parse-error.js';
import type { ContentPart } from './content-part.js';
import { describeType } from './internal/part-builder.js';
import { encodingFor, mergePart } from './internal/part-payload.js';
import { formatPath } from './internal/path.js';
import { defaultMaxPartBytes } from './parse-options.js';
import { type PartChunk, type PartHeader, partChunkFormat } from './part-chunk.js';

export interface JoinOptions {
  /** Largest payload a chunk may announce, in bytes. Default 16 MiB, like `maxPartBytes` when parsing. */
  maxPartBytes?: number;
}

/** Joins the chunks of one part as they arrive (e.g. from a gRPC stream). */
export interface ChunkJoiner {
  /**
   * Accepts the next chunk. Returns the rebuilt part on the final chunk, `undefined` before it. Throws
   * a {@link ContentParseError} for a malformed, duplicated, out-of-order or foreign chunk.
   */
  push(chunk: unknown): ContentPart | undefined;
  /** Chunks accepted so far. */
  readonly received: number;
  /** True once the final chunk was accepted. */
  readonly complete: boolean;
}

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

// Chunks cross process boundaries (gateway -> client), so they are validated like any outside input.
const chunkSchema = z.object({
  format: z.literal(partChunkFormat),
  part: z.looseObject({
    type: z.enum(['text', 'json', 'structured', 'image', 'audio', 'resource', 'resource-link', 'error', 'unknown']),
    index: count,
    path: z.array(z.union([z.string(), z.number()])),
    byteLength: count,
    encoding: z.enum(['text', 'blob']).optional(),
  }),
  encoding: z.enum(['utf8', 'binary', 'json', 'none']),
  index: count,
  total: count.min(1),
  final: z.boolean(),
  offset: count,
  payloadBytes: count,
  data: z.instanceof(Uint8Array),
});

function chunkError(
  code: 'INVALID_CHUNK' | 'CHUNK_OUT_OF_ORDER' | 'CHUNK_DUPLICATE' | 'CHUNK_MISSING' | 'CHUNK_MISMATCH',
  message: string,
  header?: { index: number; type: string; path: readonly (string | number)[] },
  cause?: unknown,
): ContentParseError {
  const where = header === undefined ? '' : `part ${header.index} (${header.type}): `;
  return new ContentParseError(code, `${where}${message}`, {
    ...(header === undefined ? {} : { path: header.path, partIndex: header.index, partType: header.type }),
    cause,
  });
}

function validateChunk(raw: unknown): PartChunk {
  const parsed = chunkSchema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
      .join('; ');
    throw chunkError(
      'INVALID_CHUNK',
      `not a ${partChunkFormat} chunk (got ${describeType(raw)}): ${detail}`,
      undefined,
      parsed.error,
    );
  }
  const chunk = parsed.data as PartChunk;
  if (chunk.index >= chunk.total) {
    throw chunkError('INVALID_CHUNK', `chunk index ${chunk.index} is not below total ${chunk.total}`, chunk.part);
  }
  if (chunk.final !== (chunk.index === chunk.total - 1)) {
    throw chunkError('INVALID_CHUNK', `chunk ${chunk.index} of ${chunk.total} has final=${chunk.final}`, chunk.part);
  }
  if (chunk.encoding !== encodingFor(chunk.part)) {
    throw chunkError(
      'INVALID_CHUNK',
      `encoding "${chunk.encoding}" does not fit a ${chunk.part.type} part`,
      chunk.part,
    );
  }
  return chunk;
}

export function createChunkJoiner(options?: JoinOptions): ChunkJoiner {
  const parsedOptions = z.object({ maxPartBytes: count.min(1).default(defaultMaxPartBytes) }).safeParse(options ?? {});
  if (!parsedOptions.success) {
    throw new ContentParseError('INVALID_OPTIONS', `invalid join options: ${z.prettifyError(parsedOptions.error)}`, {
      cause: parsedOptions.error,
    });
  }
  const { maxPartBytes } = parsedOptions.data;
  let first: { chunk: PartChunk; headerJson: string } | undefined;
  const pieces: Uint8Array[] = [];
  let receivedBytes = 0;
  let complete = false;

  return {
    get received() {
      return pieces.length;
    },
    get complete() {
      return complete;
    },
    push(raw) {
      const chunk = validateChunk(raw);
      const header = chunk.part;
      if (first === undefined) {
        if (chunk.payloadBytes > maxPartBytes) {
          throw chunkError(
            'INVALID_CHUNK',
            `announces ${chunk.payloadBytes} payload bytes, over maxPartBytes (${maxPartBytes}); raise maxPartBytes to accept it`,
            header,
          );
        }
        first = { chunk, headerJson: JSON.stringify(header) };
      } else {
        assertSamePart(first.chunk, first.headerJson, chunk);
      }
      const expectedIndex = pieces.length;
      if (complete || chunk.index < expectedIndex) {
        throw chunkError('CHUNK_DUPLICATE', `chunk ${chunk.index} of ${chunk.total} arrived twice`, header);
      }
      if (chunk.index > expectedIndex) {
        throw chunkError(
          'CHUNK_OUT_OF_ORDER',
          `expected chunk ${expectedIndex} of ${chunk.total}, got chunk ${chunk.index}; deliver chunks in index order`,
          header,
        );
      }
      if (chunk.offset !== receivedBytes || receivedBytes + chunk.data.byteLength > chunk.payloadBytes) {
        throw chunkError(
          'INVALID_CHUNK',
          `chunk ${chunk.index} covers bytes ${chunk.offset}..${chunk.offset + chunk.data.byteLength} but the next byte is ${receivedBytes} of ${chunk.payloadBytes}`,
          header,
        );
      }
      pieces.push(chunk.data);
      receivedBytes += chunk.data.byteLength;
      if (!chunk.final) return undefined;
      if (receivedBytes !== chunk.payloadBytes) {
        throw chunkError(
          'CHUNK_MISSING',
          `the final chunk arrived after ${receivedBytes} of ${chunk.payloadBytes} payload bytes`,
          header,
        );
      }
      complete = true;
      return rebuild(header, pieces, receivedBytes);
    },
  };
}

/** Chunks of one part agree on everything but index, offset and data. */
function assertSamePart(expected: PartChunk, expectedHeaderJson: string, chunk: PartChunk): void {
  if (
    chunk.total !== expected.total ||
    chunk.payloadBytes !== expected.payloadBytes ||
    chunk.encoding !== expected.encoding ||
    JSON.stringify(chunk.part) !== expectedHeaderJson
  ) {
    throw chunkError(
      'CHUNK_MISMATCH',
      `chunk ${chunk.index} belongs to another part (its header, total or payload size differ from the first chunk's); join each part's chunks separately`,
      expected.part,
    );
  }
}

function rebuild(header: PartHeader, pieces: Uint8Array[], byteLength: number): ContentPart {
  const payload = new Uint8Array(byteLength);
  let offset = 0;
  for (const piece of pieces) {
    payload.set(piece, offset);
    offset += piece.byteLength;
  }
  try {
    return mergePart(header, payload);
  } catch (error) {
    throw chunkError(
      'INVALID_CHUNK',
      `the joined payload is not valid for a ${header.type} part: ${error instanceof Error ? error.message : String(error)}`,
      header,
      error,
    );
  }
}

/**
 * Joins the complete, ordered chunks of one part back into the part. Reports precisely what is wrong
 * with the list: `CHUNK_MISSING` (indices absent or list empty), `CHUNK_DUPLICATE`,
 * `CHUNK_OUT_OF_ORDER`, `CHUNK_MISMATCH` (chunks of different parts), `INVALID_CHUNK` (bad shape).
 */
export function joinChunks(chunks: readonly unknown[], options?: JoinOptions): ContentPart {
  if (!Array.isArray(chunks) || chunks.length === 0) {
    throw chunkError(
      'CHUNK_MISSING',
      `expected a non-empty array of chunks, got ${Array.isArray(chunks) ? 'an empty array' : describeType(chunks)}`,
    );
  }
  const valid = chunks.map(validateChunk);
  const firstChunk = valid[0]!;
  // Look at the whole list first so that a gap is reported as missing and a repeat as a duplicate,
  // rather than as whatever the streaming joiner would see first.
  const firstHeaderJson = JSON.stringify(firstChunk.part);
  const seen = new Set<number>();
  for (const chunk of valid) {
    assertSamePart(firstChunk, firstHeaderJson, chunk);
    if (seen.has(chunk.index)) {
      throw chunkError('CHUNK_DUPLICATE', `chunk ${chunk.index} of ${chunk.total} appears twice`, chunk.part);
    }
    seen.add(chunk.index);
  }
  if (seen.size < firstChunk.total) {
    const missing: number[] = [];
    for (let index = 0; index < firstChunk.total && missing.length < 10; index += 1) {
      if (!seen.has(index)) missing.push(index);
    }
    throw chunkError(
      'CHUNK_MISSING',
      `chunk(s) ${missing.join(', ')}${firstChunk.total - seen.size > missing.length ? ', ...' : ''} of ${firstChunk.total} are missing (${valid.length} received)`,
      firstChunk.part,
    );
  }
  const joiner = createChunkJoiner(options);
  let part: ContentPart | undefined;
  for (const chunk of valid) part = joiner.push(chunk);
  // Complete and ordered lists always end on the final chunk; anything else threw above.
  if (part === undefined) throw chunkError('CHUNK_MISSING', 'the final chunk never arrived', firstChunk.part);
  return part;
}
