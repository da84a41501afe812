import { formatPath } from './internal/path.js';

/**
 * Every code a {@link ContentParseError} can carry. The code is the stable, machine-readable part;
 * messages may change.
 */
export const contentParseErrorCodes = [
  /** The options passed to a parse/chunk function are invalid (caller bug). */
  'INVALID_OPTIONS',
  /** The envelope (tool result, read result, prompt messages) has the wrong shape. */
  'INVALID_RESULT',
  /** A content block of a known type has missing or mistyped fields. */
  'INVALID_BLOCK',
  /** A base64 payload (`data`, `blob`) is not valid standard base64. */
  'INVALID_BASE64',
  /** One part decodes to more than `maxPartBytes`. */
  'PART_TOO_LARGE',
  /** All parts together decode to more than `maxResultBytes`. */
  'RESULT_TOO_LARGE',
  /** The tool's `outputSchema` is not a usable JSON Schema. */
  'INVALID_SCHEMA',
  /** `structuredContent` does not match the tool's `outputSchema` (or is missing although a schema is given). */
  'SCHEMA_MISMATCH',
  /** A chunk is malformed (wrong fields, impossible index/offset/final flag). */
  'INVALID_CHUNK',
  /** A chunk arrived with a higher index than the next expected one. */
  'CHUNK_OUT_OF_ORDER',
  /** A chunk index arrived twice. */
  'CHUNK_DUPLICATE',
  /** The chunks end before the part is complete. */
  'CHUNK_MISSING',
  /** Chunks of different parts (or with disagreeing totals/headers) were mixed. */
  'CHUNK_MISMATCH',
] as const;

export type ContentParseErrorCode = (typeof contentParseErrorCodes)[number];

/** Where in the input a problem was found, e.g. `['content', 2, 'data']`. */
export type ContentPath = readonly (string | number)[];

export interface ContentParseErrorOptions {
  /** Path to the offending block or field; empty for the whole input. */
  path?: ContentPath;
  /** Index of the part the error belongs to, when there is one. */
  partIndex?: number;
  /** Type of the offending part or block (`image`, `resource`, ...), when known. */
  partType?: string;
  cause?: unknown;
}

const brand = Symbol.for('@mcs/content-parser/ContentParseError');

/**
 * The one error this package throws. `code` says what went wrong, `path` where, and the message what
 * to do about it.
 */
export class ContentParseError extends Error {
  override readonly name = 'ContentParseError';
  readonly code: ContentParseErrorCode;
  readonly path: ContentPath;
  readonly partIndex: number | undefined;
  readonly partType: string | undefined;
  // Brand for isInstance: survives duplicate copies of this package, unlike instanceof.
  readonly [brand] = true;

  constructor(code: ContentParseErrorCode, message: string, options: ContentParseErrorOptions = {}) {
    const path = options.path ?? [];
    const where = path.length > 0 ? ` (at ${formatPath(path)})` : '';
    super(`${code}: ${message}${where}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.path = path;
    this.partIndex = options.partIndex;
    this.partType = options.partType;
  }

  /** True for a ContentParseError from any copy of this package (brand check, not `instanceof`). */
  static isInstance(value: unknown): value is ContentParseError {
    return typeof value === 'object' && value !== null && brand in value;
  }
}
