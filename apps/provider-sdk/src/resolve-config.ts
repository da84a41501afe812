import { boundErrorMessage } from '@mcs/resilience';
import type { z } from 'zod';
import { didYouMean } from './config/did-you-mean.js';
import { deepMerge, selectProfile } from './config/profiles.js';
import {
  camelizeKeys,
  isPlainObject,
  type KeyRename,
  knownKeys,
  schemaAt,
  snakeCase,
  unwrapSchema,
} from './config/schema-walk.js';
import type { FoldResult } from './config/seed-connection.js';
import { interpolateEnv } from './interpolate-env.js';
import { ProviderError } from './provider-error.js';

export interface ResolveConfigOptions {
  /** Profile to apply (wins over `MCP_PROFILE`, `MCS_PROFILE` and the config's own `profile`). */
  profile?: string;
  /** Variables for `${VAR}` and the profile variables; default `process.env`. */
  env?: Record<string, string | undefined>;
}

/** What kind of config is read: its name in messages, the schema, and how its document is shaped. */
export interface ConfigKind<S extends z.ZodType> {
  what: string;
  schema: S;
  /** The schema of the document as written (may hold more than `schema`, e.g. the seed's connection). */
  documentSchema: z.ZodType;
  /** Turns the document into what `schema` validates. */
  fold?: (document: Record<string, unknown>, env: Record<string, string | undefined>) => FoldResult;
}

export interface PreparedDocument {
  /** Profile applied, keys in our spelling, `${VAR}` replaced. */
  value: unknown;
  renames: KeyRename[];
  profile: string | undefined;
  /** The layers before merging (our spelling), for telling where a value came from. */
  base: unknown;
  overlay: Record<string, unknown> | undefined;
}

export interface FinishContext {
  renames: readonly KeyRename[];
  env: Record<string, string | undefined>;
  /** Prefix of every message (the file). */
  where?: string | undefined;
  /** Who set a value (e.g. `MCP_TIMEOUT_SECONDS`), named in the messages about it. */
  setBy?: (path: string) => string | undefined;
  /** Strings still holding `secret:` references are an error (they resolve only in `loadProviderConfig`). */
  refuseSecretReferences?: boolean;
}

const resolvedBrand = Symbol.for('@mcs/provider-sdk/resolved-config');

/**
 * Marks a config as fully resolved (profile chosen, variables and secrets replaced), so that giving it
 * to `createProvider` validates it again but does not interpolate or select a profile a second time
 * (a resolved secret may contain `${`).
 */
export function markResolved<T extends object>(config: T): T {
  Object.defineProperty(config, resolvedBrand, { value: true, enumerable: false });
  return config;
}

const isResolved = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[resolvedBrand] === true;

/** The path as the user wrote it (`http_config.base_url`), from the renames made while reading. */
export function writtenPath(path: readonly PropertyKey[], renames: readonly KeyRename[]): string {
  if (path.length === 0) return '(root)';
  const ours = path.map(String);
  // Matched against our spelling; the written names go into a copy (renames nest: a.b under a).
  const shown = [...ours];
  for (const rename of renames) {
    if (rename.path.length > ours.length) continue;
    if (rename.path.every((segment, index) => String(segment) === ours[index])) {
      shown[rename.path.length - 1] = rename.written;
    }
  }
  return shown.join('.');
}

/**
 * Profile chosen (`profiles.<name>` deep-merged over the base), keys written in the seed's snake_case
 * renamed to ours, then `${VAR}` replaced (only in what was selected, so another profile's secrets
 * need not be set).
 */
export function prepareDocument<S extends z.ZodType>(
  kind: ConfigKind<S>,
  input: unknown,
  options: ResolveConfigOptions = {},
): PreparedDocument {
  const env = options.env ?? process.env;
  const selection = selectProfile(input, kind.what, { profile: options.profile, env });
  const base = camelizeKeys(kind.documentSchema, selection.base);
  const overlay = selection.overlay === undefined ? undefined : camelizeKeys(kind.documentSchema, selection.overlay);
  const prefix = (path: string) => (selection.name === undefined ? path : `profiles.${selection.name}.${path}`);
  const duplicates = [...base.duplicates, ...(overlay?.duplicates.map(prefix) ?? [])];
  if (duplicates.length > 0) {
    throw new ProviderError(
      'CONFIG_INVALID',
      boundErrorMessage(
        `invalid ${kind.what}: ${duplicates.map((path) => `${path}: written twice (in two spellings); keep one`).join('; ')}`,
        4096,
      ),
    );
  }
  const renames = [...base.renames, ...(overlay?.renames ?? [])];
  const merged = overlay === undefined ? base.value : deepMerge(base.value, overlay.value);
  const value = interpolateEnv(merged, env, [], { describePath: (path) => writtenPath(path, renames) });
  return {
    value,
    renames,
    profile: selection.name,
    base: base.value,
    overlay: overlay?.value as Record<string, unknown> | undefined,
  };
}

interface Problem {
  path: readonly PropertyKey[];
  message: string;
}

/** Validates a prepared document; every problem is reported with its path as written, and a hint. */
export function finishDocument<S extends z.ZodType>(
  kind: ConfigKind<S>,
  document: unknown,
  context: FinishContext,
): { config: z.output<S>; moves: [string, string][] } {
  const problems: Problem[] = [];
  if (context.refuseSecretReferences) problems.push(...secretReferences(document, []));
  let folded: unknown = document;
  let moves: [string, string][] = [];
  if (kind.fold !== undefined && isPlainObject(document)) {
    const result = kind.fold(document, context.env);
    folded = result.value;
    moves = result.moves;
    for (const issue of result.issues) {
      problems.push({ path: issue.path, message: describe(kind, document, issue as z.core.$ZodIssue) });
    }
  }
  const result = kind.schema.safeParse(folded);
  if (!result.success) {
    for (const issue of result.error.issues.flatMap(unionBranch))
      problems.push({ path: issue.path, message: describe(kind, document, issue) });
  }
  if (problems.length === 0 && result.success) return { config: result.data, moves };
  const lines = problems.map(({ path, message }) => {
    const shown = writtenPath(path, context.renames);
    const by = context.setBy?.(path.map(String).join('.'));
    return `${shown}: ${message}${by === undefined ? '' : ` (set by ${by})`}`;
  });
  const where = context.where === undefined ? '' : `${context.where}: `;
  throw new ProviderError(
    'CONFIG_INVALID',
    boundErrorMessage(`${where}invalid ${kind.what}: ${lines.join('; ')}`, 4096),
    {
      cause: result.success ? undefined : result.error,
    },
  );
}

function describe<S extends z.ZodType>(kind: ConfigKind<S>, document: unknown, issue: z.core.$ZodIssue): string {
  if (issue.code !== 'unrecognized_keys') return issue.message;
  const at = schemaAt(kind.documentSchema, document, issue.path);
  const known = at === undefined ? [] : knownKeys(unwrapSchema(at.schema), at.value);
  const hints = issue.keys.map((key) => {
    const hint = didYouMean(key, known);
    const spelled = hint !== undefined && key.includes('_') ? snakeCase(hint) : hint;
    return spelled === undefined ? `"${key}"` : `"${key}" (did you mean "${spelled}"?)`;
  });
  return `unknown key${issue.keys.length > 1 ? 's' : ''} ${hints.join(', ')}`;
}

/**
 * A value that fits no branch of a union (a fallback model as a name or an object) is reported by
 * the branch of its own type, with the inner paths, instead of one "Invalid input" for the whole value.
 */
function unionBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const ofItsType = issue.errors.filter(
    (branch) => !branch.some((inner) => inner.code === 'invalid_type' && inner.path.length === 0),
  );
  if (ofItsType.length !== 1) return [issue];
  return ofItsType[0]!.flatMap((inner) => unionBranch({ ...inner, path: [...issue.path, ...inner.path] }));
}

/** A `secret:` reference resolves only asynchronously (Vault, AWS): the synchronous parse refuses it. */
function secretReferences(value: unknown, path: (string | number)[]): Problem[] {
  if (typeof value === 'string') {
    return value.startsWith('secret:')
      ? [{ path, message: 'holds a secret reference: read the config with loadProviderConfig, which resolves it' }]
      : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => secretReferences(item, [...path, index]));
  if (isPlainObject(value))
    return Object.entries(value).flatMap(([key, item]) => secretReferences(item, [...path, key]));
  return [];
}

/**
 * The one way configs are read synchronously: profile, spelling, `${VAR}` (see `prepareDocument`),
 * then zod. Every problem is reported with its field path.
 */
export function resolveConfigOf<S extends z.ZodType>(
  kind: ConfigKind<S>,
  input: unknown,
  options: ResolveConfigOptions = {},
): z.output<S> {
  const env = options.env ?? process.env;
  if (isResolved(input)) return finishDocument(kind, input, { renames: [], env }).config;
  const prepared = prepareDocument(kind, input, options);
  return finishDocument(kind, prepared.value, { renames: prepared.renames, env, refuseSecretReferences: true }).config;
}

/** `resolveConfigOf` for a schema whose document is the schema itself (the pool config). */
export function resolveConfig<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  options: ResolveConfigOptions = {},
): z.output<S> {
  return resolveConfigOf({ what, schema, documentSchema: schema }, input, options);
}
