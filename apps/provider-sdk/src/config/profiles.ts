import { quoteValue } from '@mcs/resilience';
import { ProviderError } from '../provider-error.js';
import { isPlainObject, setOwn } from './schema-walk.js';

/** Deep merge of plain objects; arrays and other values of `over` replace those of `base`; `null` deletes. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete result[key];
    else setOwn(result, key, Object.hasOwn(base, key) ? deepMerge(base[key], value) : value);
  }
  return result;
}

export interface ProfileSelection {
  /** The config without `profiles` / `profile`. */
  base: unknown;
  /** The selected profile's partial config (`undefined`: none). */
  overlay: Record<string, unknown> | undefined;
  /** Its name. */
  name: string | undefined;
}

export interface SelectProfileOptions {
  /** Wins over everything else. */
  profile?: string | undefined;
  env?: Record<string, string | undefined>;
}

/**
 * Which profile applies: the `profile` option, then `MCP_PROFILE`, then `MCS_PROFILE`, then the
 * config's own `profile` key, then a profile named `default` (the seed's layout). A profile chosen
 * by the environment is ignored by a config that has no `profiles` at all (the variable is meant for
 * the configs that do); any other unknown name is a `PROFILE_UNKNOWN` error.
 */
export function selectProfile(input: unknown, what: string, options: SelectProfileOptions = {}): ProfileSelection {
  if (!isPlainObject(input)) return { base: input, overlay: undefined, name: undefined };
  const { profiles, profile: ownProfile, ...base } = input;
  if (profiles !== undefined && !isPlainObject(profiles)) {
    throw new ProviderError('CONFIG_INVALID', `invalid ${what}: profiles: must be an object of name -> partial config`);
  }
  const env = options.env ?? process.env;
  const fromEnv = env.MCP_PROFILE?.trim() || env.MCS_PROFILE?.trim() || undefined;
  if (ownProfile !== undefined && typeof ownProfile !== 'string') {
    throw new ProviderError('CONFIG_INVALID', `invalid ${what}: profile: must be the name of one of the profiles`);
  }
  const explicit = options.profile ?? (profiles === undefined ? undefined : fromEnv) ?? ownProfile;
  const name = explicit ?? (profiles !== undefined && Object.hasOwn(profiles, 'default') ? 'default' : undefined);
  if (name === undefined) return { base, overlay: undefined, name: undefined };
  const chosen = profiles !== undefined && Object.hasOwn(profiles, name) ? profiles[name] : undefined;
  if (!isPlainObject(chosen)) {
    // Both the name asked for and the file's own names are outside input: quoted bounded, at most 20.
    const known = Object.keys(profiles ?? {});
    const listed = known.slice(0, 20).map((each) => (each.length > 64 ? quoteValue(each, 64) : each));
    if (known.length > listed.length) listed.push(`... ${known.length - listed.length} more`);
    throw new ProviderError(
      'PROFILE_UNKNOWN',
      `invalid ${what}: profile ${quoteValue(name)} is not defined (known profiles: ${listed.length > 0 ? listed.join(', ') : 'none'})`,
    );
  }
  return { base, overlay: chosen, name };
}
