import { ProviderError } from './provider-error.js';

export interface InterpolateEnvOptions {
  /**
   * Called for a variable that is not set and has no default, with the field's path; returns the
   * replacement or throws (an application's own error naming its file). Default: an `ENV_MISSING` error.
   */
  onMissing?: (name: string, path: readonly (string | number)[]) => string;
  /** How the default error shows a field's path (e.g. as the user spelled it); default dotted. */
  describePath?: (path: readonly (string | number)[]) => string;
}

/**
 * Replaces `${VAR}` (and `${VAR:-default}`) in every string of a config, recursively. A missing
 * variable without default is an error naming the field, so a secret never silently becomes "".
 * `$${VAR}` stays literal `${VAR}`.
 */
export function interpolateEnv(
  value: unknown,
  env: Record<string, string | undefined> = process.env,
  path: (string | number)[] = [],
  options: InterpolateEnvOptions = {},
): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\$?\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
      (match, name: string, fallback?: string) => {
        if (match.startsWith('$$')) return match.slice(1);
        const found = env[name];
        if (found !== undefined) return found;
        if (fallback !== undefined) return fallback;
        if (options.onMissing) return options.onMissing(name, path);
        throw new ProviderError(
          'ENV_MISSING',
          `config field "${options.describePath?.(path) ?? (path.join('.') || '(root)')}" uses \${${name}}, but the environment variable ${name} is not set: set it or write \${${name}:-default}`,
        );
      },
    );
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolateEnv(item, env, [...path, index], options));
  if (value !== null && typeof value === 'object') {
    // Objects that are not plain data (an in-process server, a function) are passed through untouched.
    if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateEnv(item, env, [...path, key], options)]),
    );
  }
  return value;
}
