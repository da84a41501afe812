import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ProviderConfig, ProviderError, parseProviderConfig } from '@mcs/provider-sdk';
import { z } from 'zod';
import { ChatCliError } from './chat-cli-error.js';

export const DEFAULT_CONFIG_FILE = 'config.json';

/** The file's top level; every field inside is checked by the provider-sdk's schema (strict, with paths). */
const ConfigFileSchema = z.record(z.string(), z.unknown(), { error: 'the file must hold one JSON object' });

export interface LoadedChatConfig {
  /** The file read, or `undefined` when no default config file exists. */
  file: string | undefined;
  /** The config as written plus the `--model` override: what `createProvider` gets. */
  input: Record<string, unknown>;
  /** Validated and `${VAR}`-interpolated (for display: the provider parses `input` itself). */
  parsed: ProviderConfig;
}

export interface LoadChatConfigOptions {
  /** `--config`; absent: `./config.json`, then `$XDG_CONFIG_HOME/mcs-chat/config.json` (`~/.config/…`), else an empty config. */
  file?: string | undefined;
  /** `--model`: wins over the file's `model` (which wins over `OPENAI_MODEL`). */
  model?: string | undefined;
  cwd?: string;
  env?: Record<string, string | undefined>;
}

/**
 * Reads and validates the CLI's config: the provider-sdk's provider config (`model`, `baseURL`,
 * `apiKey`, `system`, `maxSteps`, ..., `mcp: { backends }`, `profiles`). Every problem is a
 * `ChatCliError` naming the file and the field.
 */
export async function loadChatConfig(options: LoadChatConfigOptions = {}): Promise<LoadedChatConfig> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const file =
    options.file !== undefined ? resolve(cwd, options.file) : defaultConfigFiles(cwd, env).find((f) => existsSync(f));
  let input: Record<string, unknown> = {};
  const used = file;
  if (file !== undefined) input = parseFile(file, await readText(file));
  if (options.model !== undefined) input = { ...input, model: options.model };
  try {
    return { file: used, input, parsed: parseProviderConfig(input, { env }) };
  } catch (error) {
    throw configError(used, error);
  }
}

/** Where the config is looked for without `--config`, first found wins: `./config.json`, then the user's (XDG). */
export function defaultConfigFiles(cwd: string, env: Record<string, string | undefined>): string[] {
  const configHome = env.XDG_CONFIG_HOME?.trim() ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config');
  return [resolve(cwd, DEFAULT_CONFIG_FILE), join(configHome, 'mcs-chat', DEFAULT_CONFIG_FILE)];
}

/** Maps a config problem found by the provider-sdk (here or in `createProvider`) to a CLI error naming the file. */
export function configError(file: string | undefined, error: unknown): unknown {
  if (!ProviderError.isInstance(error) || !['CONFIG_INVALID', 'ENV_MISSING', 'PROFILE_UNKNOWN'].includes(error.code)) {
    return error;
  }
  const where = file === undefined ? 'no config file (defaults and environment)' : file;
  return new ChatCliError('CONFIG_INVALID', `${where}: ${error.message}`, { cause: error });
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ChatCliError('CONFIG_NOT_FOUND', `${file}: config file not found (pass --config <file>)`, {
        cause: error,
      });
    }
    throw new ChatCliError('CONFIG_INVALID', `${file}: cannot read the config file (${code ?? String(error)})`, {
      cause: error,
    });
  }
}

function parseFile(file: string, text: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ChatCliError('CONFIG_INVALID', `${file}: not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const result = ConfigFileSchema.safeParse(json);
  if (!result.success) {
    throw new ChatCliError('CONFIG_INVALID', `${file}: ${result.error.issues[0]?.message ?? 'invalid config'}`, {
      cause: result.error,
    });
  }
  return result.data;
}
