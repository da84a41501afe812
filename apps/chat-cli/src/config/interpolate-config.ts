import { interpolateEnv } from '@mcs/provider-sdk';
import { type ConfigProblem, configProblems } from './config-problem.js';

/** `${VAR}` / `${VAR:-default}` as the provider-sdk reads them (`$${VAR}` is a literal). */
const REFERENCE = /\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}/g;

/**
 * Fills `${VAR}` and `${VAR:-default}` in every string of a config file in the seed or `mcpServers`
 * format, with the provider-sdk's interpolation. Every unset variable is reported at once, with the
 * JSON path of the field that uses it in the user's own file; values never appear in the message.
 */
export function interpolateConfig(
  json: Record<string, unknown>,
  env: Record<string, string | undefined>,
  shown: string,
  envFiles: readonly string[],
  /** `true`: an unset variable becomes "" instead of an error (`logout` only needs the servers' URLs). */
  allowMissing = false,
): Record<string, unknown> {
  const missing: ConfigProblem[] = [];
  const where = ['the environment', ...envFiles].join(' or in ');
  const result = interpolateEnv(json, env, [], {
    onMissing: (name, path) => {
      missing.push({
        path,
        message: `needs the environment variable ${name}, which is not set: set it in ${where} (nothing is sent with a value missing)`,
      });
      return '';
    },
  });
  if (missing.length > 0 && !allowMissing) throw configProblems(shown, missing);
  return result as Record<string, unknown>;
}

/**
 * Escapes what looks like a `${VAR}` in an already interpolated config (`$${VAR}`), so the
 * provider's own interpolation pass gives the same strings back instead of reading them again.
 */
export function protectReferences(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(REFERENCE, (match) => `$${match}`);
  if (Array.isArray(value)) return value.map(protectReferences);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, protectReferences(item)]));
  }
  return value;
}
