import { z } from 'zod';
import type { JsonObject, JsonValue } from '../json.js';
import { SessionStoreError } from '../session-store-error.js';

export const jsonValueSchema: z.ZodType<JsonValue> = z.json() as z.ZodType<JsonValue>;
export const jsonObjectSchema: z.ZodType<JsonObject> = z.record(z.string(), jsonValueSchema);

/** Serialises a caller's value; rejects what JSON cannot represent instead of storing something else. */
export function encodeJson(value: unknown, what: string): string {
  const checked = jsonValueSchema.safeParse(value);
  if (!checked.success) {
    throw new SessionStoreError(
      'INVALID_ARGUMENT',
      `${what} must be JSON (objects, arrays, strings, finite numbers, booleans, null): ${z.prettifyError(checked.error)}`,
      { cause: checked.error },
    );
  }
  return JSON.stringify(checked.data);
}

export function encodeJsonObject(value: unknown, what: string): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SessionStoreError('INVALID_ARGUMENT', `${what} must be a JSON object.`);
  }
  return encodeJson(value, what);
}

/**
 * The event-log write path, once per message: `JSON.stringify` only, no schema walk. Messages come
 * from an MCP SDK that sends them as this same JSON, and reads validate again (`CORRUPT_VALUE`), so
 * what JSON cannot hold either fails here (BigInt, cycles: `INVALID_ARGUMENT`) or is stored as the
 * wire would carry it (`undefined` properties dropped, non-finite numbers as `null`, `toJSON` applied).
 */
export function encodeEventMessage(value: unknown, what: string): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SessionStoreError('INVALID_ARGUMENT', `${what} must be a JSON object.`);
  }
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new SessionStoreError(
      'INVALID_ARGUMENT',
      `${what} cannot be serialised to JSON (a BigInt or a cycle?); pass plain JSON data.`,
      { cause: error },
    );
  }
}

/** Parses and validates a stored string; anything unexpected becomes `CORRUPT_VALUE` naming the key. */
export function decodeJson<T>(raw: string, schema: z.ZodType<T>, key: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw corrupt(key, 'it is not JSON', error);
  }
  // What JSON.parse returns is JSON by construction: for the two JSON schemas only the object check
  // is left to do, and skipping their recursive walk keeps every session touch and event read cheap.
  if (schema === jsonValueSchema) return parsed as T;
  if (schema === jsonObjectSchema) {
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw corrupt(key, 'it is not a JSON object');
    }
    return parsed as T;
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw corrupt(key, z.prettifyError(result.error), result.error);
  return result.data;
}

export function corrupt(key: string, reason: string, cause?: unknown): SessionStoreError {
  return new SessionStoreError(
    'CORRUPT_VALUE',
    `The value stored at "${key}" is corrupt (${reason}); delete the key and let the client start again.`,
    { cause },
  );
}
