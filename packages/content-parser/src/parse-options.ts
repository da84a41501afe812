import { z } from 'zod';
import { ContentParseError } from './content-parse-error.js';
import {
  createJsonSchemaValidator,
  type JsonSchema,
  type JsonSchemaValidatorProvider,
} from './json-schema-validator.js';

/** 16 MiB: a large image or document, well below what a process should hold per part. */
export const defaultMaxPartBytes = 16 * 1024 * 1024;
/** 64 MiB: the sum of all decoded parts of one result. */
export const defaultMaxResultBytes = 64 * 1024 * 1024;

export interface ParseOptions {
  /**
   * `strict` (default) throws a {@link ContentParseError} for a malformed block, bad base64 or a
   * schema mismatch. `lenient` keeps going: the offending block becomes an `unknown` part carrying
   * the raw value and the `issue` strict mode would have thrown. Either way, size limits always
   * throw and unknown block types always become `unknown` parts (they are not errors).
   */
  mode?: 'strict' | 'lenient';
  /** Turn text that is a JSON object or array into a `json` part. Default `true`. */
  detectJson?: boolean;
  /** Largest decoded size of one part, in bytes. Default {@link defaultMaxPartBytes} (16 MiB). */
  maxPartBytes?: number;
  /** Largest decoded size of all parts of one result, in bytes. Default {@link defaultMaxResultBytes} (64 MiB). */
  maxResultBytes?: number;
  /** JSON Schema validator for `outputSchema`. Default: ajv (2020-12, 2019-09, draft-07, draft-06). */
  schemaValidator?: JsonSchemaValidatorProvider;
}

export interface ToolResultParseOptions extends ParseOptions {
  /**
   * The tool's `outputSchema` (from `tools/list`). When given, `structuredContent` of a successful
   * result must be present and match it.
   */
  outputSchema?: JsonSchema;
}

export interface ResolvedParseOptions {
  lenient: boolean;
  detectJson: boolean;
  maxPartBytes: number;
  maxResultBytes: number;
  schemaValidator: JsonSchemaValidatorProvider;
  outputSchema: JsonSchema | undefined;
}

const byteLimit = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const optionsSchema = z.object({
  mode: z.enum(['strict', 'lenient']).default('strict'),
  detectJson: z.boolean().default(true),
  maxPartBytes: byteLimit.default(defaultMaxPartBytes),
  maxResultBytes: byteLimit.default(defaultMaxResultBytes),
  schemaValidator: z
    .custom<JsonSchemaValidatorProvider>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as { getValidator?: unknown }).getValidator === 'function',
      { message: 'expected an object with a getValidator(schema) method' },
    )
    .optional(),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
});

let sharedValidator: JsonSchemaValidatorProvider | undefined;

/** One default validator per process, so compiled schemas are cached across calls. */
function defaultValidator(): JsonSchemaValidatorProvider {
  sharedValidator ??= createJsonSchemaValidator();
  return sharedValidator;
}

/** Options come from callers (often from config files), so they are validated like any other input. */
export function resolveParseOptions(options: ToolResultParseOptions | undefined): ResolvedParseOptions {
  const parsed = optionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    throw new ContentParseError('INVALID_OPTIONS', `invalid parse options: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  const { mode, detectJson, maxPartBytes, maxResultBytes, schemaValidator, outputSchema } = parsed.data;
  return {
    lenient: mode === 'lenient',
    detectJson,
    maxPartBytes,
    maxResultBytes,
    schemaValidator: schemaValidator ?? defaultValidator(),
    // The caller's object, not zod's copy: compiled validators are cached per schema object.
    outputSchema: outputSchema === undefined ? undefined : options?.outputSchema,
  };
}
