import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type ProviderConfig, ProviderConfigSchema, ProviderError, parseProviderConfig } from '@mcs/provider-sdk';
import type { z } from 'zod';
import { ChatCliError } from './chat-cli-error.js';
import { parseConfigJson, readConfigText } from './config/config-file.js';
import { type ConfigProblem, configProblems, displayFile, issuesToProblems } from './config/config-problem.js';
import { type ConfigFormat, detectFormat } from './config/detect-format.js';
import { suggestKey } from './config/did-you-mean.js';
import { loadDotEnv } from './config/dot-env.js';
import { interpolateConfig, protectReferences } from './config/interpolate-config.js';
import { McpServersConfigSchema, mcpServersToProvider } from './config/mcp-servers-format.js';
import { takeProviderTrust } from './config/provider-trust.js';
import { takeRoots } from './config/root-dirs.js';
import { SeedConfigSchema, seedPlaceholdersToReferences, seedProblems, seedToProvider } from './config/seed-format.js';
import type { ServerInfo } from './config/server-info.js';
import { defaultConfigFiles } from './user-dirs.js';
import { version } from './version.js';

export type { ConfigFormat } from './config/detect-format.js';
export type { ServerInfo } from './config/server-info.js';

// In user-dirs.ts, which the start (prestart-servers.ts) reads before this file's imports are loaded.
export { DEFAULT_CONFIG_FILE, defaultConfigFiles } from './user-dirs.js';

export interface LoadedChatConfig {
  /** The file read, or `undefined` when no default config file exists. */
  file: string | undefined;
  /** The file's format; `undefined` without a file. */
  format: ConfigFormat | undefined;
  /**
   * The provider config `createProvider` gets: the file itself (provider format) or the seed /
   * `mcpServers` servers mapped onto it (already interpolated), plus the `--model` override.
   */
  input: Record<string, unknown>;
  /** Validated and `${VAR}`-interpolated (for display: the provider parses `input` itself). */
  parsed: ProviderConfig;
  /** Per server: the seed's labels and `auth` block, and `trust` (any format). */
  servers: Record<string, ServerInfo>;
  /** The top-level `roots` (any format) as absolute, existing directories; `undefined`: not configured. */
  roots?: readonly string[] | undefined;
}

export interface LoadChatConfigOptions {
  /** `--config`; absent: `./config.json`, then `$XDG_CONFIG_HOME/mcs-chat/config.json` (`~/.config/…`), else an empty config. */
  file?: string | undefined;
  /** `--model`: wins over the file's `model` (which wins over `OPENAI_MODEL`). */
  model?: string | undefined;
  cwd?: string;
  /** Variables for `${VAR}` and the model settings; the `.env` files found are added to it (set ones win). */
  env?: Record<string, string | undefined>;
  /**
   * `true`: a `${VAR}` / `{placeholder}` whose variable is unset is left empty instead of being an
   * error, for `mcs-chat logout <server>`, which needs only the servers' names and URLs (nothing is sent).
   */
  allowMissingVariables?: boolean;
}

/** Top-level keys of the provider format (plus `profiles` / `profile`), for format detection and hints. */
const PROVIDER_KEYS = [...Object.keys(ProviderConfigSchema.shape), 'profiles', 'profile'];
/** The other formats' top-level keys: a misspelt one in a provider-format file gets them as hints. */
const FORMAT_KEYS = ['mcpServers', 'mcp_servers', 'app_name', 'roots'];
/** Other clients' names for the server map (VS Code's `servers`, `mcp.servers`). */
const FORMAT_ALIASES = { servers: 'mcpServers', mcp_server: 'mcp_servers' };

/**
 * Reads and validates the CLI's config in any of its three formats (detected from the file): the
 * seed's (`app_name`, `mcp_servers`), `mcpServers` (Claude Desktop / Claude Code / Cursor), or the
 * provider-sdk's provider config. Reads `.env` next to the file, then `./.env`, into `env` (variables
 * already set win). Every problem is a `ChatCliError` naming the file and the JSON path.
 */
export async function loadChatConfig(options: LoadChatConfigOptions = {}): Promise<LoadedChatConfig> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const file =
    options.file !== undefined ? resolve(cwd, options.file) : defaultConfigFiles(cwd, env).find((f) => existsSync(f));
  const envDirs = [...new Set([...(file !== undefined ? [dirname(file)] : []), cwd])];
  for (const dir of envDirs) loadDotEnv(dir, env);
  const withModel = (input: Record<string, unknown>) =>
    options.model !== undefined ? { ...input, model: options.model } : input;
  if (file === undefined) {
    const input = withModel({});
    return { file, format: undefined, input, parsed: parse(input, env, undefined), servers: {} };
  }
  const shown = displayFile(file, cwd);
  const json = parseConfigJson(await readConfigText(file, shown), shown);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw configProblems(shown, [
      { path: [], message: 'must be one JSON object, e.g. { "mcp_servers": { ... } } or { "mcpServers": { ... } }' },
    ]);
  }
  // `roots` (mcs-chat's own key) is read the same way in every format, then out of the document.
  const taken = takeRoots(json as Record<string, unknown>, dirname(file));
  if (taken.problems.length > 0) throw configProblems(shown, taken.problems);
  const { document, roots } = taken;
  const format = detectFormat(document, shown, PROVIDER_KEYS);
  const envFiles = envDirs.map((dir) => displayFile(join(dir, '.env'), cwd));
  let mapped: { input: Record<string, unknown>; servers?: Record<string, ServerInfo> };
  switch (format) {
    case 'provider': {
      const { problems, ...taken } = takeProviderTrust(document);
      if (problems.length > 0) throw configProblems(shown, problems);
      mapped = taken;
      break;
    }
    case 'seed': {
      const interpolated = interpolateConfig(
        seedPlaceholdersToReferences(document),
        env,
        shown,
        envFiles,
        options.allowMissingVariables,
      );
      const config = validate(SeedConfigSchema, interpolated, shown);
      const problems = seedProblems(config);
      if (problems.length > 0) throw configProblems(shown, problems);
      mapped = seedToProvider(config, version());
      break;
    }
    case 'mcpServers': {
      const interpolated = interpolateConfig(document, env, shown, envFiles, options.allowMissingVariables);
      mapped = mcpServersToProvider(validate(McpServersConfigSchema, interpolated, shown));
      break;
    }
  }
  // The mapped formats are interpolated already: escaped so the provider's own pass leaves them as they are.
  const input = withModel(
    format === 'provider' ? mapped.input : (protectReferences(mapped.input) as typeof mapped.input),
  );
  return { file, format, input, parsed: parse(input, env, shown), servers: mapped.servers ?? {}, roots };
}

function validate<S extends z.ZodType>(schema: S, value: unknown, shown: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw configProblems(shown, issuesToProblems(result.error.issues), result.error);
}

function parse(input: Record<string, unknown>, env: Record<string, string | undefined>, shown: string | undefined) {
  try {
    return parseProviderConfig(input, { env });
  } catch (error) {
    throw configError(shown, error);
  }
}

const hasIssues = (value: unknown): value is { issues: Parameters<typeof issuesToProblems>[0] } =>
  typeof value === 'object' && value !== null && Array.isArray((value as { issues?: unknown }).issues);

/**
 * Maps a config problem found by the provider-sdk (here or in `createProvider`) to a CLI error naming
 * the file; zod's issues get the same wording as the other formats', and a misspelt top-level key a hint.
 */
export function configError(file: string | undefined, error: unknown): unknown {
  if (!ProviderError.isInstance(error) || !['CONFIG_INVALID', 'ENV_MISSING', 'PROFILE_UNKNOWN'].includes(error.code)) {
    return error;
  }
  const where = file === undefined ? 'no config file (defaults and environment)' : file;
  if (error.code === 'CONFIG_INVALID' && hasIssues(error.cause)) {
    const problems: ConfigProblem[] = issuesToProblems(error.cause.issues).map((problem, index) => {
      const issue = hasIssues(error.cause) ? error.cause.issues[index] : undefined;
      if (issue?.code !== 'unrecognized_keys' || issue.path.length > 0) return problem;
      const hints = issue.keys.map((key) => {
        const hint = suggestKey(key, [...PROVIDER_KEYS, ...FORMAT_KEYS], FORMAT_ALIASES);
        return hint !== undefined ? `unknown key "${key}": did you mean "${hint}"?` : `unknown key "${key}": remove it`;
      });
      return { path: [], message: hints.join('; ') };
    });
    return configProblems(where, problems, error);
  }
  return new ChatCliError('CONFIG_INVALID', `${where}: ${error.message}`, { cause: error });
}
