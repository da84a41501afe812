import { createHash, randomBytes } from 'node:crypto';
import {
  AuthError,
  formatScopes,
  MAX_CLOCK_TOLERANCE_SECONDS,
  type TokenIssuer,
  type TokenVerifier,
  verifyPkce,
} from '@mcs/auth';
import type { JsonObject, JsonValue, SessionStore } from '@mcs/session-store';
import { OAuthError } from './oauth-error.js';

/**
 * How long a revoked jti stays on the list: verifiers (ours, the gateway's) accept a token up to their
 * clock tolerance past its exp, so the entry outlives exp by the largest tolerance any verifier may
 * be configured with; kept only until exp, a revoked token was accepted again in that window.
 */
const revokedUntil = (expMs: number) => expMs + MAX_CLOCK_TOLERANCE_SECONDS * 1000;

/** What an authorization code stands for (stored under the code's hash for 10 minutes). */
export interface CodeGrant {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scopes: string[];
  resource: string;
  subject: string;
}

/** A refresh-token family: every token rotated out of one authorization. */
interface Family {
  clientId: string;
  subject: string;
  scopes: string[];
  resource: string;
  expiresAtMs: number;
  revoked: boolean;
  /** Hash of the one refresh token of the family that is still valid. */
  current: string | null;
  /** Access tokens issued in this family (jti -> exp ms), so revoking the family revokes them. */
  accessTokens: Record<string, number>;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
}

export interface TokenServiceOptions {
  store: SessionStore;
  issuer: TokenIssuer;
  /** Verifies our own access tokens for /revoke (signature and issuer). */
  verifier: TokenVerifier;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

const CODE_TTL_MS = 10 * 60 * 1000;
const NS = {
  code: 'oauth-code',
  usedCode: 'oauth-code-used',
  refresh: 'oauth-rt',
  usedRefresh: 'oauth-rt-used',
  family: 'oauth-family',
};

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
const token = () => randomBytes(32).toString('base64url');

/**
 * The token side of the authorization server, all state in the SessionStore so any replica serves any
 * step: single-use authorization codes (`takeRecord`: exactly one redeemer), access tokens (JWT),
 * refresh tokens with rotation and reuse detection, revocation.
 *
 * Stored secrets are hashes (codes and refresh tokens): a store dump gives nothing to replay.
 */
export class TokenService {
  readonly #o: TokenServiceOptions;

  constructor(options: TokenServiceOptions) {
    this.#o = options;
  }

  /** Stores a new single-use code for a consented authorization request; returns the code. */
  async createCode(grant: CodeGrant): Promise<string> {
    const code = token();
    await this.#o.store.putRecord(NS.code, sha256(code), grant as unknown as JsonValue, { ttlMs: CODE_TTL_MS });
    return code;
  }

  /** `grant_type=authorization_code` (OAuth 2.1 §4.1.3, PKCE S256, RFC 8707 `resource`). */
  async redeemCode(params: {
    code: string;
    clientId: string;
    redirectUri: string | undefined;
    codeVerifier: string | undefined;
    resource: string | undefined;
  }): Promise<TokenResponse> {
    const key = sha256(params.code);
    const grant = (await this.#o.store.takeRecord(NS.code, key)) as unknown as CodeGrant | undefined;
    if (grant === undefined) {
      // A second redemption: the code may have leaked, so what the first one got is revoked (OAuth 2.1 §4.1.3).
      const familyId = await this.#o.store.getRecord(NS.usedCode, key);
      if (typeof familyId === 'string') await this.#revokeFamily(familyId);
      throw new OAuthError('invalid_grant', 'The authorization code is invalid, expired or already used');
    }
    if (grant.clientId !== params.clientId) {
      throw new OAuthError('invalid_grant', 'The authorization code was issued to another client');
    }
    if (params.redirectUri !== grant.redirectUri) {
      throw new OAuthError('invalid_grant', 'redirect_uri does not match the one of the authorization request');
    }
    if (params.codeVerifier === undefined) throw new OAuthError('invalid_grant', 'code_verifier is required (PKCE)');
    try {
      verifyPkce(params.codeVerifier, grant.codeChallenge, 'S256');
    } catch (error) {
      throw new OAuthError('invalid_grant', AuthError.isInstance(error) ? error.message : 'PKCE check failed', {
        cause: error,
      });
    }
    if (params.resource !== undefined && params.resource !== grant.resource) {
      throw new OAuthError('invalid_target', `resource must be ${grant.resource}, as in the authorization request`);
    }
    const familyId = randomBytes(16).toString('base64url');
    const expiresAtMs = Date.now() + this.#o.refreshTokenTtlSeconds * 1000;
    await this.#o.store.putRecord(NS.usedCode, key, familyId, { ttlMs: CODE_TTL_MS });
    const family: Family = {
      clientId: grant.clientId,
      subject: grant.subject,
      scopes: grant.scopes,
      resource: grant.resource,
      expiresAtMs,
      revoked: false,
      current: null,
      accessTokens: {},
    };
    return this.#issue(familyId, family, grant.scopes);
  }

  /** `grant_type=refresh_token`: rotation; a token used twice revokes its whole family. */
  async refresh(params: {
    refreshToken: string;
    clientId: string;
    scopes: string[] | undefined;
    resource: string | undefined;
  }): Promise<TokenResponse> {
    const key = sha256(params.refreshToken);
    const familyId = await this.#o.store.takeRecord(NS.refresh, key);
    if (typeof familyId !== 'string') {
      const reusedFamily = await this.#o.store.getRecord(NS.usedRefresh, key);
      if (typeof reusedFamily === 'string') {
        // Reuse of a rotated-out token: either the client or an attacker holds a stolen copy. Both lose it.
        await this.#revokeFamily(reusedFamily);
        throw new OAuthError(
          'invalid_grant',
          'The refresh token was already used; every token of this grant is revoked',
        );
      }
      throw new OAuthError('invalid_grant', 'The refresh token is invalid, expired or revoked');
    }
    const family = await this.#family(familyId);
    if (family === undefined || family.revoked || family.current !== key) {
      throw new OAuthError('invalid_grant', 'The refresh token is invalid, expired or revoked');
    }
    await this.#o.store.putRecord(NS.usedRefresh, key, familyId, {
      ttlMs: Math.max(1, family.expiresAtMs - Date.now()),
    });
    if (family.clientId !== params.clientId) {
      await this.#revokeFamily(familyId);
      throw new OAuthError('invalid_grant', 'The refresh token was issued to another client');
    }
    if (params.resource !== undefined && params.resource !== family.resource) {
      throw new OAuthError('invalid_target', `resource must be ${family.resource}`);
    }
    const scopes = params.scopes ?? family.scopes;
    const extra = scopes.filter((scope) => !family.scopes.includes(scope));
    if (extra.length > 0) throw new OAuthError('invalid_scope', `Scopes not granted originally: ${extra.join(' ')}`);
    return this.#issue(familyId, family, scopes);
  }

  /**
   * RFC 7009: a refresh token revokes its family (and the family's access tokens); an access token
   * of ours is revoked by `jti` until it expires. Unknown tokens, or tokens of another client, are
   * ignored (the answer is 200 either way).
   */
  async revoke(value: string, clientId: string | undefined): Promise<void> {
    const familyId = await this.#o.store.getRecord(NS.refresh, sha256(value));
    if (typeof familyId === 'string') {
      const family = await this.#family(familyId);
      if (family && (clientId === undefined || family.clientId === clientId)) await this.#revokeFamily(familyId);
      return;
    }
    let principal: Awaited<ReturnType<TokenVerifier['verify']>>;
    try {
      principal = await this.#o.verifier.verify(value);
    } catch {
      return;
    }
    if (principal.jti === undefined) return;
    if (clientId !== undefined && principal.clientId !== clientId) return;
    await this.#o.store.revokeToken(principal.jti, revokedUntil(principal.expiresAt.getTime()));
  }

  async #issue(familyId: string, family: Family, scopes: string[]): Promise<TokenResponse> {
    const access = await this.#o.issuer.issueAccessToken({
      subject: family.subject,
      audience: family.resource,
      scopes,
      clientId: family.clientId,
      ttlSeconds: this.#o.accessTokenTtlSeconds,
    });
    const exp = access.expiresAt.getTime();
    await this.#o.store.putTokenMetadata(access.jti, { familyId, clientId: family.clientId, sub: family.subject }, exp);
    const refreshToken = token();
    const ttlMs = Math.max(1, family.expiresAtMs - Date.now());
    const now = Date.now();
    const accessTokens: Record<string, number> = { [access.jti]: exp };
    for (const [jti, until] of Object.entries(family.accessTokens))
      if (revokedUntil(until) > now) accessTokens[jti] = until;
    const next: Family = { ...family, current: sha256(refreshToken), accessTokens };
    await this.#o.store.putRecord(NS.family, familyId, next as unknown as JsonObject, { ttlMs });
    await this.#o.store.putRecord(NS.refresh, sha256(refreshToken), familyId, { ttlMs });
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      refresh_token: refreshToken,
      scope: formatScopes(scopes),
    };
  }

  async #family(familyId: string): Promise<Family | undefined> {
    return (await this.#o.store.getRecord(NS.family, familyId)) as unknown as Family | undefined;
  }

  async #revokeFamily(familyId: string): Promise<void> {
    const family = await this.#family(familyId);
    if (family === undefined) return;
    const ttlMs = Math.max(1, family.expiresAtMs - Date.now());
    await this.#o.store.putRecord(
      NS.family,
      familyId,
      { ...family, revoked: true, current: null } as unknown as JsonObject,
      {
        ttlMs,
      },
    );
    if (family.current !== null) await this.#o.store.deleteRecord(NS.refresh, family.current);
    await Promise.all(
      Object.entries(family.accessTokens).map(([jti, until]) => this.#o.store.revokeToken(jti, revokedUntil(until))),
    );
  }
}
