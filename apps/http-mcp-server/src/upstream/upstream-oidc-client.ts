import * as oidc from 'openid-client';
import type { Logger } from 'pino';
import { UpstreamLoginError } from './upstream-login-error.js';
import { isInsecureLoopback, type UpstreamLoginConfig } from './upstream-settings.js';

/** Tokens as kept (sealed) in the store. */
export interface UpstreamTokens {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly tokenType: string;
  /** Epoch ms; absent when the provider did not say. */
  readonly expiresAtMs?: number;
  readonly scopes: readonly string[];
  /** `sub` of the ID token, when one came back. */
  readonly subject?: string;
  readonly obtainedAtMs: number;
}

/** What the authorization request must remember until the callback. */
export interface PendingAuthorization {
  readonly url: URL;
  readonly codeVerifier: string;
  readonly nonce: string;
}

const HTTP_TIMEOUT_SECONDS = 10;

function describe(error: unknown): string {
  if (error instanceof oidc.ResponseBodyError) {
    return `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  }
  if (error instanceof oidc.AuthorizationResponseError) {
    return `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  }
  if (error instanceof Error) {
    return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
  }
  return String(error);
}

/** `invalid_grant` and friends: the provider answered and said no (as opposed to being unreachable). */
function isRefusal(error: unknown): boolean {
  return error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError;
}

/**
 * The upstream OpenID provider through `openid-client`: discovery (lazy, cached, retried after a
 * failure so a provider that is down at start does not break the server), authorization URL with
 * PKCE S256 + state + nonce, code exchange, refresh, revocation.
 */
export class UpstreamOidcClient {
  #configuration: Promise<oidc.Configuration> | undefined;
  readonly #config: UpstreamLoginConfig;
  readonly #log: Logger;

  constructor(config: UpstreamLoginConfig, logger: Logger) {
    this.#config = config;
    this.#log = logger;
  }

  get issuer(): string {
    return this.#config.issuer;
  }

  async #discover(): Promise<oidc.Configuration> {
    const { issuer, clientId, clientSecret } = this.#config;
    const url = new URL(issuer);
    try {
      return await oidc.discovery(
        url,
        clientId,
        clientSecret === undefined ? undefined : { client_secret: clientSecret },
        clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(clientSecret),
        { execute: isInsecureLoopback(url) ? [oidc.allowInsecureRequests] : [], timeout: HTTP_TIMEOUT_SECONDS },
      );
    } catch (error) {
      throw new UpstreamLoginError(
        'PROVIDER_UNAVAILABLE',
        `The upstream identity provider ${issuer} could not be discovered (${describe(error)}); retry later.`,
        { cause: error },
      );
    }
  }

  configuration(): Promise<oidc.Configuration> {
    if (this.#configuration === undefined) {
      const pending = this.#discover();
      this.#configuration = pending;
      pending.catch(() => {
        if (this.#configuration === pending) this.#configuration = undefined;
      });
    }
    return this.#configuration;
  }

  async authorizationRequest(state: string): Promise<PendingAuthorization> {
    const configuration = await this.configuration();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.#config.redirectUri,
      scope: this.#config.scopes.join(' '),
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, codeVerifier, nonce };
  }

  /** `query` is the callback's raw query string; the URL is rebuilt from the configured redirect URI (proxies may rewrite Host). */
  async exchangeCode(
    query: string,
    checks: { state: string; codeVerifier: string; nonce: string },
  ): Promise<UpstreamTokens> {
    const configuration = await this.configuration();
    const currentUrl = new URL(this.#config.redirectUri);
    currentUrl.search = query;
    try {
      const response = await oidc.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: this.#config.scopes.includes('openid'),
      });
      return this.#tokens(response, undefined);
    } catch (error) {
      if (error instanceof UpstreamLoginError) throw error;
      throw new UpstreamLoginError(
        isRefusal(error) ? 'LOGIN_FAILED' : 'PROVIDER_UNAVAILABLE',
        `The upstream sign-in could not be completed (${describe(error)}); call the login tool again.`,
        { cause: error },
      );
    }
  }

  async refresh(previous: UpstreamTokens): Promise<UpstreamTokens> {
    if (previous.refreshToken === undefined) {
      throw new UpstreamLoginError(
        'REFRESH_REFUSED',
        'The upstream access token has expired and there is no refresh token: call the login tool again.',
      );
    }
    const configuration = await this.configuration();
    try {
      const response = await oidc.refreshTokenGrant(configuration, previous.refreshToken);
      return this.#tokens(response, previous);
    } catch (error) {
      throw new UpstreamLoginError(
        isRefusal(error) ? 'REFRESH_REFUSED' : 'PROVIDER_UNAVAILABLE',
        isRefusal(error)
          ? `The upstream provider refused to refresh the sign-in (${describe(error)}): call the login tool again.`
          : `The upstream provider could not be reached to refresh the sign-in (${describe(error)}); retry later.`,
        { cause: error },
      );
    }
  }

  /**
   * Revokes the login when the provider has a revocation endpoint: the refresh token (which ends the
   * grant at most providers), else the access token. `false` when it has none or refused. JWT access
   * tokens usually cannot be revoked (they expire on their own), so only their revocation is best effort.
   */
  async revoke(tokens: UpstreamTokens): Promise<boolean> {
    const configuration = await this.configuration();
    if (configuration.serverMetadata().revocation_endpoint === undefined) return false;
    const [token, hint] =
      tokens.refreshToken === undefined ? [tokens.accessToken, 'access_token'] : [tokens.refreshToken, 'refresh_token'];
    try {
      await oidc.tokenRevocation(configuration, token, { token_type_hint: hint });
    } catch (error) {
      this.#log.warn({ reason: describe(error), hint }, 'upstream token revocation failed');
      return false;
    }
    if (tokens.refreshToken !== undefined) {
      await oidc
        .tokenRevocation(configuration, tokens.accessToken, { token_type_hint: 'access_token' })
        .catch((error: unknown) => this.#log.debug({ reason: describe(error) }, 'access token not revoked'));
    }
    return true;
  }

  #tokens(
    response: Awaited<ReturnType<typeof oidc.refreshTokenGrant>>,
    previous: UpstreamTokens | undefined,
  ): UpstreamTokens {
    const expiresIn = response.expiresIn();
    const subject = response.claims()?.sub ?? previous?.subject;
    const refreshToken = response.refresh_token ?? previous?.refreshToken;
    return {
      accessToken: response.access_token,
      ...(refreshToken === undefined ? {} : { refreshToken }),
      tokenType: response.token_type,
      ...(expiresIn === undefined ? {} : { expiresAtMs: Date.now() + expiresIn * 1000 }),
      // RFC 6749 §5.1: no `scope` in the response means the requested scopes were granted.
      scopes: response.scope === undefined ? (previous?.scopes ?? this.#config.scopes) : response.scope.split(' '),
      ...(subject === undefined ? {} : { subject }),
      obtainedAtMs: Date.now(),
    };
  }
}
