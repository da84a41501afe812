import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { AuthError } from './auth-error.js';
import { parseConfig } from './internal/parse-config.js';

// Format: v1.<kid>.<nonce>.<ciphertext||tag>, base64url parts. The version and key id are bound into
// the GCM associated data along with the caller's owner id, so no part can be swapped undetected.
const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const SEALED = /^v1\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22,})$/;

export const secretBoxConfigSchema = z.object({
  keys: z
    .array(
      z.object({
        id: z.string().regex(KEY_ID, 'a key id is 1-64 characters of A-Z, a-z, 0-9, "_" or "-"'),
        /** 32 random bytes, base64 or base64url (e.g. `openssl rand -base64 32`). */
        key: z
          .string()
          .regex(/^[A-Za-z0-9+/_-]+={0,2}$/, 'must be base64')
          .refine((value) => Buffer.from(value, 'base64').length === 32, 'must decode to exactly 32 bytes'),
      }),
    )
    .min(1),
  /** Key that seals new messages. Defaults to the last key listed. */
  activeKeyId: z.string().optional(),
});
export type SecretBoxConfig = z.input<typeof secretBoxConfigSchema>;

export interface SealOptions {
  /** The owner the secret belongs to (session id, user id): opening needs the same value. */
  associatedData: string;
}

export interface SecretBox {
  readonly activeKeyId: string;
  seal(plaintext: string | Uint8Array, options: SealOptions): string;
  sealJson(value: unknown, options: SealOptions): string;
  open(sealed: string, options: SealOptions): Buffer;
  openText(sealed: string, options: SealOptions): string;
  openJson(sealed: string, options: SealOptions): unknown;
  /** Key id a sealed value was made with (to re-seal values of retired keys). */
  keyIdOf(sealed: string): string;
}

/** AES-256-GCM with a random 96-bit nonce per message and a key ring for rotation. */
export function createSecretBox(config: SecretBoxConfig): SecretBox {
  const parsed = parseConfig(secretBoxConfigSchema, config, 'secret box config');
  const keys = new Map<string, Buffer>();
  for (const { id, key } of parsed.keys) {
    if (keys.has(id)) throw new AuthError('INVALID_CONFIG', `Duplicate secret box key id "${id}".`);
    keys.set(id, Buffer.from(key, 'base64'));
  }
  const activeKeyId = parsed.activeKeyId ?? parsed.keys.at(-1)!.id;
  const activeKey = keys.get(activeKeyId);
  if (activeKey === undefined) {
    throw new AuthError('INVALID_CONFIG', `activeKeyId "${activeKeyId}" is not one of the secret box keys.`);
  }

  const seal = (plaintext: string | Uint8Array, options: SealOptions): string => {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', activeKey, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(activeKeyId, options));
    const body = Buffer.concat([
      cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return `${VERSION}.${activeKeyId}.${nonce.toString('base64url')}.${body.toString('base64url')}`;
  };

  const open = (sealed: string, options: SealOptions): Buffer => {
    const { keyId, nonce, body } = parseSealed(sealed);
    const key = keys.get(keyId);
    if (key === undefined) {
      throw new AuthError(
        'SECRET_BOX_UNKNOWN_KEY',
        `The value was sealed with key "${keyId}", which is not configured; add that key back to open it.`,
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(keyId, options));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
    } catch (cause) {
      // GCM cannot tell a modified ciphertext from a different owner: both fail the tag check.
      throw new AuthError(
        'SECRET_BOX_DECRYPT_FAILED',
        'The sealed value failed authentication: it was modified, or it belongs to another owner (associated data differs).',
        { cause },
      );
    }
  };

  return {
    activeKeyId,
    seal,
    sealJson: (value, options) => seal(JSON.stringify(value), options),
    open,
    openText: (sealed, options) => open(sealed, options).toString('utf8'),
    openJson(sealed, options) {
      const text = open(sealed, options).toString('utf8');
      try {
        return JSON.parse(text) as unknown;
      } catch (cause) {
        throw new AuthError('SECRET_BOX_MALFORMED', 'The sealed value opened but does not hold JSON; use openText.', {
          cause,
        });
      }
    },
    keyIdOf: (sealed) => parseSealed(sealed).keyId,
  };
}

/** 32 random bytes, base64: a new secret box key. */
export function generateSecretBoxKey(): string {
  return randomBytes(32).toString('base64');
}

function associatedData(keyId: string, options: SealOptions): Buffer {
  if (typeof options?.associatedData !== 'string' || options.associatedData === '') {
    throw new AuthError(
      'INVALID_CONFIG',
      'associatedData (the owner: session or user id) is required to seal or open.',
    );
  }
  return Buffer.from(`mcs-secret-box/${VERSION}\u0000${keyId}\u0000${options.associatedData}`, 'utf8');
}

function parseSealed(sealed: string): { keyId: string; nonce: Buffer; body: Buffer } {
  const match = typeof sealed === 'string' ? SEALED.exec(sealed) : null;
  if (match === null) {
    const version = typeof sealed === 'string' ? sealed.split('.')[0] : undefined;
    throw new AuthError(
      'SECRET_BOX_MALFORMED',
      version !== undefined && /^v\d+$/.test(version) && version !== VERSION
        ? `Sealed format ${version} is not supported by this version (${VERSION}); upgrade @mcs/auth.`
        : 'The value is not a sealed secret (expected v1.<kid>.<nonce>.<ciphertext>).',
    );
  }
  const [, keyId, nonce, body] = match as unknown as [string, string, string, string];
  return { keyId, nonce: Buffer.from(nonce, 'base64url'), body: Buffer.from(body, 'base64url') };
}
