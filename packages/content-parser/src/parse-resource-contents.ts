import type { ContentPart, Meta } from './content-part.js';
import { readResourceResultSchema } from './internal/mcp-schemas.js';
import { PartBuilder } from './internal/part-builder.js';
import { validateEnvelope } from './internal/validate-envelope.js';
import { type ParseOptions, resolveParseOptions } from './parse-options.js';

export interface ParsedResourceContents {
  /** One `resource` part per contents entry (in lenient mode, `unknown` for a malformed one). */
  parts: ContentPart[];
  /** Sum of the parts' decoded sizes, in bytes. */
  byteLength: number;
  /** The read result's `_meta`. */
  meta?: Meta;
}

/**
 * Parses a `resources/read` result: the whole ReadResourceResult (`{ contents, _meta }`) or just its
 * `contents` array. Paths are relative to `contents` (`['contents', 0]`) either way. Each entry's
 * `_meta` lands in the part's `resourceMeta`.
 */
export function parseResourceContents(contents: unknown, options?: ParseOptions): ParsedResourceContents {
  const builder = new PartBuilder(resolveParseOptions(options));
  const envelope = validateEnvelope(
    readResourceResultSchema,
    Array.isArray(contents) ? { contents } : contents,
    'resource read result (ReadResourceResult or its contents array)',
  );
  const parts = envelope.contents.map((entry, i) => builder.resourceContents(entry, ['contents', i]));
  const parsed: ParsedResourceContents = { parts, byteLength: builder.byteLength };
  if (envelope._meta !== undefined) parsed.meta = envelope._meta;
  return parsed;
}
