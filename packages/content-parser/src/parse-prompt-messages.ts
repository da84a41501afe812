import type { ContentPart, Meta } from './content-part.js';
import { getPromptResultSchema } from './internal/mcp-schemas.js';
import { PartBuilder } from './internal/part-builder.js';
import { validateEnvelope } from './internal/validate-envelope.js';
import { type ParseOptions, resolveParseOptions } from './parse-options.js';

export interface ParsedPromptMessage {
  /** The message's role; absent only for a malformed message kept by lenient mode. */
  role?: 'user' | 'assistant';
  part: ContentPart;
}

export interface ParsedPromptMessages {
  messages: ParsedPromptMessage[];
  /** The prompt's description (GetPromptResult input only). */
  description?: string;
  /** Sum of the parts' decoded sizes, in bytes. */
  byteLength: number;
  /** The prompt result's `_meta`. */
  meta?: Meta;
}

/**
 * Parses `prompts/get` output: the whole GetPromptResult (`{ description, messages, _meta }`) or just
 * its `messages` array. Each message's content block becomes one part (path `['messages', i, 'content']`).
 */
export function parsePromptMessages(messages: unknown, options?: ParseOptions): ParsedPromptMessages {
  const builder = new PartBuilder(resolveParseOptions(options));
  const envelope = validateEnvelope(
    getPromptResultSchema,
    Array.isArray(messages) ? { messages } : messages,
    'prompt result (GetPromptResult or its messages array)',
  );
  const parsed: ParsedPromptMessages = {
    messages: envelope.messages.map((message, i) => builder.promptMessage(message, ['messages', i])),
    byteLength: builder.byteLength,
  };
  if (envelope.description !== undefined) parsed.description = envelope.description;
  if (envelope._meta !== undefined) parsed.meta = envelope._meta;
  return parsed;
}
