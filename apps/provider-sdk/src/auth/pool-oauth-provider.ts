import { randomBytes } from 'node:crypto';
import { quoteValue } from '@mcs/resilience';
import {
  type AddClientAuthentication,
  auth,
  createPrivateKeyJwtAuth,
  DpopSession,
  type OAuthClientInformationContext,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import { AuthorizationError } from './authorization-error.js';
import type { Authorizer } from './authorizer.js';
import type { BackendAuthConfig } from './backend-auth-config.js';
import type { StoredAuthorization, StoredIssuerEntry, TokenStore } from './token-store.js';

export interface PoolOAuthProviderInit {
  backend: string;
  /** The MCP server's URL: the protected resource, and the token store's key. */
  serverUrl: string;
  config: BackendAuthConfig;
  store: TokenStore;
  /**
   * Sends the user to sign in; `undefined`: this backend cannot sign in interactively (stored tokens
   * only, refreshed; a sign-in it would need is `AUTHORIZATION_REQUIRED`).
   */
  authorizer: Authorizer | undefined;
  /** `client_name` when the config has none. */
  clientName: string;
}

/** A sign-in the user was sent to and whose answer is awaited. */
interface PendingSignIn {
  verifier: string;
  response: Promise<URLSearchParams>;
  /** The code was sent to the token endpoint (its verifier was read). */
  redeemed: boolean;
}

type StoredTokens = NonNullable<StoredIssuerEntry['tokens']>;

/** The `redirectUrl` of an `authorization_code` backend whose pool cannot sign in (see `redirectUrl`). */
const noSignInRedirectUrl = 'http://127.0.0.1/no-interactive-sign-in';

/** Answers that wait for nobody: the transport turns a rejection into the request's failure. */
function ignoreRejection(promise: Promise<unknown>): void {
  promise.catch(() => undefined);
}

/**
 * The SDK's `OAuthClientProvider` for one pool backend: the client's identity from the config
 * (pre-registered, Client ID Metadata Document, or registered dynamically by the SDK), tokens in the
 * pool's token store, the interactive step through the pool's authorizer. The flow itself
 * (discovery, PKCE, `resource`, scope selection, refresh, step-up) is the SDK's `auth()`.
 */
export class PoolOAuthProvider implements OAuthClientProvider {
  readonly #init: PoolOAuthProviderInit;
  readonly #config: BackendAuthConfig;
  readonly clientMetadataUrl: string | undefined;
  readonly addClientAuthentication: AddClientAuthentication | undefined;
  #record: StoredAuthorization | undefined;
  #loading: Promise<StoredAuthorization> | undefined;
  #discovery: OAuthDiscoveryState | undefined;
  #nextVerifier: string | undefined;
  #pending: PendingSignIn | undefined;
  #refreshing: Promise<void> | undefined;
  /** The authorization server refused the stored tokens (the SDK invalidated them). */
  #tokensRefused = false;
  /** The last store write (see `#save`). */
  #writing: Promise<void> = Promise.resolve();
  /** `dpop: true`: one key (and the servers' nonces) for the provider's life, as the SDK asks. */
  #dpop: Promise<DpopSession> | undefined;

  constructor(init: PoolOAuthProviderInit) {
    this.#init = init;
    this.#config = init.config;
    this.clientMetadataUrl = init.config.clientMetadataUrl;
    const { clientId, privateKey, signingAlgorithm } = init.config;
    this.addClientAuthentication =
      privateKey && clientId && this.#authMethod() === 'private_key_jwt'
        ? createPrivateKeyJwtAuth({ issuer: clientId, subject: clientId, privateKey, alg: signingAlgorithm })
        : undefined;
  }

  /** The SDK signs token requests and MCP requests with this session's key (`dpop: true` only). */
  dpop(): Promise<DpopSession> | undefined {
    if (!this.#config.dpop) return undefined;
    this.#dpop ??= DpopSession.create();
    return this.#dpop;
  }

  get redirectUrl(): string | undefined {
    if (this.#config.grant === 'client_credentials') return undefined;
    // Without an authorizer the SDK still needs one (no redirect URL means a machine grant to it);
    // it is never sent anywhere: refreshes do not carry it and a sign-in is refused first.
    return this.#config.redirectUrl ?? this.#init.authorizer?.redirectUrl ?? noSignInRedirectUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    const machine = this.#config.grant === 'client_credentials';
    const redirectUrl = this.redirectUrl;
    return {
      client_name: this.#config.clientName ?? this.#init.clientName,
      redirect_uris: redirectUrl ? [redirectUrl] : [],
      grant_types: machine ? ['client_credentials'] : ['authorization_code', 'refresh_token'],
      response_types: machine ? [] : ['code'],
      token_endpoint_auth_method: this.#authMethod(),
      ...(this.#config.scopes ? { scope: this.#config.scopes.join(' ') } : {}),
    };
  }

  state(): string {
    return randomBytes(24).toString('base64url');
  }

  async clientInformation(context?: OAuthClientInformationContext): Promise<StoredOAuthClientInformation | undefined> {
    const stored = this.#entry(await this.#load(), context?.issuer)?.client as StoredOAuthClientInformation | undefined;
    const { clientId, clientSecret } = this.#config;
    // A client registered now could only be used by a sign-in this pool cannot do: refuse before registering.
    if (!clientId && !stored && this.#cannotSignIn()) throw this.#signInRequired();
    if (!clientId) return stored;
    // Pre-registered: the config is the truth; the stored copy only adds the issuer the SDK stamped.
    const own = stored?.client_id === clientId ? stored : undefined;
    return {
      // Stamped with the issuer it is first used at, as the SDK would (SEP-2352) but without its warning.
      ...(context?.issuer && !own?.issuer ? { issuer: context.issuer } : {}),
      ...own,
      client_id: clientId,
      ...(clientSecret ? { client_secret: clientSecret } : {}),
      token_endpoint_auth_method: this.#authMethod(),
    };
  }

  async saveClientInformation(
    information: StoredOAuthClientInformation,
    context?: OAuthClientInformationContext,
  ): Promise<void> {
    await this.#update(context?.issuer ?? information.issuer, (entry) => {
      entry.client = { ...information } as StoredIssuerEntry['client'] & object;
    });
  }

  /**
   * The per-request read (no `context`) refreshes tokens that are about to expire first, so a
   * request does not go out with a token the server is about to refuse; 401 refreshes anyway.
   */
  async tokens(context?: OAuthClientInformationContext): Promise<StoredOAuthTokens | undefined> {
    const record = await this.#load();
    const tokens = this.#entry(record, context?.issuer)?.tokens;
    if (context || !tokens || !this.#expiresSoon(tokens) || typeof tokens.refresh_token !== 'string') {
      return tokens as StoredOAuthTokens | undefined;
    }
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    await this.#refreshing;
    return this.#entry(this.#record, undefined)?.tokens as StoredOAuthTokens | undefined;
  }

  async saveTokens(tokens: StoredOAuthTokens, context?: OAuthClientInformationContext): Promise<void> {
    const issuer = context?.issuer ?? tokens.issuer;
    await this.#update(issuer, (entry, record) => {
      entry.tokens = { ...tokens, obtained_at: Date.now() } as StoredTokens;
      if (issuer !== undefined) record.current = issuer;
    });
    this.#tokensRefused = false;
    // Tokens after a redeemed code end the sign-in; a refresh meanwhile does not.
    if (this.#pending?.redeemed) this.#pending = undefined;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    const authorizer = this.#init.authorizer;
    if (!authorizer || this.#config.grant === 'client_credentials') throw this.#signInRequired();
    // Several requests may stop for a sign-in at once: the user is sent once, the others wait.
    if (this.#pending && !this.#pending.redeemed) return;
    const verifier = this.#nextVerifier;
    if (!verifier) throw new AuthorizationError('AUTHORIZATION_INVALID_RESPONSE', 'no PKCE verifier for this sign-in');
    const pending: PendingSignIn = { verifier, redeemed: false, response: authorizer.authorize(authorizationUrl) };
    this.#pending = pending;
    pending.response.catch(() => {
      if (this.#pending === pending) this.#pending = undefined;
    });
    ignoreRejection(pending.response);
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.#nextVerifier = codeVerifier;
  }

  codeVerifier(): string {
    const pending = this.#pending;
    if (!pending) {
      throw new AuthorizationError('AUTHORIZATION_INVALID_RESPONSE', 'no sign-in is in progress for this code');
    }
    pending.redeemed = true;
    return pending.verifier;
  }

  /** Readies the authorizer (binds the loopback port) before the SDK reads `redirectUrl`. */
  async prepare(): Promise<void> {
    if (this.#config.grant !== 'client_credentials') await this.#init.authorizer?.prepare?.();
  }

  /** The answer of the sign-in in progress; `'retry'` when there is none but tokens are there. */
  async awaitAuthorization(): Promise<URLSearchParams | 'retry' | undefined> {
    const pending = this.#pending;
    if (pending) return pending.response;
    return (await this.tokens({ issuer: (await this.#load()).current ?? '' })) ? 'retry' : undefined;
  }

  prepareTokenRequest(scope?: string): URLSearchParams | undefined {
    if (this.#config.grant !== 'client_credentials') return undefined;
    return new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) });
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    if (scope === 'verifier') {
      this.#nextVerifier = undefined;
      return;
    }
    if (scope === 'discovery' || scope === 'all') this.#discovery = undefined;
    if (scope === 'discovery') return;
    const record = await this.#load();
    for (const entry of Object.values(record.issuers)) {
      // The SDK drops tokens the authorization server refused (`invalid_grant`: expired, revoked).
      if (entry.tokens && (scope === 'all' || scope === 'tokens')) this.#tokensRefused = true;
      if (scope === 'all' || scope === 'tokens') delete entry.tokens;
      if (scope === 'all' || scope === 'client') delete entry.client;
    }
    await this.#save(record);
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.#discovery = state;
  }

  /**
   * Only a sign-in's callback leg gets the state it started with (the SDK binds the code to that
   * authorization server). Every other round discovers afresh: the server's protected resource
   * metadata may name another authorization server by now (SEP-2352 migration), and a round
   * served from the old one would sign in there again and again.
   */
  discoveryState(): OAuthDiscoveryState | undefined {
    return this.#pending ? this.#discovery : undefined;
  }

  #cannotSignIn(): boolean {
    return this.#config.grant === 'authorization_code' && !this.#init.authorizer;
  }

  #signInRequired(): AuthorizationError {
    const backend = `backend ${quoteValue(this.#init.backend)}`;
    if (this.#config.grant === 'client_credentials') {
      return new AuthorizationError(
        'AUTHORIZATION_REQUIRED',
        `${backend} asked for a user sign-in, which a client_credentials client cannot do; check its grant and credentials`,
      );
    }
    const why = this.#tokensRefused
      ? 'its stored sign-in was refused by the authorization server (expired or revoked)'
      : 'it has no stored sign-in';
    return new AuthorizationError(
      'AUTHORIZATION_REQUIRED',
      `${backend} needs a user sign-in: ${why}, and this pool signs in with no authorizer (auth.authorizer is false); sign in again with an authorizer`,
    );
  }

  #authMethod(): NonNullable<BackendAuthConfig['tokenEndpointAuthMethod']> {
    const { tokenEndpointAuthMethod, clientSecret, privateKey } = this.#config;
    return tokenEndpointAuthMethod ?? (privateKey ? 'private_key_jwt' : clientSecret ? 'client_secret_basic' : 'none');
  }

  #expiresSoon(tokens: StoredTokens): boolean {
    const expiresIn = tokens.expires_in;
    if (typeof expiresIn !== 'number') return false;
    // At most half the lifetime early: a token shorter-lived than the margin would otherwise be
    // refreshed before every request.
    const margin = Math.min(this.#config.refreshBeforeExpiryMs, (expiresIn * 1000) / 2);
    return tokens.obtained_at + expiresIn * 1000 - margin <= Date.now();
  }

  /** A refresh through the SDK (`auth()` refreshes when it has a refresh token); failures are left to 401. */
  async #refresh(): Promise<void> {
    try {
      await auth(this, {
        serverUrl: this.#init.serverUrl,
        skipIssuerMetadataValidation: this.#config.skipIssuerMetadataValidation,
      });
    } catch {
      // The request goes out with the old token; the server's 401 starts the SDK's own recovery.
    }
  }

  #entry(record: StoredAuthorization | undefined, issuer: string | undefined): StoredIssuerEntry | undefined {
    const key = issuer ?? record?.current;
    return key === undefined ? undefined : record?.issuers[key];
  }

  #load(): Promise<StoredAuthorization> {
    if (this.#record) return Promise.resolve(this.#record);
    this.#loading ??= this.#init.store.load(this.#init.serverUrl).then(
      (stored) => {
        this.#record ??= stored ?? { version: 1, issuers: {} };
        return this.#record;
      },
      (error: unknown) => {
        this.#loading = undefined;
        throw error;
      },
    );
    return this.#loading;
  }

  async #update(
    issuer: string | undefined,
    change: (entry: StoredIssuerEntry, record: StoredAuthorization) => void,
  ): Promise<void> {
    const record = await this.#load();
    const key = issuer ?? record.current ?? '';
    const entry = record.issuers[key] ?? {};
    change(entry, record);
    record.issuers[key] = entry;
    await this.#save(record);
  }

  /**
   * Writes one after the other, each the record as it is then: two saves in flight at once could
   * land in either order, and an older one last would bring back a rotated refresh token.
   */
  #save(record: StoredAuthorization): Promise<void> {
    const write = this.#writing.then(() => this.#init.store.save(this.#init.serverUrl, record));
    this.#writing = write.catch(() => undefined);
    return write;
  }
}
