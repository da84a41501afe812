import { AuthError, createSecretBox, generateSecretBoxKey, type SecretBox } from '@mcs/auth';
import type { SessionStore } from '@mcs/session-store';
import { randomState } from 'openid-client';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { UpstreamCredentials } from '../pack-framework/service-upstream.js';
import { UpstreamLoginError } from './upstream-login-error.js';
import { UpstreamOidcClient, type UpstreamTokens } from './upstream-oidc-client.js';
import type { UpstreamLoginConfig } from './upstream-settings.js';
import { type UpstreamUser, upstreamUserFromKey } from './upstream-user.js';

/** How long a `login` URL stays usable. */
export const LOGIN_REQUEST_TTL_MS = 10 * 60 * 1000;
const PENDING_NAMESPACE = 'upstream-login';
/** Refresh this long before expiry (capped at a tenth of the token's lifetime, for short-lived tokens). */
const REFRESH_SKEW_MS = 30_000;
/** One refresh per user across replicas; longer than the token endpoint's 10 s timeout. */
const REFRESH_LOCK_NAMESPACE = 'upstream-refresh';
const REFRESH_LOCK_TTL_MS = 15_000;
const REFRESH_POLL_MS = 100;

const pendingSchema = z.object({ user: z.string().min(1), codeVerifier: z.string().min(43), nonce: z.string().min(1) });
const pendingRecordSchema = z.object({ sealed: z.string().min(1) });
const storedSchema = z.object({ v: z.literal(1), sealed: z.string().min(1) });
const tokensSchema = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1).optional(),
  tokenType: z.string().min(1),
  expiresAtMs: z.number().optional(),
  scopes: z.array(z.string()),
  subject: z.string().optional(),
  obtainedAtMs: z.number(),
});

/** What `whoami` shows: never the tokens. */
export interface UpstreamLoginStatus {
  readonly issuer: string;
  readonly loggedIn: boolean;
  readonly expiresAt?: string;
  readonly scopes?: readonly string[];
  readonly refreshable?: boolean;
  /** `sub` at the upstream provider. */
  readonly subject?: string;
  /** Why the state cannot be shown (unreadable stored credentials). */
  readonly problem?: string;
}

export interface UpstreamLoginOptions {
  readonly config: UpstreamLoginConfig;
  readonly store: SessionStore;
  readonly logger: Logger;
}

/**
 * The upstream login flow: `begin` (login tool) -> the user signs in upstream -> `complete` (the
 * callback route) stores the tokens sealed with the secret box, bound to the user key ->
 * `credentialsFor` (the service tool) opens them, refreshing when expired -> `logout`.
 * State lives in the SessionStore only, so any replica can serve any step.
 */
export class UpstreamLogin {
  readonly issuer: string;
  /** Path of the redirect URI: where the callback route listens. */
  readonly callbackPath: string;
  readonly #client: UpstreamOidcClient;
  readonly #box: SecretBox;
  readonly #store: SessionStore;
  readonly #log: Logger;
  /** One refresh per user at a time in this process (the store lock covers other replicas). */
  readonly #refreshing = new Map<string, Promise<UpstreamTokens>>();

  constructor({ config, store, logger }: UpstreamLoginOptions) {
    this.#log = logger.child({ component: 'upstream-login' });
    this.issuer = config.issuer;
    this.callbackPath = new URL(config.redirectUri).pathname;
    this.#client = new UpstreamOidcClient(config, this.#log);
    this.#store = store;
    if (config.secretKeys === undefined) {
      this.#log.warn(
        'MCS_SECRET_KEYS is not set: upstream credentials are sealed with an ephemeral key and are lost on restart (and unreadable by other replicas); set MCS_SECRET_KEYS',
      );
    }
    this.#box = createSecretBox(config.secretKeys ?? { keys: [{ id: 'ephemeral', key: generateSecretBoxKey() }] });
  }

  /** Starts a sign-in: the authorization URL, valid for 10 minutes, once. */
  async begin(user: UpstreamUser): Promise<{ url: string; expiresAt: string }> {
    const state = randomState();
    const request = await this.#client.authorizationRequest(state);
    const pending = { user: user.key, codeVerifier: request.codeVerifier, nonce: request.nonce };
    // The PKCE verifier is a credential for one code: sealed, bound to its state.
    const sealed = this.#box.sealJson(pending, { associatedData: `${PENDING_NAMESPACE}:${state}` });
    await this.#store.putRecord(PENDING_NAMESPACE, state, { sealed }, { ttlMs: LOGIN_REQUEST_TTL_MS });
    return { url: request.url.href, expiresAt: new Date(Date.now() + LOGIN_REQUEST_TTL_MS).toISOString() };
  }

  /**
   * The callback: takes the pending request (single use), exchanges the code and stores the tokens.
   * `rawQuery` is the callback's query string as received (the provider's response parameters).
   */
  async complete(
    params: { state: string; error?: string | undefined; errorDescription?: string | undefined },
    rawQuery: string,
  ): Promise<UpstreamUser> {
    const record = await this.#store.takeRecord(PENDING_NAMESPACE, params.state);
    const stateInvalid = () =>
      new UpstreamLoginError(
        'STATE_INVALID',
        'This sign-in link is unknown, expired or already used: call the login tool again for a new one.',
      );
    if (record === undefined) throw stateInvalid();
    let pending: z.infer<typeof pendingSchema>;
    try {
      const { sealed } = pendingRecordSchema.parse(record);
      pending = pendingSchema.parse(
        this.#box.openJson(sealed, { associatedData: `${PENDING_NAMESPACE}:${params.state}` }),
      );
    } catch (error) {
      this.#log.warn({ err: error }, 'unreadable pending upstream login');
      throw stateInvalid();
    }
    const user = upstreamUserFromKey(pending.user);
    if (user === undefined) throw stateInvalid();
    if (params.error !== undefined) {
      throw new UpstreamLoginError(
        'LOGIN_FAILED',
        `The upstream provider refused the sign-in (${params.error}${params.errorDescription ? `: ${params.errorDescription}` : ''}); call the login tool again.`,
      );
    }
    const tokens = await this.#client.exchangeCode(rawQuery, {
      state: params.state,
      codeVerifier: pending.codeVerifier,
      nonce: pending.nonce,
    });
    await this.#save(user, tokens);
    this.#log.info({ user: user.kind, scopes: tokens.scopes }, 'upstream login completed');
    return user;
  }

  async status(user: UpstreamUser): Promise<UpstreamLoginStatus> {
    let tokens: UpstreamTokens | undefined;
    try {
      tokens = await this.#load(user);
    } catch (error) {
      if (!(error instanceof UpstreamLoginError)) throw error;
      return { issuer: this.issuer, loggedIn: false, problem: error.message };
    }
    if (tokens === undefined) return { issuer: this.issuer, loggedIn: false };
    return {
      issuer: this.issuer,
      loggedIn: true,
      ...(tokens.expiresAtMs === undefined ? {} : { expiresAt: new Date(tokens.expiresAtMs).toISOString() }),
      scopes: tokens.scopes,
      refreshable: tokens.refreshToken !== undefined,
      ...(tokens.subject === undefined ? {} : { subject: tokens.subject }),
    };
  }

  /** Forgets the login (and revokes it upstream when the provider can). Unreadable credentials are dropped too. */
  async logout(user: UpstreamUser): Promise<{ wasLoggedIn: boolean; revoked: boolean }> {
    let tokens: UpstreamTokens | undefined;
    try {
      tokens = await this.#load(user);
    } catch (error) {
      if (!(error instanceof UpstreamLoginError)) throw error;
    }
    const existed = await this.#store.deleteApplicationSession(user.storageId);
    let revoked = false;
    if (tokens !== undefined) {
      try {
        revoked = await this.#client.revoke(tokens);
      } catch (error) {
        // The login is gone here either way; an unreachable provider only means no revocation.
        this.#log.warn({ err: error }, 'upstream revocation skipped');
      }
    }
    return { wasLoggedIn: existed, revoked };
  }

  /** Credentials for the `service` tool: refreshed when expired; throws UpstreamLoginError with what to do. */
  async credentialsFor(user: UpstreamUser): Promise<UpstreamCredentials> {
    let tokens = await this.#load(user);
    if (tokens === undefined) {
      throw new UpstreamLoginError(
        'NOT_LOGGED_IN',
        'Not signed in to the upstream service: call the login tool, open the URL it returns, sign in, then retry.',
      );
    }
    if (isExpiring(tokens)) tokens = await this.#refreshOnce(user, tokens);
    const scheme = tokens.tokenType.toLowerCase() === 'bearer' ? 'Bearer' : tokens.tokenType;
    return {
      headers: { authorization: `${scheme} ${tokens.accessToken}` },
      secrets: [tokens.accessToken, ...(tokens.refreshToken === undefined ? [] : [tokens.refreshToken])],
    };
  }

  #refreshOnce(user: UpstreamUser, tokens: UpstreamTokens): Promise<UpstreamTokens> {
    let running = this.#refreshing.get(user.storageId);
    if (running === undefined) {
      running = this.#refresh(user, tokens).finally(() => this.#refreshing.delete(user.storageId));
      this.#refreshing.set(user.storageId, running);
    }
    return running;
  }

  /**
   * Refreshes under a lock in the store, so that only one replica redeems a (rotating, single-use)
   * refresh token: a provider that sees one redeemed twice usually ends the whole grant. The others
   * wait for the new tokens to appear in the store.
   */
  async #refresh(user: UpstreamUser, tokens: UpstreamTokens): Promise<UpstreamTokens> {
    const acquired = await this.#store.putRecord(
      REFRESH_LOCK_NAMESPACE,
      user.storageId,
      { sinceMs: Date.now() },
      { ttlMs: REFRESH_LOCK_TTL_MS, onlyIfAbsent: true },
    );
    if (!acquired) return this.#awaitRefreshElsewhere(user, tokens);
    try {
      const fresh = await this.#client.refresh(tokens);
      await this.#save(user, fresh);
      this.#log.info({ user: user.kind }, 'upstream tokens refreshed');
      return fresh;
    } catch (error) {
      if (!(error instanceof UpstreamLoginError) || error.code !== 'REFRESH_REFUSED') throw error;
      // Refreshed elsewhere just before we took the lock: use what was stored.
      const current = await this.#load(user).catch(() => undefined);
      if (current !== undefined && current.accessToken !== tokens.accessToken && !isExpiring(current)) return current;
      await this.#store.deleteApplicationSession(user.storageId);
      throw error;
    } finally {
      // The lock outlives the refresh call's own timeout, so this deletes our own lock, not a successor's.
      await this.#store.deleteRecord(REFRESH_LOCK_NAMESPACE, user.storageId).catch(() => false);
    }
  }

  async #awaitRefreshElsewhere(user: UpstreamUser, tokens: UpstreamTokens): Promise<UpstreamTokens> {
    const deadline = Date.now() + REFRESH_LOCK_TTL_MS;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, REFRESH_POLL_MS));
      const current = await this.#load(user);
      if (current === undefined) {
        throw new UpstreamLoginError(
          'REFRESH_REFUSED',
          'The upstream sign-in ended while it was being refreshed: call the login tool again.',
        );
      }
      if (current.accessToken !== tokens.accessToken) return current;
      const locked = await this.#store.getRecord(REFRESH_LOCK_NAMESPACE, user.storageId);
      if (locked === undefined) break;
    }
    throw new UpstreamLoginError(
      'PROVIDER_UNAVAILABLE',
      'The upstream sign-in is being refreshed by another request, which did not finish; retry in a moment.',
    );
  }

  async #save(user: UpstreamUser, tokens: UpstreamTokens): Promise<void> {
    const sealed = this.#box.sealJson(tokens, { associatedData: user.key });
    await this.#store.setApplicationSession(user.storageId, { v: 1, sealed });
  }

  async #load(user: UpstreamUser): Promise<UpstreamTokens | undefined> {
    const value = await this.#store.getApplicationSession(user.storageId);
    if (value === undefined) return undefined;
    try {
      const { sealed } = storedSchema.parse(value);
      return tokensSchema.parse(this.#box.openJson(sealed, { associatedData: user.key })) as UpstreamTokens;
    } catch (error) {
      this.#log.warn(
        { err: error, code: AuthError.isInstance(error) ? error.code : undefined },
        'unreadable upstream credentials',
      );
      throw new UpstreamLoginError(
        'CREDENTIALS_UNREADABLE',
        'The stored upstream credentials cannot be opened (changed keys or tampered data): call the logout tool, then login again.',
        { cause: error },
      );
    }
  }
}

function isExpiring(tokens: UpstreamTokens): boolean {
  if (tokens.expiresAtMs === undefined) return false;
  const skew = Math.min(REFRESH_SKEW_MS, (tokens.expiresAtMs - tokens.obtainedAtMs) / 10);
  return Date.now() >= tokens.expiresAtMs - skew;
}
