import { ProviderError } from './provider-error.js';

/**
 * Replaces `${VAR}` (and `${VAR:-default}`) in every string of a config, recursively. A missing
 * variable without default is an error naming the field, so a secret never silently becomes "".
 * `$${VAR}` stays literal `${VAR}`.
 */
export function interpolateEnv(
  value: unknown,
  env: Record<string, string | undefined> = process.env,
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\$?\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
      (match, name: string, fallback?: string) => {
        if (match.startsWith('$$')) return match.slice(1);
        const found = env[name];
        if (found !== undefined) return found;
        if (fallback !== undefined) return fallback;
        throw new ProviderError(
          'ENV_MISSING',
          `config field "${path.join('.') || '(root)'}" uses \${${name}}, but the environment variable ${name} is not set: set it or write \${${name}:-default}`,
        );
      },
    );
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolateEnv(item, env, [...path, index]));
  if (value !== null && typeof value === 'object') {
    // Objects that are not plain data (an in-process server, a function) are passed through untouched.
    if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateEnv(item, env, [...path, key])]),
    );
  }
  return value;
}
