import type { ContentPart } from './content-part.js';
import { PartBuilder } from './internal/part-builder.js';
import { type ParseOptions, resolveParseOptions } from './parse-options.js';

/**
 * Parses one MCP content block (`text`, `image`, `audio`, `resource`, `resource_link`, or any future
 * type) into a part with index 0 and an empty path.
 */
export function parseContentBlock(block: unknown, options?: ParseOptions): ContentPart {
  return new PartBuilder(resolveParseOptions(options)).block(block, []);
}
