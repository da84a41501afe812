import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { ChatCliError } from '../chat-cli-error.js';

/**
 * Adds `<dir>/.env` to `env` (variables already set win, like Node's `--env-file`). Parsed with
 * node:util's `parseEnv`, the parser of `process.loadEnvFile`; values are never echoed in errors.
 */
export function loadDotEnv(dir: string, env: Record<string, string | undefined>): void {
  const file = join(dir, '.env');
  if (!existsSync(file)) return;
  let values: Record<string, string | undefined>;
  try {
    values = parseEnv(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ChatCliError('CONFIG_INVALID', `${file}: cannot read it (${code ?? 'not a .env file'})`, {
      cause: error,
    });
  }
  for (const [key, value] of Object.entries(values)) {
    if (env[key] === undefined && value !== undefined) env[key] = value;
  }
}
