import { type LoadedProviderConfig, leafPaths } from './load-provider-config.js';
import { isPlainObject } from './schema-walk.js';

export const REDACTED = '[redacted]';

/** Field names that hold credentials whatever their value's origin (`apiKey`, `bearerToken`, `tls.key`, ...). */
const SECRET_FIELD = /^(api_?key|bearer_?token|token|password|secret|client_?secret|key|private_?key)$/i;
/** Header and environment-variable names that usually carry credentials. */
const SECRET_NAME = /(authorization|cookie|token|secret|password|passwd|api[-_]?key|credential|private[-_]?key)/i;

/** True when the value at `path` must not be shown: it came from a secret, or its name says it is one. */
export function isSecretPath(path: string, secrets: Record<string, string> = {}): boolean {
  if (Object.hasOwn(secrets, path)) return true;
  const segments = path.split('.');
  const last = segments.at(-1) ?? '';
  const parent = segments.at(-2);
  if (SECRET_FIELD.test(last)) return true;
  return (parent === 'headers' || parent === 'env') && SECRET_NAME.test(last);
}

function redactAt(value: unknown, path: string[], secrets: Record<string, string>): unknown {
  if (path.length > 0 && value !== undefined && isSecretPath(path.join('.'), secrets)) return REDACTED;
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, redactAt(item, [...path, key], secrets)]),
    );
  }
  if (Array.isArray(value)) return value.map((item, index) => redactAt(item, [...path, String(index)], secrets));
  return value;
}

/** A copy of the loaded config with every secret replaced by `[redacted]` (for logs and `--print-config`). */
export function redactProviderConfig(
  loaded: Pick<LoadedProviderConfig, 'config' | 'secrets'>,
): Record<string, unknown> {
  return redactAt(loaded.config, [], loaded.secrets) as Record<string, unknown>;
}

const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
};

function sourceOf(path: string, sources: Record<string, string>): string {
  for (let segments = path.split('.'); segments.length > 0; segments = segments.slice(0, -1)) {
    const found = sources[segments.join('.')];
    if (found !== undefined) return found;
  }
  return 'default';
}

/**
 * The resolved config, one field per line with who set it (`default`, `file`, `profile prod`,
 * `env MCP_TIMEOUT_SECONDS`, `option`), secrets shown as `[redacted]` with their reference, and the
 * `MCP_*` variables that set nothing.
 */
export function explainProviderConfig(loaded: LoadedProviderConfig): string {
  const header = [
    `provider config${loaded.file ? ` from ${loaded.file}` : ''}`,
    loaded.profile ? `profile ${loaded.profile}` : 'no profile',
  ].join(', ');
  const redacted = redactProviderConfig(loaded);
  const lines = leafPaths(redacted).map((path) => {
    const value = path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], redacted);
    const reference = loaded.secrets[path];
    const origin = sourceOf(path, loaded.sources);
    return `  ${path} = ${value === REDACTED ? REDACTED : show(value)}  (${origin}${reference ? `, ${reference}` : ''})`;
  });
  const ignored = loaded.ignoredEnv.map(
    ({ variable, didYouMean, reason }) =>
      `  ignored ${variable}: ${reason ?? 'names no field'}${didYouMean ? ` (did you mean ${didYouMean}?)` : ''}`,
  );
  return [header, ...lines, ...ignored].join('\n');
}
