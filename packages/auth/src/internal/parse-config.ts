import { z } from 'zod';
import { AuthError } from '../auth-error.js';

/** Validates outside input with `schema`, throwing INVALID_CONFIG that names `what` and every problem. */
export function parseConfig<Schema extends z.ZodType>(schema: Schema, value: unknown, what: string): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new AuthError('INVALID_CONFIG', `Invalid ${what}: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  }
  return parsed.data;
}
