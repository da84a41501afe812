import { join } from 'node:path';
import {
  AuthorizationError,
  createEncryptedFileTokenStore,
  createMemoryTokenStore,
  type StoredAuthorization,
  type TokenStore,
} from '@mcs/provider-sdk';
import { dataDir } from '../user-dirs.js';
import { checkTokenKey, type TokenKeySetting, tokenCacheKey, tokenKeySetting } from './token-key.js';

type Env = Record<string, string | undefined>;

/** Where sign-ins are cached: `$XDG_DATA_HOME/mcs-chat/tokens` (one sealed file per server URL). */
export const tokenCacheDir = (env: Env): string => join(dataDir(env), 'tokens');

/** Whether a stored authorization holds tokens (of any authorization server). */
export function hasTokens(value: StoredAuthorization | undefined): boolean {
  return value !== undefined && Object.values(value.issuers).some((entry) => entry.tokens !== undefined);
}

export interface TokenCache {
  readonly store: TokenStore;
  /** `undefined`: in memory only (no key set). */
  readonly directory: string | undefined;
  /** Server URLs whose tokens are held now (loaded from the cache or obtained in this run). */
  readonly signedIn: ReadonlySet<string>;
  /** Server URLs whose tokens were dropped in this run (refused refresh, or deleted). */
  readonly signedOut: ReadonlySet<string>;
}

export interface TokenCacheOptions {
  env: Env;
  /** One line for the user (stderr). */
  notice: (text: string) => void;
}

/**
 * The sign-in cache of a run: encrypted files under the user's data directory with the key from
 * `MCS_CHAT_KEY` (or the seed's `CRIPTOGRAFY_KEY`), or memory when neither is set (said once, at
 * the first sign-in). The key is derived at the first use, so a run with no protected server pays
 * nothing. A cache file that does not open (the key changed, a damaged file) is reported once and
 * treated as absent: the next sign-in overwrites it.
 */
export function createTokenCache({ env, notice }: TokenCacheOptions): TokenCache {
  const setting = tokenKeySetting(env);
  if (setting) checkTokenKey(setting);
  const signedIn = new Set<string>();
  const signedOut = new Set<string>();
  const directory = setting ? tokenCacheDir(env) : undefined;
  let inner: Promise<TokenStore> | undefined;
  let memoryNoticed = false;
  const open = (): Promise<TokenStore> => {
    inner ??= setting && directory ? openEncrypted(setting, directory) : Promise.resolve(createMemoryTokenStore());
    return inner;
  };
  const track = (key: string, value: StoredAuthorization | undefined) => {
    if (hasTokens(value)) {
      signedIn.add(key);
      signedOut.delete(key);
    } else if (signedIn.delete(key)) {
      signedOut.add(key);
    }
  };
  const store: TokenStore = {
    async load(key) {
      const store = await open();
      let value: StoredAuthorization | undefined;
      try {
        value = await store.load(key);
      } catch (error) {
        if (!AuthorizationError.isInstance(error) || error.code !== 'TOKEN_STORE_FAILED') throw error;
        notice(
          `mcs-chat: the cached sign-in for ${key} could not be opened (${setting?.variable ?? 'the key'} changed, or the file is damaged); signing in again replaces it`,
        );
        value = undefined;
      }
      track(key, value);
      return value;
    },
    async save(key, value) {
      const store = await open();
      if (!setting && !memoryNoticed && hasTokens(value)) {
        memoryNoticed = true;
        notice(
          'mcs-chat: signed in; the tokens stay in memory for this run only: set MCS_CHAT_KEY (openssl rand -base64 32) to keep sign-ins encrypted between runs',
        );
      }
      await store.save(key, value);
      track(key, value);
    },
    async delete(key) {
      await (await open()).delete(key);
      track(key, undefined);
    },
  };
  return { store, directory, signedIn, signedOut };
}

async function openEncrypted(setting: TokenKeySetting, directory: string): Promise<TokenStore> {
  return createEncryptedFileTokenStore({ directory, key: await tokenCacheKey(setting, directory) });
}
