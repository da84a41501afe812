import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { z } from 'zod';
import { AuthError } from './auth-error.js';

/** Algorithms this package signs with. ES256 (P-256) is the default; EdDSA means Ed25519. */
export const SIGNING_ALGORITHMS = ['ES256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** One asymmetric key pair (or a public key alone, for verification only) with its key id. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly publicKey: CryptoKey;
  /** `undefined` for a verification-only key (an old key whose private half was destroyed). */
  readonly privateKey: CryptoKey | undefined;
  /** Public JWK with `kid`, `alg` and `use: "sig"`, ready for a JWKS document. */
  readonly publicJwk: JWK;
  /** After this instant the key neither signs nor verifies and leaves the JWKS. */
  readonly expiresAt: Date | undefined;
}

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');
const ecJwk = z.object({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: base64url,
  y: base64url,
  d: base64url.optional(),
});
const okpJwk = z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: base64url, d: base64url.optional() });
const jwkCommon = z.object({ kid: z.string().min(1).max(256).optional(), alg: z.string().optional() });
/** The JWK shapes accepted as key material: P-256 (ES256) and Ed25519 (EdDSA). */
export const signingJwkSchema = z.union([ecJwk.extend(jwkCommon.shape), okpJwk.extend(jwkCommon.shape)]);

/** A key given as a JWK object, a JWK in a JSON string, or a PEM string (PKCS#8, SEC1, SPKI). */
export type KeyMaterial = JWK | string;

export interface GenerateSigningKeyOptions {
  alg?: SigningAlgorithm;
  /** Defaults to the RFC 7638 thumbprint of the public key. */
  kid?: string;
  expiresAt?: Date;
}

export async function generateSigningKey(options: GenerateSigningKeyOptions = {}): Promise<SigningKey> {
  const alg = options.alg ?? 'ES256';
  // Extractable so the key can be exported to config/secret storage; it never leaves the process otherwise.
  const pair = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(pair.publicKey);
  return buildKey(alg, pair.publicKey, pair.privateKey, publicJwk, options.kid, options.expiresAt);
}

export interface ImportSigningKeyOptions {
  /** Private key: JWK object, JWK JSON string or PEM. Give this or `publicKey`. */
  privateKey?: KeyMaterial;
  /** Public key alone, for a verification-only entry. */
  publicKey?: KeyMaterial;
  /** Checked against the key type when given; inferred from the key otherwise. */
  alg?: SigningAlgorithm;
  /** Defaults to the JWK's own `kid`, then to the RFC 7638 thumbprint. */
  kid?: string;
  expiresAt?: Date;
}

export async function importSigningKey(options: ImportSigningKeyOptions): Promise<SigningKey> {
  const material = options.privateKey ?? options.publicKey;
  if (material === undefined || (options.privateKey !== undefined && options.publicKey !== undefined)) {
    throw new AuthError('KEY_INVALID', 'Give exactly one of privateKey or publicKey to importSigningKey.');
  }
  const jwk = toJwk(material, options.privateKey !== undefined);
  const alg = jwk.kty === 'EC' ? 'ES256' : 'EdDSA';
  if (options.alg !== undefined && options.alg !== alg) {
    throw new AuthError(
      'KEY_INVALID',
      `The key is a ${jwk.crv} key, which signs ${alg}, not ${options.alg}; fix "alg".`,
    );
  }
  if (jwk.alg !== undefined && jwk.alg !== alg) {
    throw new AuthError('KEY_INVALID', `The JWK says alg "${jwk.alg}" but a ${jwk.crv} key signs ${alg}; fix the JWK.`);
  }
  const { d, kid: jwkKid, alg: _alg, ...publicPart } = jwk;
  try {
    const publicKey = (await importJWK(publicPart, alg, { extractable: true })) as CryptoKey;
    const privateKey =
      d === undefined ? undefined : ((await importJWK({ ...publicPart, d }, alg, { extractable: true })) as CryptoKey);
    return buildKey(alg, publicKey, privateKey, publicPart, options.kid ?? jwkKid, options.expiresAt);
  } catch (cause) {
    throw new AuthError('KEY_INVALID', `The ${jwk.crv} key could not be imported; check that it is a valid key pair.`, {
      cause,
    });
  }
}

/** Private JWK (with `kid` and `alg`) for storing a key in config or a secret manager. Handle it as a secret. */
export async function exportSigningKey(key: SigningKey): Promise<JWK> {
  if (key.privateKey === undefined) {
    throw new AuthError('KEY_INVALID', `Key "${key.kid}" has no private half to export; export its publicJwk instead.`);
  }
  const jwk = await exportJWK(key.privateKey);
  return { ...jwk, kid: key.kid, alg: key.alg };
}

async function buildKey(
  alg: SigningAlgorithm,
  publicKey: CryptoKey,
  privateKey: CryptoKey | undefined,
  publicJwkInput: JWK,
  kid: string | undefined,
  expiresAt: Date | undefined,
): Promise<SigningKey> {
  const { kty, crv, x, y } = publicJwkInput;
  const bare: JWK = y === undefined ? { kty, crv, x } : { kty, crv, x, y };
  const keyId = kid ?? (await calculateJwkThumbprint(bare));
  const publicJwk: JWK = { ...bare, kid: keyId, alg, use: 'sig' };
  return Object.freeze({ kid: keyId, alg, publicKey, privateKey, publicJwk, expiresAt });
}

function toJwk(material: KeyMaterial, isPrivate: boolean): z.infer<typeof signingJwkSchema> {
  let candidate: unknown = material;
  if (typeof material === 'string') {
    const text = material.trim();
    if (text.startsWith('{')) {
      try {
        candidate = JSON.parse(text);
      } catch (cause) {
        throw new AuthError(
          'KEY_INVALID',
          'The key string starts with "{" but is not valid JSON; give a JWK or a PEM.',
          {
            cause,
          },
        );
      }
    } else if (text.startsWith('-----BEGIN')) {
      candidate = pemToJwk(text, isPrivate);
    } else {
      throw new AuthError('KEY_INVALID', 'The key string is neither a JWK (JSON) nor a PEM block.');
    }
  }
  const parsed = signingJwkSchema.safeParse(candidate);
  if (!parsed.success) {
    throw new AuthError(
      'KEY_INVALID',
      `Unsupported key: only P-256 EC (ES256) and Ed25519 OKP (EdDSA) JWKs are accepted (${z.prettifyError(parsed.error)}).`,
      { cause: parsed.error },
    );
  }
  if (isPrivate && parsed.data.d === undefined) {
    throw new AuthError('KEY_INVALID', 'privateKey holds a public key only; give the private key (with "d").');
  }
  if (!isPrivate && parsed.data.d !== undefined) {
    // A private key where a public one is expected is almost always a config mistake that spreads secrets.
    throw new AuthError('KEY_INVALID', 'publicKey holds a private key; pass it as privateKey or strip "d".');
  }
  return parsed.data;
}

function pemToJwk(pem: string, isPrivate: boolean): unknown {
  let keyObject: KeyObject;
  try {
    keyObject = isPrivate ? createPrivateKey(pem) : createPublicKey(pem);
  } catch (cause) {
    throw new AuthError('KEY_INVALID', `The PEM ${isPrivate ? 'private' : 'public'} key could not be parsed.`, {
      cause,
    });
  }
  return keyObject.export({ format: 'jwk' });
}
