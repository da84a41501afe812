import { createHash } from 'node:crypto';
import type { PoolTool } from './mcp-client-pool.js';
import type { ModelTool } from './model/language-model.js';

/**
 * Function names allow only `[A-Za-z0-9_-]{1,64}`, so pool names (`everything.echo`) are mapped
 * (`everything__echo`, other characters `_`). A name that had to be cut, or that collides with one
 * already taken, ends in `_` and 8 hex digits of a hash of the pool name: still readable, the same
 * on every request, and `toPool` maps it back.
 */
export interface ToolNameMap {
  tools: ModelTool[];
  /** Model function name -> pool name. */
  toPool: Map<string, string>;
  /** Pool name -> model function name. */
  toModel: Map<string, string>;
}

const maxName = 64;
const hashLength = 8;

function hashed(base: string, poolName: string, salt: number): string {
  const hash = createHash('sha256').update(`${poolName}\0${salt}`).digest('hex').slice(0, hashLength);
  return `${base.slice(0, maxName - hashLength - 1)}_${hash}`;
}

function modelName(poolName: string, taken: Map<string, string>): string {
  const safe = poolName.replaceAll('.', '__').replace(/[^A-Za-z0-9_-]/g, '_');
  if (safe.length <= maxName && !taken.has(safe)) return safe;
  let name = hashed(safe, poolName, 0);
  for (let salt = 1; taken.has(name); salt++) name = hashed(safe, poolName, salt);
  return name;
}

/** Keywords the function-calling APIs reject or ignore in a parameters schema. */
const droppedKeywords = new Set(['$schema', '$id', '$comment']);

/**
 * A tool's input schema as the model API wants it: always an object schema with `properties`,
 * without `$schema` / `$id` / `$comment` (at any depth).
 */
export function prepareToolSchema(inputSchema: unknown): Record<string, unknown> {
  const schema = clean(inputSchema);
  const object = schema !== null && typeof schema === 'object' && !Array.isArray(schema) ? schema : {};
  const prepared: Record<string, unknown> = { ...(object as Record<string, unknown>) };
  prepared.type ??= 'object';
  if (prepared.type === 'object') prepared.properties ??= {};
  return prepared;
}

function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (value === null || typeof value !== 'object') return value;
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) if (!droppedKeywords.has(key)) result[key] = clean(inner);
  return result;
}

/** Keywords OpenAI's strict mode accepts; a schema using anything else is sent without `strict`. */
const strictKeywords = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'description',
  'title',
  'anyOf',
  '$defs',
  '$ref',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
]);

/** A strict-mode schema says what its value is through one of these. */
const typedKeywords = ['type', 'anyOf', '$ref', 'enum', 'const'] as const;

/**
 * The schema as strict mode wants it, or undefined when it cannot be sent strict without changing
 * which arguments the model may send the tool. Strict mode needs every object closed
 * (`additionalProperties: false`) with every property required, and only the keywords it knows.
 * Closing an object that leaves `additionalProperties` unset only stops the model from inventing
 * fields: every argument it can then send, the tool accepted before. A schema with an optional
 * property, an open object (`additionalProperties` true or a schema, or no `properties` at all:
 * any object), an array without `items` or another keyword is left as it is: making it strict would
 * make optional fields required, or leave the model only `{}` for a map. MCP servers' schemas (zod through
 * the SDK) never say `additionalProperties`, so without closing none of them would ever be strict.
 */
export function strictSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) {
    const items = schema.map(strictSchema);
    return items.includes(undefined) ? undefined : items;
  }
  if (schema === null || typeof schema !== 'object') return schema;
  const node = schema as Record<string, unknown>;
  if (!Object.keys(node).every((key) => strictKeywords.has(key))) return undefined;
  // "Any value" (`{}`, a description alone) has no strict form.
  if (!typedKeywords.some((key) => node[key] !== undefined)) return undefined;
  const result: Record<string, unknown> = { ...node };
  const types = Array.isArray(node.type) ? node.type : [node.type];
  // An array of any items has no strict form either (the API refuses "array schema missing items").
  if (types.includes('array') && node.items === undefined) return undefined;
  if (types.includes('object') || node.properties !== undefined) {
    if (node.additionalProperties !== undefined && node.additionalProperties !== false) return undefined;
    // `{ "type": "object" }` without `properties` is any object (a map of the caller's keys):
    // closed, the model could send only `{}`. (A tool's own schema gets `properties` in
    // prepareToolSchema: a tool without arguments.)
    if (node.properties === undefined) return undefined;
    const properties = (node.properties ?? {}) as Record<string, unknown>;
    const required = new Set(Array.isArray(node.required) ? node.required : []);
    if (!Object.keys(properties).every((key) => required.has(key))) return undefined;
    const closed: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(properties)) {
      const strict = strictSchema(inner);
      if (strict === undefined) return undefined;
      closed[key] = strict;
    }
    result.properties = closed;
    result.additionalProperties = false;
  }
  for (const key of ['items', 'anyOf'] as const) {
    if (node[key] === undefined) continue;
    const inner = strictSchema(node[key]);
    if (inner === undefined) return undefined;
    result[key] = inner;
  }
  if (node.$defs !== undefined) {
    const defs: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(node.$defs as Record<string, unknown>)) {
      const strict = strictSchema(inner);
      if (strict === undefined) return undefined;
      defs[key] = strict;
    }
    result.$defs = defs;
  }
  return result;
}

/** Whether `strictSchema` can make the schema strict. */
export function allowsStrict(schema: unknown): boolean {
  return strictSchema(schema) !== undefined;
}

/**
 * Prepared schemas by the listed schema object: the pool serves a listing from its cache as the same
 * objects until it changes, so a request prepares (and checks for strict mode) only what is new,
 * not every tool's schema every time.
 */
const preparedSchemas = new WeakMap<object, { parameters: Record<string, unknown>; strict: boolean }>();

function prepared(inputSchema: PoolTool['inputSchema']) {
  const cacheable = typeof inputSchema === 'object' && inputSchema !== null;
  let entry = cacheable ? preparedSchemas.get(inputSchema) : undefined;
  if (entry === undefined) {
    const parameters = prepareToolSchema(inputSchema);
    const strict = strictSchema(parameters) as Record<string, unknown> | undefined;
    entry = strict ? { parameters: strict, strict: true } : { parameters, strict: false };
    if (cacheable) preparedSchemas.set(inputSchema, entry);
  }
  return entry;
}

export function buildToolNames(poolTools: PoolTool[]): ToolNameMap {
  const toPool = new Map<string, string>();
  const toModel = new Map<string, string>();
  const tools = poolTools.map((tool): ModelTool => {
    const name = modelName(tool.name, toPool);
    toPool.set(name, tool.name);
    toModel.set(tool.name, name);
    const description = tool.description ?? tool.title;
    const { parameters, strict } = prepared(tool.inputSchema);
    return {
      name,
      ...(description ? { description } : {}),
      parameters,
      ...(strict ? { strict: true } : {}),
    };
  });
  return { tools, toPool, toModel };
}
