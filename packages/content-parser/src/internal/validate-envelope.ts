import { z } from 'zod';
import { ContentParseError } from '../content-parse-error.js';

/**
 * Validates the envelope around the blocks (the result object, the contents/messages array). A bad
 * envelope leaves nothing to salvage, so it throws INVALID_RESULT in both modes.
 */
export function validateEnvelope<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ContentParseError(
    'INVALID_RESULT',
    `not a valid MCP ${what}: ${z.prettifyError(result.error).replaceAll('\n', ' ')}`,
    { cause: result.error },
  );
}
