import { dirname, resolve } from 'node:path';
import { type ProviderConfig, providerConfigKind } from '../provider-config.js';
import { ProviderError } from '../provider-error.js';
import { finishDocument, markResolved, prepareDocument, writtenPath } from '../resolve-config.js';
import { applyConnectionApiKey, applyEnvOverrides, type IgnoredVariable } from './env-overrides.js';
import { readConfigFile, shownPath } from './load-file.js';
import { deepMerge } from './profiles.js';
import { camelizeKeys, isPlainObject } from './schema-walk.js';
import { resolveSecrets, type SecretOptions, secretResolvers } from './secrets/resolve-secrets.js';
import { connectionKeys } from './seed-connection.js';

export interface LoadProviderConfigOptions extends SecretOptions {
  /** Profile to apply; default `MCP_PROFILE`, `MCS_PROFILE`, the file's `profile`, then `default`. */
  profile?: string;
  /** Environment for `${VAR}`, `MCP_*` overrides, `secret:env:` and the secret managers; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Prefix of the environment overrides (default `MCP_`); `false` applies none. */
  envPrefix?: string | false;
  /** Values that win over file, profile and environment (either spelling, deep-merged). */
  overrides?: Record<string, unknown>;
  /** Cancels the secret lookups. */
  signal?: AbortSignal;
}

export interface LoadedProviderConfig {
  /** Validated, every default filled in, secrets resolved: give it to `createProvider`. */
  config: ProviderConfig;
  /** The file read (absolute), when the source was a path. */
  file: string | undefined;
  profile: string | undefined;
  /**
   * Who set each field that was set (dotted path, our spelling): `file`, `profile <name>`,
   * `env <VAR>`, `option`; fields not listed have their default.
   */
  sources: Record<string, string>;
  /** Fields filled from a `secret:` reference (dotted path -> the reference). */
  secrets: Record<string, string>;
  /** `MCP_*` variables that set nothing (typos get the closest name, refused ones a reason). */
  ignoredEnv: IgnoredVariable[];
}

/** Every leaf path of plain data (arrays count as one value). */
export function leafPaths(value: unknown, path: string[] = [], out: string[] = []): string[] {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [key, item] of Object.entries(value)) leafPaths(item, [...path, key], out);
  } else if (path.length > 0) {
    out.push(path.join('.'));
  }
  return out;
}

const prefixFile = (path: string | undefined, error: unknown): unknown => {
  if (path === undefined || !ProviderError.isInstance(error)) return error;
  const file = shownPath(path);
  if (error.message.startsWith(file)) return error;
  return new ProviderError(error.code, `${file}: ${error.message}`, { category: error.category, cause: error });
};

/** Moves source entries along the seed connection's fold (`httpConfig.baseUrl` -> `mcp.backends.mcp.url`). */
function moveKeys(entries: Record<string, string>, moves: readonly [string, string][]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [path, value] of Object.entries(entries)) {
    const move = moves.find(([from]) => path === from || path.startsWith(`${from}.`));
    result[move === undefined ? path : `${move[1]}${path.slice(move[0].length)}`] = value;
  }
  return result;
}

/**
 * Reads a provider config from a JSON or YAML file (or an object), in layers: defaults < file <
 * profile < `MCP_*` environment < `overrides`. Keys may be written in the seed's snake_case, a file
 * may use the seed's single-connection layout, and `secret:` references are resolved (env, file,
 * Vault KV v2, AWS Secrets Manager, or your own resolvers). Every error names the file and the field,
 * never a secret value.
 */
export async function loadProviderConfig(
  source: string | Record<string, unknown>,
  options: LoadProviderConfigOptions = {},
): Promise<LoadedProviderConfig> {
  const env = options.env ?? process.env;
  const file = typeof source === 'string' ? resolve(source) : undefined;
  try {
    const input = file === undefined ? source : await readConfigFile(file);
    const kind = providerConfigKind;
    const prepared = prepareDocument(kind, input, { profile: options.profile, env });
    const sources: Record<string, string> = {};
    for (const path of leafPaths(prepared.base)) sources[path] = file === undefined ? 'config' : 'file';
    for (const path of leafPaths(prepared.overlay)) sources[path] = `profile ${prepared.profile}`;

    let document = prepared.value;
    let ignoredEnv: LoadedProviderConfig['ignoredEnv'] = [];
    if (options.envPrefix !== false) {
      const prefix = options.envPrefix ?? 'MCP_';
      // The seed's connection variables (MCP_TIMEOUT_SECONDS, MCP_HTTP_CONFIG_BASE_URL, ...) apply
      // to a config in its layout, or one that MCP_TRANSPORT_TYPE puts into it; not to ours.
      const seedLayout =
        isPlainObject(document) &&
        (document.transportType !== undefined || env[`${prefix}TRANSPORT_TYPE`] !== undefined);
      const refuse = (path: string[]) =>
        !seedLayout && connectionKeys.includes(path[0] as never)
          ? "the seed's connection layout, which this config does not use (transport_type selects it)"
          : undefined;
      const overrides = applyEnvOverrides(kind.documentSchema, document, env, prefix, refuse);
      document = overrides.value;
      ignoredEnv = overrides.ignored;
      for (const { variable, path } of overrides.applied) sources[path.join('.')] = `env ${variable}`;
      const apiKey = applyConnectionApiKey(document, env, prefix);
      document = apiKey.value;
      if (apiKey.used) sources.apiKeyEnvVar = `env ${apiKey.variable}`;
      else if (env[apiKey.variable] !== undefined) ignoredEnv = [...ignoredEnv, { variable: apiKey.variable }];
    }
    const renames = [...prepared.renames];
    if (options.overrides !== undefined) {
      const explicit = camelizeKeys(kind.documentSchema, options.overrides);
      document = deepMerge(document, explicit.value);
      renames.push(...explicit.renames);
      for (const path of leafPaths(explicit.value)) sources[path] = 'option';
    }

    const describePath = (path: (string | number)[]) => writtenPath(path, renames);
    const context = {
      signal: options.signal ?? new AbortController().signal,
      baseDir: file ? dirname(file) : process.cwd(),
      env,
    };
    const secrets = await resolveSecrets(document, secretResolvers(options), context, describePath);
    const setBy = (path: string) => {
      const by = sources[path];
      return by?.startsWith('env ') ? by.slice(4) : by === 'option' ? 'the overrides option' : undefined;
    };
    const { config, moves } = finishDocument(kind, secrets.value, { renames, env, where: file, setBy });
    return {
      config: markResolved(config),
      file,
      profile: prepared.profile,
      sources: moveKeys(sources, moves),
      secrets: moveKeys(secrets.references, moves),
      ignoredEnv,
    };
  } catch (error) {
    throw prefixFile(file, error);
  }
}
