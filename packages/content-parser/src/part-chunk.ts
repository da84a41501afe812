import { z } from 'zod';
import { ContentParseError } from './content-parse-error.js';
import type {
  AudioPart,
  BlobResourcePart,
  ContentPart,
  ErrorPart,
  ImagePart,
  JsonPart,
  ResourceLinkPart,
  StructuredPart,
  TextPart,
  TextResourcePart,
  UnknownPart,
} from './content-part.js';
import { splitPart } from './internal/part-payload.js';

/** The value of every chunk's `format` field: names the shape and its version. */
export const partChunkFormat = 'mcs.part-chunk.v1';

/** 64 KiB: comfortably below gRPC's default 4 MiB message limit, large enough to keep overhead low. */
export const defaultChunkBytes = 64 * 1024;

/**
 * How a chunk's bytes turn back into the part: `utf8` text, `binary` bytes, `json` (UTF-8 JSON text of
 * `structured` data or an `unknown` part's raw value), or `none` (a resource link has no payload).
 */
export type PayloadEncoding = 'utf8' | 'binary' | 'json' | 'none';

/** A part without its payload field(s): what every chunk repeats so each one is self-describing. */
export type PartHeader =
  | Omit<TextPart, 'text'>
  | Omit<JsonPart, 'text' | 'data'>
  | Omit<StructuredPart, 'data'>
  | Omit<ImagePart, 'data'>
  | Omit<AudioPart, 'data'>
  | Omit<TextResourcePart, 'text'>
  | Omit<BlobResourcePart, 'data'>
  | ResourceLinkPart
  | Omit<ErrorPart, 'message'>
  | Omit<UnknownPart, 'raw'>;

/** One ordered slice of a part's payload. */
export interface PartChunk {
  format: typeof partChunkFormat;
  /** The part's metadata (type, index, path, mimeType, uri, annotations, meta, ...), identical on every chunk. */
  part: PartHeader;
  encoding: PayloadEncoding;
  /** 0-based position of this chunk. */
  index: number;
  /** Number of chunks of the part (at least 1: an empty payload still gets one chunk). */
  total: number;
  /** True on the last chunk only (`index === total - 1`). */
  final: boolean;
  /** Byte offset of `data` in the payload. */
  offset: number;
  /** Size of the whole payload in bytes. */
  payloadBytes: number;
  /** This chunk's bytes. UTF-8 text is cut at byte boundaries, so a chunk may end mid-character. */
  data: Uint8Array;
}

export interface ChunkOptions {
  /** Largest `data` of one chunk, in bytes. Default {@link defaultChunkBytes} (64 KiB). */
  chunkBytes?: number;
}

const chunkOptionsSchema = z.object({
  chunkBytes: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).default(defaultChunkBytes),
});

/**
 * Splits a part into ordered chunks of at most `chunkBytes` bytes. `data` of each chunk is a view into
 * the payload (no copy for binary parts). {@link joinChunks} reverses it exactly.
 */
export function chunkPart(part: ContentPart, options?: ChunkOptions): PartChunk[] {
  const parsed = chunkOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    throw new ContentParseError('INVALID_OPTIONS', `invalid chunk options: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  const { chunkBytes } = parsed.data;
  const { header, encoding, payload } = splitPart(part);
  const total = Math.max(1, Math.ceil(payload.byteLength / chunkBytes));
  const chunks: PartChunk[] = [];
  for (let index = 0; index < total; index += 1) {
    const offset = index * chunkBytes;
    chunks.push({
      format: partChunkFormat,
      part: header,
      encoding,
      index,
      total,
      final: index === total - 1,
      offset,
      payloadBytes: payload.byteLength,
      data: payload.subarray(offset, Math.min(offset + chunkBytes, payload.byteLength)),
    });
  }
  return chunks;
}
