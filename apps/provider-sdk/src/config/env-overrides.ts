import { z } from 'zod';
import { didYouMean } from './did-you-mean.js';
import { childSchema, isPlainObject, knownKeys, schemaKind, snakeCase } from './schema-walk.js';

// The seed's rule: `MCP_` + the key path in upper snake case, segments joined by `_`
// (`MCP_TIMEOUT_SECONDS` -> `timeout_seconds`, `MCP_HTTP_CONFIG_BASE_URL` -> `http_config.base_url`).
// `_` is both the word and the segment separator, so the schema decides where a key ends: the
// longest known key that matches wins, and a map (backends, headers) matches the keys it already has.

export interface EnvOverride {
  variable: string;
  /** The field set, in our spelling. */
  path: string[];
}

export interface IgnoredVariable {
  variable: string;
  /** The closest variable that would set a field (a typo). */
  didYouMean?: string;
  /** Why a variable that names a field was not applied. */
  reason?: string;
}

export interface EnvOverrideResult {
  value: unknown;
  applied: EnvOverride[];
  /** Variables with the prefix that name no field (with the closest one, for typos). */
  ignored: IgnoredVariable[];
}

/**
 * Not overrides: `PROFILE` selects a profile; `API_KEY` is the seed's MCP connection key (read by
 * `api_key_env_var`, see `connectionApiKeyVariable`), never the model's `apiKey`.
 */
const RESERVED = new Set(['PROFILE', 'API_KEY']);

const tokensOf = (key: string): string[] =>
  snakeCase(key)
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

type Schema = z.core.$ZodType;

function candidatesAt(schema: Schema, value: unknown): string[] {
  const kind = schemaKind(schema, value);
  if (kind === 'object') return knownKeys(schema, value);
  if (kind === 'record' && isPlainObject(value)) return Object.keys(value);
  return [];
}

/** The field path `tokens` spell from `schema`, longest keys first; `undefined` when none. */
function findPath(schema: Schema, value: unknown, tokens: string[], depth = 0): string[] | undefined {
  if (tokens.length === 0) return [];
  if (depth > 8) return undefined;
  const candidates = candidatesAt(schema, value)
    .map((key) => ({ key, tokens: tokensOf(key) }))
    .filter(
      (candidate) => candidate.tokens.length > 0 && candidate.tokens.every((token, index) => tokens[index] === token),
    )
    .sort((a, b) => b.tokens.length - a.tokens.length);
  for (const candidate of candidates) {
    const child = childSchema(schema, candidate.key, value);
    if (child === undefined) continue;
    const inner = isPlainObject(value) ? value[candidate.key] : undefined;
    const rest = findPath(child, inner, tokens.slice(candidate.tokens.length), depth + 1);
    if (rest !== undefined) return [candidate.key, ...rest];
  }
  return undefined;
}

/** Every variable name that would set a field (for "did you mean"), bounded. */
function variableNames(schema: Schema, value: unknown, prefix: string, out: string[] = [], depth = 0): string[] {
  if (depth > 5 || out.length > 1000) return out;
  for (const key of candidatesAt(schema, value)) {
    const name = `${prefix}${tokensOf(key).join('_').toUpperCase()}`;
    out.push(name);
    const child = childSchema(schema, key, value);
    if (child !== undefined) {
      variableNames(child, isPlainObject(value) ? value[key] : undefined, `${name}_`, out, depth + 1);
    }
  }
  return out;
}

/**
 * Turns a variable's text into what the field takes: the text itself, else a number, a boolean,
 * JSON, or a comma-separated list, whichever the field's schema accepts first. Nothing fits: the
 * text, and validation reports the field (never the value).
 */
function coerce(schema: Schema, text: string): unknown {
  const trimmed = text.trim();
  const candidates: unknown[] = [text];
  if (trimmed !== '' && Number.isFinite(Number(trimmed))) candidates.push(Number(trimmed));
  if (/^(true|false|yes|no|on|off|1|0)$/i.test(trimmed)) candidates.push(/^(true|yes|on|1)$/i.test(trimmed));
  if (/^[[{"]/.test(trimmed)) {
    try {
      candidates.push(JSON.parse(trimmed));
    } catch {
      // not JSON: the other readings remain
    }
  }
  candidates.push(trimmed === '' ? [] : trimmed.split(',').map((item) => item.trim()));
  return candidates.find((candidate) => z.safeParse(schema, candidate).success) ?? text;
}

function setAt(root: unknown, path: string[], value: unknown): unknown {
  const [key, ...rest] = path;
  if (key === undefined) return value;
  const node = isPlainObject(root) ? root : {};
  return { ...node, [key]: setAt(node[key], rest, value) };
}

/** Applies the `prefix` variables of `env` to `document` (validated later like any other value). */
export function applyEnvOverrides(
  schema: Schema,
  document: unknown,
  env: Record<string, string | undefined>,
  prefix = 'MCP_',
  /** Says why a field may not be set from the environment (`undefined`: it may). */
  refuse: (path: string[]) => string | undefined = () => undefined,
): EnvOverrideResult {
  let value = document;
  const applied: EnvOverride[] = [];
  const ignored: EnvOverrideResult['ignored'] = [];
  const names = Object.keys(env)
    .filter((name) => name.startsWith(prefix) && env[name] !== undefined)
    .sort();
  for (const variable of names) {
    const rest = variable.slice(prefix.length);
    if (RESERVED.has(rest)) continue;
    const path = findPath(schema, value, rest.toLowerCase().split('_').filter(Boolean));
    if (path === undefined || path.length === 0) {
      const hint = didYouMean(variable, variableNames(schema, value, prefix));
      ignored.push(hint === undefined ? { variable } : { variable, didYouMean: hint });
      continue;
    }
    const reason = refuse(path);
    if (reason !== undefined) {
      ignored.push({ variable, reason });
      continue;
    }
    const leaf = path.reduce<{ schema: Schema | undefined; value: unknown }>(
      (at, key) => ({
        schema: at.schema === undefined ? undefined : childSchema(at.schema, key, at.value),
        value: isPlainObject(at.value) ? at.value[key] : undefined,
      }),
      { schema, value },
    ).schema;
    const text = env[variable] ?? '';
    value = setAt(value, path, leaf === undefined ? text : coerce(leaf, text));
    applied.push({ variable, path });
  }
  return { value, applied, ignored };
}

/**
 * The seed's `MCP_API_KEY`: the key of its MCP connection. It is given to a connection (the seed's
 * layout, transport other than stdio) that names no `api_key_env_var` of its own; otherwise it only
 * counts as used when that field names it.
 */
export function applyConnectionApiKey(
  document: unknown,
  env: Record<string, string | undefined>,
  prefix = 'MCP_',
): { value: unknown; used: boolean; variable: string } {
  const variable = `${prefix}API_KEY`;
  if (env[variable] === undefined || !isPlainObject(document)) return { value: document, used: false, variable };
  if (document.apiKeyEnvVar !== undefined)
    return { value: document, used: document.apiKeyEnvVar === variable, variable };
  const transport = document.transportType;
  if (typeof transport !== 'string' || transport === 'stdio') return { value: document, used: false, variable };
  return { value: { ...document, apiKeyEnvVar: variable }, used: true, variable };
}
