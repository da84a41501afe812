import {
  type CryptoKey,
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import { z } from 'zod';
import { AuthError } from './auth-error.js';
import { parseConfig } from './internal/parse-config.js';
import type { KeyRing } from './key-ring.js';
import { type Principal, principalFromClaims } from './principal.js';

/**
 * Asymmetric algorithms a verifier may accept. Symmetric (`HS*`) and `none` are not in this list on
 * purpose: a verifier that trusts a public key must never accept a MAC made with that key's bytes.
 */
export const VERIFICATION_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
] as const;
export type VerificationAlgorithm = (typeof VERIFICATION_ALGORITHMS)[number];

export const DEFAULT_ALGORITHMS: readonly VerificationAlgorithm[] = ['ES256', 'EdDSA'];
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
export const MAX_CLOCK_TOLERANCE_SECONDS = 300;
/** Longer strings are refused before any parsing (a JWT access token is well under this). */
export const MAX_TOKEN_LENGTH = 16_384;

/** Anything that can tell whether a token id was revoked (e.g. the session store). */
export interface RevocationChecker {
  isTokenRevoked(jti: string): Promise<boolean>;
}

/** A remote JWKS (`jwks_uri` of an OpenID provider or of our own authorization server). */
export interface RemoteJwksOptions {
  url: string | URL;
  /** Keys are refetched after this long. Default 600000 (10 min). */
  cacheMaxAgeMs?: number;
  /** After a fetch, an unknown `kid` triggers another fetch only once this has passed. Default 30000. */
  cooldownMs?: number;
  /** Fetch timeout. Default 5000. */
  timeoutMs?: number;
  headers?: Record<string, string>;
  /** Allow `http:` for a non-loopback host (e.g. a compose network). Default false: https or loopback only. */
  allowInsecureHttp?: boolean;
}

export interface TokenVerifierOptions {
  /** Where verification keys come from: our key ring, a static JWKS document, or a JWKS URL. */
  jwks: KeyRing | JSONWebKeySet | RemoteJwksOptions;
  /** Accepted `iss` value(s); compared exactly. */
  issuer: string | readonly string[];
  /** Accepted `aud` value(s): this resource's canonical URL / client id (RFC 8707). */
  audience: string | readonly string[];
  /** Default `['ES256', 'EdDSA']`. Keycloak signs RS256 by default: add it when verifying Keycloak tokens. */
  algorithms?: readonly VerificationAlgorithm[];
  /** Allowed clock skew for `exp`/`nbf`. Default 30, at most 300. */
  clockToleranceSeconds?: number;
  /** Claims that must be present besides `iss`, `aud`, `exp`, `sub` (always required) and `jti` (required with `revocation`). */
  requiredClaims?: readonly string[];
  /** Expected `typ` header (e.g. `at+jwt` for RFC 9068 tokens). Unchecked when not set. */
  typ?: string;
  /** Keycloak clients whose `resource_access.<client>.roles` count as roles. Default: the audience values. */
  roleClients?: readonly string[];
  /** Checked after the signature and claims, for tokens with a `jti`. Errors fail closed. */
  revocation?: RevocationChecker;
}

export interface TokenVerifier {
  /** Verifies a compact JWT (without the `Bearer ` prefix). Throws AuthError. */
  verify(token: string | undefined | null): Promise<Principal>;
  readonly algorithms: readonly VerificationAlgorithm[];
}

const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const optionsSchema = z.object({
  issuer: stringOrList,
  audience: stringOrList,
  algorithms: z.array(z.enum(VERIFICATION_ALGORITHMS)).min(1).optional(),
  clockToleranceSeconds: z.number().int().min(0).max(MAX_CLOCK_TOLERANCE_SECONDS).optional(),
  requiredClaims: z.array(z.string().min(1)).optional(),
  typ: z.string().min(1).optional(),
  roleClients: z.array(z.string().min(1)).optional(),
});
const remoteSchema = z.object({
  url: z.union([z.string(), z.instanceof(URL)]),
  cacheMaxAgeMs: z.number().int().min(0).optional(),
  cooldownMs: z.number().int().min(0).optional(),
  timeoutMs: z.number().int().min(1).max(60_000).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  allowInsecureHttp: z.boolean().optional(),
});

type KeyResolver = (header: JWSHeaderParameters) => Promise<CryptoKey>;

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const config = parseConfig(optionsSchema, options, 'token verifier options');
  if (options.revocation !== undefined && typeof options.revocation.isTokenRevoked !== 'function') {
    throw new AuthError('INVALID_CONFIG', 'revocation must have an isTokenRevoked(jti) method.');
  }
  const algorithms = config.algorithms ?? [...DEFAULT_ALGORITHMS];
  const issuers = typeof config.issuer === 'string' ? [config.issuer] : config.issuer;
  const audiences = typeof config.audience === 'string' ? [config.audience] : config.audience;
  const roleClients = config.roleClients ?? audiences;
  const requiredClaims = [
    ...new Set(['iss', 'aud', 'exp', 'sub', ...(options.revocation ? ['jti'] : []), ...(config.requiredClaims ?? [])]),
  ];
  const resolveKey = createKeyResolver(options.jwks);
  const revocation = options.revocation;

  return {
    algorithms,
    async verify(token) {
      if (token === undefined || token === null || token === '') {
        throw new AuthError('TOKEN_MISSING', 'No access token was sent; send "Authorization: Bearer <token>".');
      }
      if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || token.split('.').length !== 3) {
        throw new AuthError('TOKEN_MALFORMED', 'The access token is not a compact JWT (three base64url parts).');
      }
      let header: JWSHeaderParameters;
      try {
        header = decodeProtectedHeader(token) as JWSHeaderParameters;
      } catch (cause) {
        throw new AuthError('TOKEN_MALFORMED', 'The access token header is not valid base64url JSON.', { cause });
      }
      // Checked before any key lookup: a forged `alg` must never select a key or reach a verifier.
      if (typeof header.alg !== 'string' || !(algorithms as readonly string[]).includes(header.alg)) {
        throw new AuthError(
          'ALGORITHM_NOT_ALLOWED',
          `The token is signed with alg "${String(header.alg)}", which this server does not accept (allowed: ${algorithms.join(', ')}).`,
        );
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, resolveKey, {
          issuer: issuers,
          audience: audiences,
          algorithms: [...algorithms],
          clockTolerance: config.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
          requiredClaims,
          ...(config.typ === undefined ? {} : { typ: config.typ }),
        }));
      } catch (error) {
        throw toVerificationError(error, audiences);
      }
      if (typeof payload.sub !== 'string' || payload.sub === '') {
        throw new AuthError(
          'CLAIM_INVALID',
          'The token has no usable "sub" claim; obtain a token issued to a subject.',
        );
      }
      const principal = principalFromClaims(payload, roleClients);
      if (revocation !== undefined && principal.jti !== undefined) {
        let revoked: boolean;
        try {
          revoked = await revocation.isTokenRevoked(principal.jti);
        } catch (cause) {
          throw new AuthError(
            'REVOCATION_CHECK_FAILED',
            'Could not check whether the token was revoked; retry later.',
            {
              cause,
            },
          );
        }
        if (revoked)
          throw new AuthError('TOKEN_REVOKED', 'The access token was revoked; sign in again to get a new one.');
      }
      return principal;
    },
  };
}

function isKeyRing(value: TokenVerifierOptions['jwks']): value is KeyRing {
  return typeof (value as KeyRing).jwks === 'function' && typeof (value as KeyRing).get === 'function';
}

function createKeyResolver(source: TokenVerifierOptions['jwks']): KeyResolver {
  if (isKeyRing(source)) {
    // Looked up per call, so rotation and retirement on the ring take effect at once.
    return async (header) => {
      const key = typeof header.kid === 'string' ? source.get(header.kid) : undefined;
      if (key === undefined || key.alg !== header.alg) throw unknownKey(header);
      return key.publicKey;
    };
  }
  if ('url' in source) return createRemoteResolver(source);
  if (!Array.isArray(source.keys) || source.keys.some((key) => 'd' in key || key.kty === 'oct')) {
    throw new AuthError(
      'INVALID_CONFIG',
      'A local JWKS must be { keys: [...] } with public keys only (no "d", no "oct").',
    );
  }
  const local = createLocalJWKSet(source);
  return async (header) => {
    try {
      return await local(header);
    } catch (cause) {
      throw unknownKey(header, cause);
    }
  };
}

function createRemoteResolver(options: RemoteJwksOptions): KeyResolver {
  const remoteConfig = parseConfig(remoteSchema, options, 'remote JWKS options');
  let url: URL;
  try {
    url = new URL(remoteConfig.url);
  } catch (cause) {
    throw new AuthError('INVALID_CONFIG', `The JWKS url "${String(remoteConfig.url)}" is not a valid URL.`, { cause });
  }
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && (loopback || remoteConfig.allowInsecureHttp))) {
    throw new AuthError(
      'INVALID_CONFIG',
      `The JWKS url must use https (http is allowed for loopback, or with allowInsecureHttp): ${url.href}`,
    );
  }
  const remote = createRemoteJWKSet(url, {
    cacheMaxAge: remoteConfig.cacheMaxAgeMs ?? 600_000,
    cooldownDuration: remoteConfig.cooldownMs ?? 30_000,
    timeoutDuration: remoteConfig.timeoutMs ?? 5_000,
    ...(remoteConfig.headers === undefined ? {} : { headers: remoteConfig.headers }),
  });
  return async (header) => {
    try {
      return await remote(header);
    } catch (cause) {
      if (
        cause instanceof errors.JWKSNoMatchingKey ||
        cause instanceof errors.JWKSMultipleMatchingKeys ||
        cause instanceof errors.JOSENotSupported ||
        cause instanceof errors.JWKInvalid
      ) {
        throw unknownKey(header, cause);
      }
      throw new AuthError(
        'JWKS_UNAVAILABLE',
        `The issuer's JWKS at ${url.href} could not be fetched or parsed; check that the issuer is reachable, then retry.`,
        { cause },
      );
    }
  };
}

function unknownKey(header: JWSHeaderParameters, cause?: unknown): AuthError {
  const kid = typeof header.kid === 'string' ? `kid "${header.kid}"` : 'no kid';
  return new AuthError(
    'UNKNOWN_KEY',
    `No verification key matches the token (${kid}, alg ${String(header.alg)}); it was signed by a retired key or another issuer: obtain a new token.`,
    { cause },
  );
}

function toVerificationError(error: unknown, audiences: readonly string[]): AuthError {
  if (AuthError.isInstance(error)) return error;
  if (error instanceof errors.JWTExpired) {
    return new AuthError('TOKEN_EXPIRED', 'The access token has expired; refresh it or obtain a new one.', {
      cause: error,
    });
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'nbf':
        return new AuthError(
          'TOKEN_NOT_YET_VALID',
          'The access token is not valid yet ("nbf" is in the future); check clocks.',
          {
            cause: error,
          },
        );
      case 'aud':
        return new AuthError(
          'AUDIENCE_MISMATCH',
          `The access token is not for this resource; request one with audience/resource ${audiences.map((a) => `"${a}"`).join(' or ')}.`,
          { cause: error },
        );
      case 'iss':
        return new AuthError('ISSUER_MISMATCH', 'The access token comes from an issuer this server does not trust.', {
          cause: error,
        });
      default:
        return new AuthError(
          'CLAIM_INVALID',
          `The access token's "${error.claim}" is ${error.reason === 'missing' ? 'missing' : 'invalid'}; obtain a token that meets this server's requirements.`,
          {
            cause: error,
          },
        );
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new AuthError(
      'SIGNATURE_INVALID',
      'The access token signature is invalid (tampered or forged); obtain a new token.',
      {
        cause: error,
      },
    );
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new AuthError('ALGORITHM_NOT_ALLOWED', 'The access token is signed with an algorithm this server refuses.', {
      cause: error,
    });
  }
  return new AuthError('TOKEN_MALFORMED', 'The access token is malformed; obtain a new token.', { cause: error });
}
