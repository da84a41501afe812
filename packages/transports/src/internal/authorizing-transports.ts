import { boundErrorMessage, type ErrorCategory, quoteValue } from '@mcs/resilience';
import {
  InsufficientScopeError,
  type JSONRPCMessage,
  OAuthClientFlowError,
  type OAuthClientProvider,
  OAuthError,
  SSEClientTransport,
  type SSEClientTransportOptions,
  StreamableHTTPClientTransport,
  type StreamableHTTPClientTransportOptions,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import type { BackendAuthorization } from '../backend-connection.js';
import { TransportError } from '../transport-error.js';

type SendOptions = Parameters<StreamableHTTPClientTransport['send']>[1];

const defaultMaxAuthorizations = 3;

/** Categories an OAuth provider's own error may keep (a sign-in that timed out, was cancelled, a broken store). */
const providerCategories = new Set<ErrorCategory>([
  'unauthenticated',
  'permission_denied',
  'timeout',
  'cancelled',
  'internal',
]);

/** Errors the application's OAuth provider threw (its sign-in, its token store), seen through the proxy. */
const providerFailures = new WeakSet<object>();

function markProviderFailure(error: unknown): never {
  if (typeof error === 'object' && error !== null) providerFailures.add(error);
  throw error;
}

/** A failure of the OAuth machinery (ours, the provider's or the SDK's), as the one code callers check. */
function authorizationFailed(error: unknown): TransportError {
  if (TransportError.isInstance(error)) return error;
  if (InsufficientScopeError.isInstance(error)) {
    const scope = error.requiredScope ? ` (needs scope ${quoteValue(error.requiredScope, 200)})` : '';
    return new TransportError('FORBIDDEN', `the server refused the token's scope${scope}`, { cause: error });
  }
  const detail = error instanceof Error ? error.message : String(error);
  const own = (error as { category?: unknown } | null)?.category;
  const category = providerCategories.has(own as ErrorCategory) ? (own as ErrorCategory) : 'unauthenticated';
  return new TransportError('UNAUTHENTICATED', `authorization failed: ${boundErrorMessage(detail, 500)}`, {
    cause: error,
    category,
  });
}

function skipIssuerCheck(authorization: BackendAuthorization): { skipIssuerMetadataValidation?: boolean } {
  return authorization.skipIssuerMetadataValidation ? { skipIssuerMetadataValidation: true } : {};
}

type Fetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * The SDK follows redirects only within an origin (it asks with `redirect: 'manual'`) and then
 * reads the 3xx as a failed answer ("HTTP 404: Invalid OAuth error response" from the next URL
 * it tries). This says what happened instead: an OAuth request (metadata, registration, token)
 * sent to another origin is refused by name. The MCP endpoint's own redirects keep the SDK's message.
 */
function refusingRedirectsElsewhere(mcpUrl: URL, base: Fetch = fetch): Fetch {
  return async (input, init) => {
    const response = await base(input, init);
    if (response.status < 300 || response.status >= 400) return response;
    const location = response.headers.get('location');
    if (location === null) return response;
    const from = new URL(input instanceof URL ? input.href : input);
    let target: URL;
    try {
      target = new URL(location, from);
    } catch {
      return response;
    }
    if (target.origin === from.origin || from.href === mcpUrl.href) return response;
    await response.body?.cancel().catch(() => undefined);
    throw new TransportError(
      'UNAUTHENTICATED',
      `authorization failed: ${quoteValue(from.origin + from.pathname, 300)} redirected to another origin (${quoteValue(target.origin, 300)}); OAuth requests are not sent there`,
    );
  };
}

/** Errors the SDK's transports let out of their auth step (`Symbol.for`, so shared by SDK copies). */
const authSeamEscape = Symbol.for('mcp.authSeamEscape');

function escapedAuthStep(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[authSeamEscape] === true;
}

function isAuthorizationFailure(error: unknown): boolean {
  return (
    OAuthError.isInstance(error) ||
    OAuthClientFlowError.isInstance(error) ||
    (typeof error === 'object' && error !== null && providerFailures.has(error))
  );
}

/**
 * The SDK transports stop with `UnauthorizedError` after starting an interactive sign-in (they
 * expect the application to call `finishAuth` and reconnect). These subclasses wait for the
 * sign-in instead, redeem it and send the request again, so a request that needed a sign-in (first
 * connect, expired refresh token, step-up on 403) completes. Sign-ins are bounded: after
 * `maxAuthorizations` of them without a request that succeeded, the next one is refused before the
 * user is sent anywhere (a server whose scope demands can never be met must not loop).
 */
class AuthorizationRounds {
  readonly #authorization: BackendAuthorization;
  readonly #limit: number;
  #finish: (params: URLSearchParams) => Promise<void> = () => Promise.resolve();
  /** One redemption per authorization response, however many requests waited for it. */
  readonly #finishing = new WeakMap<URLSearchParams, Promise<void>>();
  #signInsSinceSuccess = 0;
  #prepared: Promise<void> | undefined;
  /** The provider the SDK transport gets: the caller's, with the sign-in bound. */
  readonly provider: OAuthClientProvider;

  constructor(authorization: BackendAuthorization) {
    this.#authorization = authorization;
    this.#limit = authorization.maxAuthorizations ?? defaultMaxAuthorizations;
    const target = authorization.provider;
    const redirect = async (url: URL) => {
      if (this.#signInsSinceSuccess >= this.#limit) {
        throw new TransportError(
          'UNAUTHENTICATED',
          `authorization failed: the server still refused the request after ${this.#limit} sign-ins; check the scopes the account may have`,
        );
      }
      this.#signInsSinceSuccess++;
      await Promise.resolve(target.redirectToAuthorization(url)).catch(markProviderFailure);
    };
    // A proxy, not a copy: the provider's getters and private fields keep working on the original.
    // Its methods' failures are marked, so that they fail the request as authorization failures
    // (an outage would be retried through restarts while the caller waits).
    this.provider = new Proxy(target, {
      get(object, property) {
        if (property === 'redirectToAuthorization') return redirect;
        const value: unknown = Reflect.get(object, property, object);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          let result: unknown;
          try {
            result = value.apply(object, args);
          } catch (error) {
            markProviderFailure(error);
          }
          return result instanceof Promise ? result.catch(markProviderFailure) : result;
        };
      },
    });
  }

  bind(finish: (params: URLSearchParams) => Promise<void>): void {
    this.#finish = finish;
  }

  async run<T>(attempt: () => Promise<T>): Promise<T> {
    await this.#prepare();
    // Bounds answers that say "retry" without a sign-in (the sign-in limit bounds the rest).
    for (let round = 0; ; round++) {
      try {
        const value = await attempt();
        this.#signInsSinceSuccess = 0;
        return value;
      } catch (error) {
        if (isAuthorizationFailure(error)) throw authorizationFailed(error);
        // Anything else out of the SDK's auth step (malformed metadata, a network failure on the
        // way to the authorization server) fails the request too, instead of looking like an outage.
        if (!UnauthorizedError.isInstance(error)) throw escapedAuthStep(error) ? authorizationFailed(error) : error;
        if (round > 2 * this.#limit) throw error;
        await this.#complete(error);
      }
    }
  }

  #prepare(): Promise<void> {
    this.#prepared ??= Promise.resolve(this.#authorization.prepare?.()).catch((error: unknown) => {
      this.#prepared = undefined;
      throw authorizationFailed(error);
    });
    return this.#prepared;
  }

  async #complete(stopped: unknown): Promise<void> {
    let answer: URLSearchParams | 'retry' | undefined;
    try {
      answer = await this.#authorization.awaitAuthorization();
    } catch (error) {
      throw authorizationFailed(error);
    }
    if (answer === undefined) throw stopped;
    if (answer === 'retry') return;
    let finishing = this.#finishing.get(answer);
    if (!finishing) {
      finishing = this.#finish(answer);
      this.#finishing.set(answer, finishing);
    }
    try {
      await finishing;
    } catch (error) {
      throw authorizationFailed(error);
    }
  }
}

export class AuthorizingHttpTransport extends StreamableHTTPClientTransport {
  readonly #rounds: AuthorizationRounds;

  constructor(url: URL, options: StreamableHTTPClientTransportOptions, authorization: BackendAuthorization) {
    const rounds = new AuthorizationRounds(authorization);
    super(url, {
      ...options,
      authProvider: rounds.provider,
      fetch: refusingRedirectsElsewhere(url, options.fetch),
      ...skipIssuerCheck(authorization),
    });
    rounds.bind((params) => this.finishAuth(params));
    this.#rounds = rounds;
  }

  override send(message: JSONRPCMessage | JSONRPCMessage[], options?: SendOptions): Promise<void> {
    return this.#rounds.run(() => super.send(message, options));
  }
}

/**
 * The legacy SSE transport cannot open its stream twice, so a sign-in needed by `start` is redeemed
 * and the start fails; the connection's reconnect then opens a new transport with the tokens.
 */
export class AuthorizingSseTransport extends SSEClientTransport {
  readonly #rounds: AuthorizationRounds;

  constructor(url: URL, options: SSEClientTransportOptions, authorization: BackendAuthorization) {
    const rounds = new AuthorizationRounds(authorization);
    super(url, {
      ...options,
      authProvider: rounds.provider,
      fetch: refusingRedirectsElsewhere(url, options.fetch),
      ...skipIssuerCheck(authorization),
    });
    rounds.bind((params) => this.finishAuth(params));
    this.#rounds = rounds;
  }

  override async start(): Promise<void> {
    let started = false;
    await this.#rounds.run(async () => {
      if (started) {
        throw new TransportError(
          'BACKEND_UNAVAILABLE',
          'signed in; the SSE stream is opened again with the new tokens on reconnect',
        );
      }
      started = true;
      return super.start();
    });
  }

  override send(message: JSONRPCMessage): Promise<void> {
    return this.#rounds.run(() => super.send(message));
  }
}
