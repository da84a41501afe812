import type { ContentPart, Meta } from './content-part.js';
import { callToolResultSchema } from './internal/mcp-schemas.js';
import { PartBuilder } from './internal/part-builder.js';
import { validateEnvelope } from './internal/validate-envelope.js';
import { resolveParseOptions, type ToolResultParseOptions } from './parse-options.js';

export interface ParsedToolResult {
  /**
   * One part per content block, in order, then the `structured` part when the result has
   * `structuredContent`. In an `isError` result, text blocks become `error` parts.
   */
  parts: ContentPart[];
  isError: boolean;
  /** For `isError` results: the error texts joined by newlines (a fixed message when there were none). */
  errorMessage?: string;
  /** Sum of the parts' decoded sizes, in bytes. */
  byteLength: number;
  /** The result's `_meta`. */
  meta?: Meta;
}

/** Parses a `tools/call` result (CallToolResult). */
export function parseToolResult(result: unknown, options?: ToolResultParseOptions): ParsedToolResult {
  const resolved = resolveParseOptions(options);
  const envelope = validateEnvelope(callToolResultSchema, result, 'tool result (CallToolResult)');
  const builder = new PartBuilder(resolved);
  const isError = envelope.isError === true;
  const parts = (envelope.content ?? []).map((block, i) => builder.block(block, ['content', i], isError));
  if (envelope.structuredContent !== undefined) {
    parts.push(builder.structured(envelope.structuredContent, ['structuredContent'], resolved.outputSchema, isError));
  } else if (resolved.outputSchema !== undefined && !isError) {
    parts.push(builder.missingStructured(['structuredContent']));
  }
  const parsed: ParsedToolResult = { parts, isError, byteLength: 0 };
  if (isError) {
    const messages = parts.flatMap((part) => (part.type === 'error' ? [part.message] : []));
    if (messages.length === 0) {
      const placeholder = builder.errorWithoutText(['isError']);
      parts.push(placeholder);
      messages.push(placeholder.message);
    }
    parsed.errorMessage = messages.join('\n');
  }
  parsed.byteLength = builder.byteLength;
  if (envelope._meta !== undefined) parsed.meta = envelope._meta;
  return parsed;
}
