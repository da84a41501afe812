import type { JSONWebKeySet } from 'jose';
import { z } from 'zod';
import { AuthError } from './auth-error.js';
import { parseConfig } from './internal/parse-config.js';
import {
  exportSigningKey,
  generateSigningKey,
  importSigningKey,
  type KeyMaterial,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  type SigningKey,
} from './signing-key.js';

/**
 * The signing keys of one issuer. Exactly one key is active (it signs new tokens); every other
 * unexpired key still verifies, so tokens signed before a rotation stay valid until they expire.
 */
export interface KeyRing {
  /** The key that signs new tokens; `undefined` for a verification-only ring. */
  readonly activeKey: SigningKey | undefined;
  /** Keys that currently verify (not retired, not expired), the active one included. */
  keys(): readonly SigningKey[];
  get(kid: string): SigningKey | undefined;
  /** Adds a key (its kid must be new); `activate: true` makes it sign from now on. */
  add(key: SigningKey, options?: { activate?: boolean }): void;
  activate(kid: string): void;
  /** Removes a key at once: tokens it signed stop verifying. The active key cannot be retired. */
  retire(kid: string): void;
  /**
   * Generates a new key and makes it active. The previous active key keeps verifying; with
   * `retirePreviousAfterSeconds` (set it to at least the longest token TTL) it expires by itself.
   */
  rotate(options?: RotateOptions): Promise<SigningKey>;
  /** JWKS document with public keys only (`/jwks.json`). */
  jwks(): JSONWebKeySet;
  /** The ring as config that `loadKeyRing` reads back (private JWKs included: store it as a secret). */
  exportConfig(): Promise<KeyRingConfig>;
}

export interface RotateOptions {
  alg?: SigningAlgorithm;
  kid?: string;
  retirePreviousAfterSeconds?: number;
}

export function createKeyRing(options: { keys: readonly SigningKey[]; activeKeyId?: string }): KeyRing {
  const byKid = new Map<string, SigningKey>();
  let activeKid: string | undefined;

  const isLive = (key: SigningKey) => key.expiresAt === undefined || key.expiresAt.getTime() > Date.now();
  const live = () => [...byKid.values()].filter(isLive);
  const requireKey = (kid: string) => {
    const key = byKid.get(kid);
    if (key === undefined) throw new AuthError('INVALID_CONFIG', `No key with kid "${kid}" in the key ring.`);
    return key;
  };
  const setActive = (kid: string) => {
    const key = requireKey(kid);
    if (key.privateKey === undefined) {
      throw new AuthError('INVALID_CONFIG', `Key "${kid}" has no private key, so it cannot be the active signing key.`);
    }
    if (!isLive(key)) throw new AuthError('INVALID_CONFIG', `Key "${kid}" has expired; it cannot be activated.`);
    activeKid = kid;
  };
  const add = (key: SigningKey, addOptions: { activate?: boolean } = {}) => {
    if (byKid.has(key.kid)) throw new AuthError('INVALID_CONFIG', `Duplicate kid "${key.kid}" in the key ring.`);
    byKid.set(key.kid, key);
    if (addOptions.activate) setActive(key.kid);
  };

  for (const key of options.keys) add(key);
  if (options.activeKeyId !== undefined) setActive(options.activeKeyId);
  else {
    // Convention: keys are appended on rotation, so the newest signing-capable key is the active one.
    const signers = options.keys.filter((key) => key.privateKey !== undefined && isLive(key));
    const newest = signers.at(-1);
    if (newest !== undefined) activeKid = newest.kid;
  }

  return {
    get activeKey() {
      if (activeKid === undefined) return undefined;
      const key = byKid.get(activeKid);
      return key !== undefined && isLive(key) ? key : undefined;
    },
    keys: live,
    get: (kid) => {
      const key = byKid.get(kid);
      return key !== undefined && isLive(key) ? key : undefined;
    },
    add,
    activate: setActive,
    retire(kid) {
      requireKey(kid);
      if (kid === activeKid) {
        throw new AuthError('INVALID_CONFIG', `Key "${kid}" is the active key; rotate or activate another key first.`);
      }
      byKid.delete(kid);
    },
    async rotate(rotateOptions = {}) {
      const previous = activeKid === undefined ? undefined : byKid.get(activeKid);
      const next = await generateSigningKey({
        alg: rotateOptions.alg ?? previous?.alg ?? 'ES256',
        ...(rotateOptions.kid === undefined ? {} : { kid: rotateOptions.kid }),
      });
      add(next, { activate: true });
      if (previous !== undefined && rotateOptions.retirePreviousAfterSeconds !== undefined) {
        const expiresAt = new Date(Date.now() + rotateOptions.retirePreviousAfterSeconds * 1000);
        byKid.set(previous.kid, Object.freeze({ ...previous, expiresAt }));
      }
      return next;
    },
    jwks: () => ({ keys: live().map((key) => ({ ...key.publicJwk })) }),
    async exportConfig() {
      const keys = await Promise.all(
        live().map(async (key) => ({
          kid: key.kid,
          alg: key.alg,
          ...(key.privateKey === undefined
            ? { publicKey: key.publicJwk }
            : { privateKey: await exportSigningKey(key) }),
          ...(key.expiresAt === undefined ? {} : { expiresAt: key.expiresAt.toISOString() }),
        })),
      );
      return { ...(activeKid === undefined ? {} : { activeKeyId: activeKid }), keys };
    },
  };
}

const keyMaterialSchema = z.union([z.string().min(1), z.record(z.string(), z.unknown())]);

/** Config of a key ring, e.g. parsed from `MCS_AUTH_SIGNING_KEYS` (JSON) or a config file. */
export const keyRingConfigSchema = z.object({
  /** Defaults to the last listed key that has a private key. */
  activeKeyId: z.string().min(1).optional(),
  keys: z
    .array(
      z
        .object({
          kid: z.string().min(1).max(256).optional(),
          alg: z.enum(SIGNING_ALGORITHMS).optional(),
          /** JWK object, JWK JSON string or PEM. */
          privateKey: keyMaterialSchema.optional(),
          /** Public key alone: this entry only verifies. */
          publicKey: keyMaterialSchema.optional(),
          /** ISO 8601 instant after which the key stops verifying. */
          expiresAt: z.iso.datetime({ offset: true }).optional(),
        })
        .refine((entry) => (entry.privateKey === undefined) !== (entry.publicKey === undefined), {
          message: 'each key needs exactly one of privateKey or publicKey',
        }),
    )
    .min(1),
});
export type KeyRingConfig = z.input<typeof keyRingConfigSchema>;

/** Builds a key ring from config (validated), given as an object or as its JSON text (e.g. an env var). */
export async function loadKeyRing(config: unknown): Promise<KeyRing> {
  const { keys: entries, activeKeyId } = parseConfig(
    keyRingConfigSchema,
    typeof config === 'string' ? parseJson(config) : config,
    'key ring config',
  );
  const keys = await Promise.all(
    entries.map((entry) =>
      importSigningKey({
        privateKey: entry.privateKey as KeyMaterial | undefined,
        publicKey: entry.publicKey as KeyMaterial | undefined,
        alg: entry.alg,
        kid: entry.kid,
        expiresAt: entry.expiresAt === undefined ? undefined : new Date(entry.expiresAt),
      }),
    ),
  );
  return createKeyRing({
    keys,
    activeKeyId,
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new AuthError('INVALID_CONFIG', 'The key ring config string is not valid JSON; give { "keys": [...] }.', {
      cause,
    });
  }
}
