import { createRequire } from 'node:module';
import type { Ajv, AnySchema, ValidateFunction } from 'ajv';
import type { Ajv2019 } from 'ajv/dist/2019.js';
import type { Ajv2020 } from 'ajv/dist/2020.js';

// ajv and ajv-formats (CommonJS, about 100 modules) are required when the first schema is compiled,
// not when the package is imported: most results carry no structured content to check, and a client
// that never sees one never loads them.
const require = createRequire(import.meta.url);

/** A JSON Schema in object form, e.g. a tool's `outputSchema`. */
export type JsonSchema = Record<string, unknown>;

export type JsonSchemaCheck = { valid: true; errorMessage?: undefined } | { valid: false; errorMessage: string };

/**
 * Turns a JSON Schema into a check function. Structurally compatible with the MCP SDK's
 * `jsonSchemaValidator` interface, so `new AjvJsonSchemaValidator()` or the Cloudflare Worker
 * validator from `@modelcontextprotocol/client/validators/*` can be passed as is.
 */
export interface JsonSchemaValidatorProvider {
  getValidator(schema: JsonSchema): (input: unknown) => JsonSchemaCheck;
}

type Dialect = '2020-12' | '2019-09' | 'draft-07';

const dialectsByUri = new Map<string, Dialect>([
  ['json-schema.org/draft/2020-12/schema', '2020-12'],
  ['json-schema.org/draft/2019-09/schema', '2019-09'],
  ['json-schema.org/draft-07/schema', 'draft-07'],
  ['json-schema.org/draft-06/schema', 'draft-07'],
]);

/** MCP says a schema without `$schema` is 2020-12; zod-generated schemas usually declare draft-07. */
function dialectOf(schema: JsonSchema): Dialect {
  const declared = schema.$schema;
  if (typeof declared !== 'string') return '2020-12';
  const key = declared.replace(/^https?:\/\//, '').replace(/#$/, '');
  const dialect = dialectsByUri.get(key);
  if (dialect === undefined) {
    throw new Error(
      `unsupported "$schema" ${JSON.stringify(declared.slice(0, 200))}: the default validator knows 2020-12, 2019-09, draft-07 and draft-06; pass your own schemaValidator for other dialects`,
    );
  }
  return dialect;
}

type AjvEngine = Ajv | Ajv2019 | Ajv2020;

function createEngine(dialect: Dialect): AjvEngine {
  // strict: false because real outputSchemas carry annotations ajv does not know (e.g. "examples"
  // in draft-07); validateSchema: false so a schema with an unknown keyword still validates data;
  // addUsedSchema: false so two schema objects with the same "$id" do not collide in the engine.
  const options = { strict: false, allErrors: true, validateSchema: false, addUsedSchema: false } as const;
  const engine =
    dialect === '2020-12'
      ? new (require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js')).Ajv2020(options)
      : dialect === '2019-09'
        ? new (require('ajv/dist/2019.js') as typeof import('ajv/dist/2019.js')).Ajv2019(options)
        : new (require('ajv') as typeof import('ajv')).Ajv(options);
  (require('ajv-formats') as typeof import('ajv-formats')).default(engine as Ajv);
  return engine;
}

export interface JsonSchemaValidatorOptions {
  /** What error messages call the validated value (`arguments/message must be string`). Default `data`. */
  dataVar?: string;
  /** Between the messages of several errors. Default `', '`. */
  separator?: string;
}

/**
 * The one JSON Schema validator of the platform (tool output schemas here, tool input schemas in the
 * grpc-gateway): ajv with ajv-formats, one engine per dialect (created on first use), and each compiled
 * schema cached per schema object. A schema without `$schema` is 2020-12, as MCP says; draft-07 and
 * 2019-09 schemas are checked by their own dialect. Compiling throws for an unusable schema (and an
 * unknown `$schema`); the parser reports that as `INVALID_SCHEMA`.
 */
export function createJsonSchemaValidator(options: JsonSchemaValidatorOptions = {}): JsonSchemaValidatorProvider {
  const textOptions = { dataVar: options.dataVar ?? 'data', separator: options.separator ?? ', ' };
  const engines = new Map<Dialect, AjvEngine>();
  const compiled = new WeakMap<JsonSchema, { engine: AjvEngine; validate: ValidateFunction }>();
  return {
    getValidator(schema) {
      let entry = compiled.get(schema);
      if (entry === undefined) {
        const dialect = dialectOf(schema);
        let engine = engines.get(dialect);
        if (engine === undefined) {
          engine = createEngine(dialect);
          engines.set(dialect, engine);
        }
        entry = { engine, validate: engine.compile(schema as AnySchema) };
        compiled.set(schema, entry);
      }
      const { engine, validate } = entry;
      return (input) =>
        validate(input)
          ? { valid: true }
          : { valid: false, errorMessage: engine.errorsText(validate.errors, textOptions) };
    },
  };
}
