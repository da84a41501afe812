import { boundErrorMessage, quoteValue } from '@mcs/resilience';
import { AuthorizationError } from './authorization-error.js';

/**
 * The interactive step of an OAuth authorization code flow: send the user to the authorization
 * URL and hand back the query parameters the authorization server redirected to `redirectUrl` with.
 * The pool's OAuth provider registers `redirectUrl`, builds the URL (PKCE, `state`, `resource`,
 * scopes: the official SDK) and redeems the answer.
 */
export interface Authorizer {
  /**
   * Where the authorization server sends the user back (loopback: `http://127.0.0.1:<port>/callback`).
   * Read synchronously by the SDK, after `prepare()`.
   */
  readonly redirectUrl: string;
  /** Awaited before `redirectUrl` is read (the loopback authorizer binds its port here). */
  prepare?(): Promise<void>;
  /**
   * Opens `authorizationUrl` for the user and resolves with the callback's query parameters once the
   * user is back (`code`, `state`, `iss`). Rejects with `AuthorizationError` (denied, state mismatch,
   * timeout, cancelled).
   */
  authorize(authorizationUrl: URL, options?: { signal?: AbortSignal }): Promise<URLSearchParams>;
  /** Stops listening (loopback) / reading (headless); a sign-in in progress is cancelled. */
  close?(): Promise<void>;
}

/** Longest `error_description` echoed into an error message (it comes from outside), in bytes. */
const maxDescriptionBytes = 200;

/**
 * Checks an authorization response against the request: the `state` must be the one sent, an
 * `error` is a refusal, a `code` must be there. Returns the parameters for the token exchange.
 */
export function checkAuthorizationResponse(authorizationUrl: URL, params: URLSearchParams): URLSearchParams {
  const expectedState = authorizationUrl.searchParams.get('state');
  const state = params.get('state');
  if (expectedState !== null && state !== expectedState) {
    throw new AuthorizationError(
      'AUTHORIZATION_STATE_MISMATCH',
      'the authorization callback carries another state than the request; sign in again from the link this client opened',
    );
  }
  const error = params.get('error');
  if (error !== null) {
    const description = boundErrorMessage(params.get('error_description') ?? '', maxDescriptionBytes);
    throw new AuthorizationError(
      'AUTHORIZATION_DENIED',
      `the authorization server refused the sign-in (${quoteValue(error, 64)}${description ? `: ${description}` : ''})`,
    );
  }
  if (!params.get('code')) {
    throw new AuthorizationError('AUTHORIZATION_INVALID_RESPONSE', 'the authorization callback has no code');
  }
  return params;
}

/** Waits for `wait`, rejecting after `timeoutMs` or when `signal` aborts; timers and listeners always cleaned up. */
export function boundedWait<T>(
  wait: Promise<T>,
  { timeoutMs, signal, what }: { timeoutMs: number; signal?: AbortSignal | undefined; what: string },
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const settle = (finish: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      finish();
    };
    const timer = setTimeout(() => {
      const seconds = Math.round(timeoutMs / 1000);
      const message = `no ${what} within ${seconds} s; sign in again (raise timeoutMs if the user needs longer)`;
      settle(() => reject(new AuthorizationError('AUTHORIZATION_TIMEOUT', message)));
    }, timeoutMs);
    const onAbort = () =>
      settle(() =>
        reject(new AuthorizationError('AUTHORIZATION_CANCELLED', `the sign-in was cancelled before the ${what}`)),
      );
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    wait.then(
      (value) => settle(() => resolve(value)),
      (error: unknown) => settle(() => reject(error)),
    );
  });
}
