import type { z } from 'zod';
import { interpolateEnv } from './interpolate-env.js';
import { ProviderError } from './provider-error.js';

export interface ResolveConfigOptions {
  /** Profile to apply (wins over the config's own `profile` and `MCS_PROFILE`). */
  profile?: string;
  /** Variables for `${VAR}`; default `process.env`. */
  env?: Record<string, string | undefined>;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  [Object.prototype, null].includes(Object.getPrototypeOf(value));

/** Deep merge of plain objects; arrays and other values of `over` replace those of `base`; `null` deletes. */
function merge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete result[key];
    else result[key] = key in base ? merge(base[key], value) : value;
  }
  return result;
}

/**
 * The one way configs are read: pick the profile (`profiles.<name>` deep-merged over the base), then
 * replace `${VAR}` (only in the selected config, so another profile's secrets need not be set), then
 * validate with zod. Every problem is reported with its field path.
 */
export function resolveConfig<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  options: ResolveConfigOptions = {},
): z.output<S> {
  const env = options.env ?? process.env;
  let selected = input;
  if (isPlainObject(input)) {
    const { profiles, profile: ownProfile, ...base } = input;
    const name = options.profile ?? (typeof ownProfile === 'string' ? ownProfile : undefined) ?? env.MCS_PROFILE;
    if (profiles !== undefined && !isPlainObject(profiles)) {
      throw new ProviderError(
        'CONFIG_INVALID',
        `invalid ${what}: profiles: must be an object of name -> partial config`,
      );
    }
    if (name !== undefined) {
      const chosen = profiles?.[name];
      if (!isPlainObject(chosen)) {
        const known = Object.keys(profiles ?? {});
        throw new ProviderError(
          'PROFILE_UNKNOWN',
          `invalid ${what}: profile "${name}" is not defined (known profiles: ${known.length > 0 ? known.join(', ') : 'none'})`,
        );
      }
      selected = merge(base, chosen);
    } else {
      selected = base;
    }
  }
  const interpolated = interpolateEnv(selected, env);
  const result = schema.safeParse(interpolated);
  if (result.success) return result.data;
  const problems = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
  throw new ProviderError('CONFIG_INVALID', `invalid ${what}: ${problems}`, { cause: result.error });
}
