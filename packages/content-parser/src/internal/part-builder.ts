// Builds parts for one parse call: validates each block at the edge, enforces the byte limits before
// anything is decoded, numbers the parts, and applies the strict/lenient decision in one place.
import type { z } from 'zod';
import { ContentParseError, type ContentPath } from '../content-parse-error.js';
import type {
  Annotations,
  ContentPart,
  ContentPartType,
  ErrorPart,
  Meta,
  PartBase,
  ResourcePart,
  StructuredPart,
  UnknownPart,
} from '../content-part.js';
import type { JsonSchema } from '../json-schema-validator.js';
import type { ResolvedParseOptions } from '../parse-options.js';
import { base64DecodedLength, decodeBase64 } from './base64.js';
import {
  blockSchemas,
  isKnownBlockType,
  promptMessageSchema,
  type ResourceContents,
  resourceContentsSchema,
} from './mcp-schemas.js';
import { formatPath } from './path.js';

/** Codes lenient mode may turn into an `unknown` part. Size limits are never among them. */
const recoverableCodes = new Set(['INVALID_BLOCK', 'INVALID_BASE64', 'INVALID_SCHEMA', 'SCHEMA_MISMATCH']);

interface Decorations {
  annotations?: Annotations | undefined;
  _meta?: Meta | undefined;
}

type MediaBlock = z.infer<(typeof blockSchemas)['image']> | z.infer<(typeof blockSchemas)['audio']>;

export function utf8ByteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Size of a value as JSON text; 0 for values JSON cannot represent (they hold no payload). */
export function jsonByteLength(value: unknown): number {
  try {
    const json = JSON.stringify(value);
    return json === undefined ? 0 : utf8ByteLength(json);
  } catch {
    return 0;
  }
}

function describeIssues(error: z.ZodError, path: ContentPath): string {
  return error.issues
    .map((issue) => `${formatPath([...path, ...issue.path])}: ${issue.message}`)
    .slice(0, 5)
    .join('; ');
}

export class PartBuilder {
  private total = 0;
  private nextIndex = 0;

  constructor(private readonly options: ResolvedParseOptions) {}

  /** Sum of the decoded sizes of every part built so far. */
  get byteLength(): number {
    return this.total;
  }

  /** One content block (tool result, prompt message, or standalone). `asError` maps text to `error` parts. */
  block(raw: unknown, path: ContentPath, asError = false): ContentPart {
    const index = this.nextIndex++;
    const blockType = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
    if (typeof blockType === 'string' && !isKnownBlockType(blockType)) {
      // A block type from a newer protocol version: kept whole, never an error.
      return this.unknown(index, raw, path, blockType);
    }
    return this.recover(index, raw, path, () => this.knownBlock(index, raw, path, asError));
  }

  /** One entry of a `resources/read` result's `contents`. */
  resourceContents(raw: unknown, path: ContentPath): ContentPart {
    const index = this.nextIndex++;
    return this.recover(index, raw, path, () => {
      const contents = this.validate(resourceContentsSchema, raw, path, 'resource contents', index);
      return this.resource(index, contents, {}, path, path);
    });
  }

  /** One prompt message: its content block as a part, with the message's role. */
  promptMessage(raw: unknown, path: ContentPath): { role?: 'user' | 'assistant'; part: ContentPart } {
    const message = promptMessageSchema.safeParse(raw);
    if (message.success)
      return { role: message.data.role, part: this.block(message.data.content, [...path, 'content']) };
    const index = this.nextIndex++;
    return {
      part: this.recover(index, raw, path, () => {
        throw invalidBlock(message.error, path, 'prompt message', index);
      }),
    };
  }

  /** A tool result's `structuredContent`, checked against `outputSchema` unless the result is an error. */
  structured(value: unknown, path: ContentPath, schema: JsonSchema | undefined, isError: boolean): ContentPart {
    const index = this.nextIndex++;
    return this.recover(index, value, path, () => {
      const checked = schema !== undefined && !isError;
      if (checked) this.checkSchema(schema, value, path, index);
      const part: StructuredPart = {
        type: 'structured',
        index,
        path,
        byteLength: this.reserve(jsonByteLength(value), index, 'structured', path),
        data: value,
        schemaValidated: checked,
      };
      return part;
    });
  }

  /** Reports a structuredContent that the schema requires but the result lacks. */
  missingStructured(path: ContentPath): ContentPart {
    const index = this.nextIndex++;
    return this.recover(index, undefined, path, () => {
      throw new ContentParseError(
        'SCHEMA_MISMATCH',
        'the tool declares an outputSchema but its result has no structuredContent; the server must send structured results that match its schema',
        { path, partIndex: index, partType: 'structured' },
      );
    });
  }

  /** The `error` part of an `isError` result that carried no text. */
  errorWithoutText(path: ContentPath): ErrorPart {
    const index = this.nextIndex++;
    return { type: 'error', index, path, byteLength: 0, message: 'the tool reported an error without a message' };
  }

  private knownBlock(index: number, raw: unknown, path: ContentPath, asError: boolean): ContentPart {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new ContentParseError('INVALID_BLOCK', `a content block must be an object, got ${describeType(raw)}`, {
        path,
        partIndex: index,
      });
    }
    const type = (raw as { type?: unknown }).type;
    if (typeof type !== 'string' || !isKnownBlockType(type)) {
      throw new ContentParseError('INVALID_BLOCK', 'a content block needs a string "type" field', {
        path,
        partIndex: index,
      });
    }
    switch (type) {
      case 'text': {
        const block = this.validate(blockSchemas.text, raw, path, type, index);
        return this.text(index, block.text, block, path, asError);
      }
      case 'image':
      case 'audio': {
        const block = this.validate<MediaBlock>(blockSchemas[type], raw, path, type, index);
        const data = this.decodeBase64Payload(block.data, [...path, 'data'], index, type, path);
        return {
          type,
          index,
          path,
          ...decorations(block),
          byteLength: data.byteLength,
          mimeType: block.mimeType,
          data,
        };
      }
      case 'resource': {
        const block = this.validate(blockSchemas.resource, raw, path, type, index);
        return this.resource(index, block.resource, block, path, [...path, 'resource']);
      }
      case 'resource_link': {
        const {
          type: _type,
          annotations,
          _meta,
          ...link
        } = this.validate(blockSchemas.resource_link, raw, path, type, index);
        // A link carries no payload; its JSON size still counts so huge metadata cannot slip past.
        const byteLength = this.reserve(jsonByteLength(raw), index, 'resource-link', path);
        return { type: 'resource-link', index, path, ...decorations({ annotations, _meta }), byteLength, ...link };
      }
    }
  }

  private text(index: number, text: string, block: Decorations, path: ContentPath, asError: boolean): ContentPart {
    const base = { index, path, ...decorations(block) };
    const byteLength = this.reserve(utf8ByteLength(text), index, asError ? 'error' : 'text', path);
    if (asError) return { type: 'error', ...base, byteLength, message: text };
    const json = this.options.detectJson ? parseJsonContainer(text) : undefined;
    if (json !== undefined) return { type: 'json', ...base, byteLength, data: json, text };
    return { type: 'text', ...base, byteLength, text };
  }

  private resource(
    index: number,
    contents: ResourceContents,
    block: Decorations,
    path: ContentPath,
    contentsPath: ContentPath,
  ): ResourcePart {
    const base = {
      type: 'resource' as const,
      index,
      path,
      ...decorations(block),
      uri: contents.uri,
      ...(contents.mimeType === undefined ? {} : { mimeType: contents.mimeType }),
      ...(contents._meta === undefined ? {} : { resourceMeta: contents._meta }),
    };
    if (contents.text !== undefined) {
      const byteLength = this.reserve(utf8ByteLength(contents.text), index, 'resource', path);
      return { ...base, byteLength, encoding: 'text', text: contents.text };
    }
    // The schema guarantees exactly one of text/blob.
    const blob = contents.blob ?? '';
    const data = this.decodeBase64Payload(blob, [...contentsPath, 'blob'], index, 'resource', path);
    return { ...base, byteLength: data.byteLength, encoding: 'blob', data };
  }

  private unknown(index: number, raw: unknown, path: ContentPath, blockType: unknown, issue?: ContentParseError) {
    const part: UnknownPart = {
      type: 'unknown',
      index,
      path,
      byteLength: this.reserve(jsonByteLength(raw), index, 'unknown', path),
      raw,
    };
    if (typeof blockType === 'string') part.blockType = blockType;
    if (issue !== undefined) part.issue = { code: issue.code, message: issue.message, path: issue.path };
    return part;
  }

  /** Runs `build`; in lenient mode a recoverable error becomes an `unknown` part with the issue attached. */
  private recover(index: number, raw: unknown, path: ContentPath, build: () => ContentPart): ContentPart {
    try {
      return build();
    } catch (error) {
      if (this.options.lenient && ContentParseError.isInstance(error) && recoverableCodes.has(error.code)) {
        const blockType = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
        return this.unknown(index, raw, path, blockType, error);
      }
      throw error;
    }
  }

  private validate<T>(schema: z.ZodType<T>, raw: unknown, path: ContentPath, what: string, index: number): T {
    const result = schema.safeParse(raw);
    if (result.success) return result.data;
    throw invalidBlock(result.error, path, what, index);
  }

  /**
   * Limits are checked from the base64 length before decoding, and the bytes are counted only once
   * decoding succeeded, so a lenient-mode failure is not counted twice.
   */
  private decodeBase64Payload(
    text: string,
    fieldPath: ContentPath,
    index: number,
    partType: 'image' | 'audio' | 'resource',
    partPath: ContentPath,
  ): Uint8Array {
    const invalid = (reason: string) =>
      new ContentParseError(
        'INVALID_BASE64',
        `part ${index} (${partType}) has invalid base64: ${reason}. The server must send standard base64 (RFC 4648); parse with mode 'lenient' to keep the block as an unknown part`,
        {
          path: fieldPath,
          partIndex: index,
          partType,
        },
      );
    const length = base64DecodedLength(text);
    if (!length.ok) throw invalid(length.reason);
    this.checkLimits(length.byteLength, index, partType, partPath);
    const decoded = decodeBase64(text);
    if (!decoded.ok) throw invalid(decoded.reason);
    this.reserve(decoded.bytes.byteLength, index, partType, partPath);
    return decoded.bytes;
  }

  private checkSchema(schema: JsonSchema, value: unknown, path: ContentPath, index: number): void {
    let check: ReturnType<ReturnType<ResolvedParseOptions['schemaValidator']['getValidator']>>;
    try {
      check = this.options.schemaValidator.getValidator(schema)(value);
    } catch (error) {
      throw new ContentParseError(
        'INVALID_SCHEMA',
        `the tool's outputSchema cannot be used: ${error instanceof Error ? error.message : String(error)}`,
        { path, partIndex: index, partType: 'structured', cause: error },
      );
    }
    if (!check.valid) {
      throw new ContentParseError(
        'SCHEMA_MISMATCH',
        `structuredContent does not match the tool's outputSchema: ${check.errorMessage}`,
        { path, partIndex: index, partType: 'structured' },
      );
    }
  }

  /** Counts `bytes` against both limits; returns `bytes`. */
  private reserve(bytes: number, index: number, partType: ContentPartType, path: ContentPath): number {
    this.checkLimits(bytes, index, partType, path);
    this.total += bytes;
    return bytes;
  }

  private checkLimits(bytes: number, index: number, partType: ContentPartType, path: ContentPath): void {
    const { maxPartBytes, maxResultBytes } = this.options;
    const where = `part ${index} (${partType}) at ${formatPath(path)}`;
    if (bytes > maxPartBytes) {
      throw new ContentParseError(
        'PART_TOO_LARGE',
        `${where} is ${bytes} bytes decoded, over maxPartBytes (${maxPartBytes}); raise maxPartBytes or have the server return a resource link instead`,
        { path, partIndex: index, partType },
      );
    }
    if (this.total + bytes > maxResultBytes) {
      throw new ContentParseError(
        'RESULT_TOO_LARGE',
        `${where} brings the result to ${this.total + bytes} bytes decoded, over maxResultBytes (${maxResultBytes}); raise maxResultBytes or request less content`,
        { path, partIndex: index, partType },
      );
    }
  }
}

function invalidBlock(error: z.ZodError, path: ContentPath, what: string, index: number): ContentParseError {
  return new ContentParseError(
    'INVALID_BLOCK',
    `malformed ${what}: ${describeIssues(error, path)}. The server sent content that does not follow the MCP schema; fix the server, or parse with mode 'lenient' to keep such blocks as unknown parts`,
    { path, partIndex: index, partType: what, cause: error },
  );
}

function decorations(block: Decorations): Pick<PartBase, 'annotations' | 'meta'> {
  const out: Pick<PartBase, 'annotations' | 'meta'> = {};
  if (block.annotations !== undefined) out.annotations = block.annotations;
  if (block._meta !== undefined) out.meta = block._meta;
  return out;
}

/** The parsed value when `text` is a JSON object or array; undefined for anything else. */
function parseJsonContainer(text: string): Record<string, unknown> | unknown[] | undefined {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown> | unknown[]) : undefined;
  } catch {
    return undefined;
  }
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
