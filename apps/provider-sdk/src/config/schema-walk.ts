import { z } from 'zod';

// Reading a zod schema's structure lets one schema drive key spellings, "did you mean" hints and
// environment overrides, instead of a hand-kept list of keys that drifts from the schema.

type Schema = z.core.$ZodType;
interface LooseDef {
  type: string;
  innerType?: Schema;
  in?: Schema;
  getter?: () => Schema;
  shape?: Record<string, Schema>;
  valueType?: Schema;
  element?: Schema;
  options?: Schema[];
  discriminator?: string;
}

const defOf = (schema: Schema): LooseDef => schema._zod.def as unknown as LooseDef;

/** The schema under optional/default/nullable/pipe/lazy wrappers. */
export function unwrapSchema(schema: Schema): Schema {
  let current = schema;
  for (let depth = 0; depth < 32; depth += 1) {
    const def = defOf(current);
    if (def.innerType !== undefined) current = def.innerType;
    else if (def.type === 'pipe' && def.in !== undefined) current = def.in;
    else if (def.type === 'lazy' && def.getter !== undefined) current = def.getter();
    else return current;
  }
  return current;
}

const isRecordValue = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The object shapes `schema` may take for `value`: one for an object, the matching option of a
 * discriminated union (all object options when the discriminator is missing or unknown).
 */
export function objectShapes(schema: Schema, value: unknown): Record<string, Schema>[] {
  const inner = unwrapSchema(schema);
  const def = defOf(inner);
  if (def.type === 'object' && def.shape !== undefined) return [def.shape];
  if (def.type === 'union' && def.options !== undefined) {
    const shapes = def.options.flatMap((option) => objectShapes(option, value));
    const discriminator = def.discriminator;
    if (discriminator !== undefined && isRecordValue(value)) {
      const chosen = shapes.filter((shape) => {
        const field = shape[discriminator];
        return (
          field !== undefined && Object.hasOwn(value, discriminator) && z.safeParse(field, value[discriminator]).success
        );
      });
      if (chosen.length > 0) return chosen;
    }
    return shapes;
  }
  return [];
}

/** The schema of `value[key]`: an object field, a record's value, an array's element. */
export function childSchema(schema: Schema, key: string | number, value: unknown): Schema | undefined {
  const inner = unwrapSchema(schema);
  const def = defOf(inner);
  if (def.type === 'record') return def.valueType;
  if (def.type === 'array') return def.element;
  if (def.type === 'union' && def.options !== undefined && typeof key === 'number') {
    for (const option of def.options) {
      const element = childSchema(option, key, value);
      if (element !== undefined) return element;
    }
  }
  for (const shape of objectShapes(inner, value)) {
    // Own keys only: `constructor` or `toString` in a config are unknown keys, not Object members.
    if (Object.hasOwn(shape, String(key))) return shape[String(key)];
  }
  return undefined;
}

/** `record` (free keys), `object` (known keys) or `leaf` (anything else, `unknown` included). */
export function schemaKind(schema: Schema, value?: unknown): 'object' | 'record' | 'leaf' {
  const def = defOf(unwrapSchema(schema));
  if (def.type === 'record') {
    const valueType = def.valueType === undefined ? undefined : defOf(unwrapSchema(def.valueType)).type;
    return valueType === 'unknown' || valueType === 'any' ? 'leaf' : 'record';
  }
  return objectShapes(schema, value).length > 0 ? 'object' : 'leaf';
}

/** The known keys of the object `schema` describes for `value` (none for a record or leaf). */
export function knownKeys(schema: Schema, value: unknown): string[] {
  return [...new Set(objectShapes(schema, value).flatMap((shape) => Object.keys(shape)))];
}

/** The schema at `path` inside `root`, following the value for unions; `undefined` when off the schema. */
export function schemaAt(
  schema: Schema,
  root: unknown,
  path: readonly PropertyKey[],
): { schema: Schema; value: unknown } | undefined {
  let current: Schema | undefined = schema;
  let value = root;
  for (const key of path) {
    if (current === undefined || typeof key === 'symbol') return undefined;
    current = childSchema(current, key, value);
    value =
      isRecordValue(value) || Array.isArray(value) ? (value as Record<string, unknown>)[key as string] : undefined;
  }
  return current === undefined ? undefined : { schema: current, value };
}

/** `baseURL` -> `base_url`, `maxSteps` -> `max_steps` (the seed's spelling of our keys). */
export const snakeCase = (key: string): string =>
  key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();

/** `base_url`, `baseUrl` and `baseURL` are one spelling. */
export const spellingKey = (key: string): string => key.replace(/[_-]/g, '').toLowerCase();

export interface KeyRename {
  /** Path of the key after renaming (our spelling). */
  path: (string | number)[];
  /** The key as written. */
  written: string;
}

export interface CamelizeResult {
  value: unknown;
  /** Every key written in another spelling (snake_case), with where it ended up. */
  renames: KeyRename[];
  /** Keys written twice in two spellings (`max_steps` and `maxSteps`): the paths, as written. */
  duplicates: string[];
}

/**
 * Renames keys written in another spelling of a known key (`max_steps`, `base_url`) to the schema's
 * own (`maxSteps`, `baseURL`). Free-form maps (`headers`, `env`, backend names) keep their keys;
 * unknown keys are kept for validation to report.
 */
export function camelizeKeys(schema: Schema, value: unknown): CamelizeResult {
  const renames: KeyRename[] = [];
  const duplicates: string[] = [];
  const walk = (node: Schema | undefined, item: unknown, path: (string | number)[]): unknown => {
    if (node === undefined) return item;
    if (Array.isArray(item))
      return item.map((element, index) => walk(childSchema(node, index, item), element, [...path, index]));
    if (!isRecordValue(item) || !isPlainObject(item)) return item;
    const kind = schemaKind(node, item);
    if (kind === 'leaf') return item;
    const known = new Set(knownKeys(node, item));
    const bySpelling = new Map([...known].map((key) => [spellingKey(key), key]));
    const result: Record<string, unknown> = {};
    for (const [written, child] of Object.entries(item)) {
      const key =
        kind === 'object' && !known.has(written) ? (bySpelling.get(spellingKey(written)) ?? written) : written;
      if (key !== written) {
        if (Object.hasOwn(item, key)) {
          duplicates.push([...path, written].join('.'));
          continue;
        }
        renames.push({ path: [...path, key], written });
      }
      setOwn(result, key, walk(childSchema(node, key, item), child, [...path, key]));
    }
    return result;
  };
  return { value: walk(schema, value, []), renames, duplicates };
}

/** `target[key] = value` as an own property, also for `__proto__` (which `=` would make the prototype). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Plain data only: class instances (an in-process server, a signal) are passed through untouched. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
