import { randomBytes, scrypt } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChatCliError } from '../chat-cli-error.js';

type Env = Record<string, string | undefined>;

/** The variables the token cache key is read from, first set wins (`CRIPTOGRAFY_KEY`: the seed's name). */
export const tokenKeyVariables = ['MCS_CHAT_KEY', 'CRIPTOGRAFY_KEY'] as const;

/** Shorter passphrases are refused: the cache holds sign-ins to the user's servers. */
const minPassphrase = 16;

export interface TokenKeySetting {
  variable: (typeof tokenKeyVariables)[number];
  value: string;
}

/** The key setting of this run, or `undefined` (tokens then stay in memory). */
export function tokenKeySetting(env: Env): TokenKeySetting | undefined {
  for (const variable of tokenKeyVariables) {
    const value = env[variable]?.trim();
    if (value) return { variable, value };
  }
  return undefined;
}

/** 32 random bytes in base64 (`openssl rand -base64 32`) are the key itself. */
function rawKey(value: string): string | undefined {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(value)) return undefined;
  return Buffer.from(value, 'base64').length === 32 ? value : undefined;
}

/** A passphrase too short to protect anything is a config error (exit 2), found at the start. */
export function checkTokenKey(setting: TokenKeySetting): void {
  if (rawKey(setting.value) || setting.value.length >= minPassphrase) return;
  throw new ChatCliError(
    'CONFIG_INVALID',
    `${setting.variable} is too short to protect the cached sign-ins: use at least ${minPassphrase} characters, or 32 random bytes in base64 (openssl rand -base64 32)`,
  );
}

/**
 * The AES-256 key of the token cache in base64: the value itself when it is 32 random bytes in
 * base64, else derived from it as a passphrase (scrypt, with a random salt kept in `directory`:
 * the seed's `CRIPTOGRAFY_KEY` is "any key", so a passphrase must work, but not as a raw key).
 */
export async function tokenCacheKey(setting: TokenKeySetting, directory: string): Promise<string> {
  const raw = rawKey(setting.value);
  if (raw) return raw;
  checkTokenKey(setting);
  const salt = await readOrCreateSalt(directory);
  const key = await new Promise<Buffer>((resolve, reject) =>
    scrypt(setting.value, salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (error, derived) =>
      error ? reject(error) : resolve(derived),
    ),
  );
  return key.toString('base64');
}

async function readOrCreateSalt(directory: string): Promise<Buffer> {
  const file = join(directory, 'salt');
  try {
    const salt = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
    if (salt.length >= 16) return salt;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const salt = randomBytes(16);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await writeFile(file, `${salt.toString('base64')}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return salt;
}
