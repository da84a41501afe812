import { z } from 'zod';
import { AuthorizationError } from './authorization-error.js';

/**
 * What the pool keeps for one MCP server: per authorization server (`issuer`) the client
 * registration and the tokens, and which issuer the tokens in use came from.
 */
export interface StoredAuthorization {
  version: 1;
  /** The issuer of the tokens sent to the server. */
  current?: string | undefined;
  issuers: Record<string, StoredIssuerEntry>;
}

export interface StoredIssuerEntry {
  /** `client_id` (and secret, when the server issued one) as registered or configured. */
  client?: Record<string, unknown> & { client_id: string };
  tokens?: Record<string, unknown> & {
    access_token: string;
    token_type: string;
    /** When the tokens were saved (ms since the epoch): `expires_in` counts from here. */
    obtained_at: number;
  };
}

/**
 * Where the pool keeps OAuth clients and tokens, one entry per MCP server (`key`: the server's URL).
 * In memory (`createMemoryTokenStore`), or encrypted on disk (`createEncryptedFileTokenStore`).
 */
export interface TokenStore {
  load(key: string): Promise<StoredAuthorization | undefined>;
  save(key: string, value: StoredAuthorization): Promise<void>;
  delete(key: string): Promise<void>;
}

const StoredAuthorizationSchema = z.object({
  version: z.literal(1),
  current: z.string().optional(),
  issuers: z.record(
    z.string(),
    z.object({
      client: z.looseObject({ client_id: z.string().min(1) }).optional(),
      tokens: z
        .looseObject({ access_token: z.string().min(1), token_type: z.string(), obtained_at: z.number() })
        .optional(),
    }),
  ),
});

/** Validates what a store read back (a file may be old, truncated or edited). */
export function parseStoredAuthorization(value: unknown, where: string): StoredAuthorization {
  const result = StoredAuthorizationSchema.safeParse(value);
  if (result.success) return result.data as StoredAuthorization;
  throw new AuthorizationError(
    'TOKEN_STORE_FAILED',
    `${where} does not hold stored authorization (${result.error.issues.length} problems); delete it to sign in again`,
  );
}

/** Kept in this process only: every new process signs in again. */
export function createMemoryTokenStore(): TokenStore {
  const entries = new Map<string, StoredAuthorization>();
  return {
    load: async (key) => {
      const value = entries.get(key);
      return value === undefined ? undefined : structuredClone(value);
    },
    save: async (key, value) => {
      entries.set(key, structuredClone(value));
    },
    delete: async (key) => {
      entries.delete(key);
    },
  };
}
