import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
// The secret box's own entry: the package's main one also loads jose (JWT), which sealing does not need.
import { createSecretBox, type SecretBoxConfig } from '@mcs/auth/secret-box';
import { AuthorizationError } from './authorization-error.js';
import { parseStoredAuthorization, type StoredAuthorization, type TokenStore } from './token-store.js';

export interface EncryptedFileTokenStoreOptions {
  /** Directory of the files (created with mode 0700). */
  directory: string;
  /**
   * 32 random bytes, base64 (`openssl rand -base64 32`). Default: the `MCS_TOKEN_STORE_KEY`
   * environment variable. For rotation pass `keys` instead.
   */
  key?: string;
  /** An `@mcs/auth` secret box key ring (`{ keys: [{ id, key }], activeKeyId }`); wins over `key`. */
  keys?: SecretBoxConfig;
}

/** The file of one server: a hash, so the URL is not on disk in clear either. */
function fileName(key: string): string {
  return `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.sealed`;
}

/**
 * Tokens and client registrations on disk, sealed with AES-256-GCM (`@mcs/auth`'s secret box),
 * one file per MCP server, written atomically (temporary file + rename) with mode 0600. The
 * server's URL is the sealed value's associated data, so a file renamed to another server's name
 * does not open.
 */
export function createEncryptedFileTokenStore(options: EncryptedFileTokenStoreOptions): TokenStore {
  const key = options.key ?? process.env.MCS_TOKEN_STORE_KEY;
  if (!options.keys && !key) {
    throw new AuthorizationError(
      'TOKEN_STORE_FAILED',
      'the encrypted token store needs a key: pass `key` or set MCS_TOKEN_STORE_KEY (openssl rand -base64 32)',
    );
  }
  let box: ReturnType<typeof createSecretBox>;
  try {
    box = createSecretBox(options.keys ?? { keys: [{ id: 'k1', key: key as string }] });
  } catch (error) {
    throw new AuthorizationError(
      'TOKEN_STORE_FAILED',
      `the token store key is not usable: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const { directory } = options;
  const sealOptions = (storeKey: string) => ({ associatedData: `mcs-provider-sdk/token-store:${storeKey}` });
  const pathOf = (storeKey: string) => join(directory, fileName(storeKey));
  const failed = (what: string, error: unknown) =>
    new AuthorizationError(
      'TOKEN_STORE_FAILED',
      `could not ${what} (${error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error)}); check ${directory}`,
      { cause: error },
    );

  // Writes of one file one after the other, in call order: renames of concurrent writes could land
  // in either order, an older value last.
  const writes = new Map<string, Promise<void>>();
  const serialized = (storeKey: string, write: () => Promise<void>): Promise<void> => {
    const next = (writes.get(storeKey) ?? Promise.resolve()).then(write);
    const settled = next.catch(() => undefined);
    writes.set(storeKey, settled);
    void settled.then(() => {
      if (writes.get(storeKey) === settled) writes.delete(storeKey);
    });
    return next;
  };

  return {
    async load(storeKey) {
      let sealed: string;
      try {
        sealed = (await readFile(pathOf(storeKey), 'utf8')).trim();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw failed('read the token store', error);
      }
      let value: unknown;
      try {
        value = box.openJson(sealed, sealOptions(storeKey));
      } catch (error) {
        throw failed('open the stored tokens (wrong key, or a file of another server)', error);
      }
      return parseStoredAuthorization(value, pathOf(storeKey));
    },
    save(storeKey, value: StoredAuthorization) {
      // Sealed now: the caller may change `value` after this call returns.
      let sealed: string;
      try {
        sealed = box.sealJson(value, sealOptions(storeKey));
      } catch (error) {
        return Promise.reject(failed('seal the tokens', error));
      }
      return serialized(storeKey, () => writeSealed(storeKey, sealed));
    },
    delete(storeKey) {
      return serialized(storeKey, async () => {
        try {
          await rm(pathOf(storeKey), { force: true });
        } catch (error) {
          throw failed('delete the stored tokens', error);
        }
      });
    },
  };

  /** Temporary file + rename: a crash leaves the old file or the new one, never half of one. */
  async function writeSealed(storeKey: string, sealed: string): Promise<void> {
    const file = pathOf(storeKey);
    const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(directory, { recursive: true, mode: 0o700 });
      await writeFile(temporary, `${sealed}\n`, { mode: 0o600, flag: 'wx' });
      // writeFile's mode is masked by the umask; the file must be the owner's only.
      await chmod(temporary, 0o600);
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      throw failed('write the token store', error);
    }
  }
}
