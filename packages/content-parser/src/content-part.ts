import type { ContentParseErrorCode, ContentPath } from './content-parse-error.js';

/** MCP annotations, kept as sent (unknown keys from newer protocol versions included). */
export interface Annotations {
  audience?: ('user' | 'assistant')[];
  priority?: number;
  lastModified?: string;
  [key: string]: unknown;
}

/** MCP `_meta`, kept as sent. */
export type Meta = Record<string, unknown>;

/** Fields every part has. */
export interface PartBase {
  /** Position of the part in its parse result (0 for a single block). Chunks carry it too. */
  index: number;
  /** Where the part came from in the input, e.g. `['content', 1]`, `['structuredContent']`. */
  path: ContentPath;
  /** Decoded size in bytes (UTF-8 for text), the number counted against the size limits. */
  byteLength: number;
  /** The block's `annotations`, when it had any. */
  annotations?: Annotations;
  /** The block's `_meta`, when it had any. */
  meta?: Meta;
}

export interface TextPart extends PartBase {
  type: 'text';
  text: string;
}

/** A text block whose text is a JSON object or array (only when `detectJson` is on). */
export interface JsonPart extends PartBase {
  type: 'json';
  /** The parsed value. */
  data: Record<string, unknown> | unknown[];
  /** The original text, byte for byte. */
  text: string;
}

/** A tool result's `structuredContent` (any JSON value). */
export interface StructuredPart extends PartBase {
  type: 'structured';
  data: unknown;
  /** True when it was checked against the tool's `outputSchema` and matched; false when not checked. */
  schemaValidated: boolean;
}

export interface ImagePart extends PartBase {
  type: 'image';
  mimeType: string;
  /** Bytes decoded from the block's base64 `data`. */
  data: Uint8Array;
}

export interface AudioPart extends PartBase {
  type: 'audio';
  mimeType: string;
  /** Bytes decoded from the block's base64 `data`. */
  data: Uint8Array;
}

interface ResourcePartBase extends PartBase {
  type: 'resource';
  uri: string;
  mimeType?: string;
  /** The resource contents' own `_meta` (`meta` is the embedding block's). */
  resourceMeta?: Meta;
}

/** An embedded resource (tool result, prompt) or a `resources/read` entry holding text. */
export interface TextResourcePart extends ResourcePartBase {
  encoding: 'text';
  text: string;
}

/** An embedded resource (tool result, prompt) or a `resources/read` entry holding a blob. */
export interface BlobResourcePart extends ResourcePartBase {
  encoding: 'blob';
  /** Bytes decoded from the base64 `blob`. */
  data: Uint8Array;
}

export type ResourcePart = TextResourcePart | BlobResourcePart;

/** A link to a resource the client may read later (`resource_link` block). Nothing is fetched. */
export interface ResourceLinkPart extends PartBase {
  type: 'resource-link';
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  /** The linked resource's size as announced by the server (not a decoded size). */
  size?: number;
  icons?: Record<string, unknown>[];
}

/** A text block of an `isError: true` tool result (or a placeholder when the error had no text). */
export interface ErrorPart extends PartBase {
  type: 'error';
  message: string;
}

/** A problem that lenient mode turned into an `unknown` part instead of throwing. */
export interface ContentIssue {
  code: ContentParseErrorCode;
  message: string;
  path: ContentPath;
}

/**
 * A block this parser does not understand: a block type from a newer protocol version (no `issue`),
 * or, in lenient mode, a malformed block (with the `issue` that strict mode would have thrown).
 */
export interface UnknownPart extends PartBase {
  type: 'unknown';
  /** The block's `type` field when it had a string one. */
  blockType?: string;
  /** The block exactly as received. */
  raw: unknown;
  issue?: ContentIssue;
}

/** Every part, discriminated on `type`. */
export type ContentPart =
  | TextPart
  | JsonPart
  | StructuredPart
  | ImagePart
  | AudioPart
  | ResourcePart
  | ResourceLinkPart
  | ErrorPart
  | UnknownPart;

export type ContentPartType = ContentPart['type'];
