import { join } from 'node:path';
import { BackendAuthConfigSchema, type PoolAuthOptions, type PoolConfig } from '@mcs/provider-sdk';
import { ChatCliError } from '../chat-cli-error.js';
import type { ServerInfo } from '../config/server-info.js';
import { ChatAuthorizer, type ScriptedSignIn, scriptedRedirectUrl } from './chat-authorizer.js';
import { createTokenCache, type TokenCache } from './token-cache.js';

type Env = Record<string, string | undefined>;

/** `MCS_CHAT_SIGNIN_TIMEOUT_S`: how long a browser sign-in may take (default 300 s, 1 to 3600). */
function signInTimeoutMs(env: Env): number {
  const value = env.MCS_CHAT_SIGNIN_TIMEOUT_S?.trim();
  if (!value) return 300_000;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
    throw new ChatCliError(
      'CONFIG_INVALID',
      `MCS_CHAT_SIGNIN_TIMEOUT_S must be a whole number of seconds from 1 to 3600 (got ${JSON.stringify(value.slice(0, 20))})`,
    );
  }
  return seconds * 1000;
}
type Backend = PoolConfig['backends'][string];

/** How a server proves who the user is, as `/servers` shows it. */
export type AuthState = 'none' | 'headers' | 'signed in' | 'signed-out' | 'failed';

/** How each server signs in: decided once from its config. */
type Mode =
  | { kind: 'none' }
  | { kind: 'headers' }
  /** OAuth when the server answers 401; `expected`: the config says it needs a sign-in. */
  | { kind: 'oauth'; url: string; expected: boolean; headers: boolean };

export interface ServerAuth {
  /** The pool config with OAuth added to every HTTP/SSE server that may need it. */
  readonly pool: PoolConfig;
  /** The pool's authorizer and token cache. */
  readonly options: PoolAuthOptions;
  /**
   * The server's auth state now, from its pool status and, when it is unavailable, the error it
   * is unavailable with (a connect failure noted by `noteFailures` counts until it is ready).
   */
  state(server: string, now: { status: string; error?: unknown }): AuthState;
  /** The connect failures of the start (a refused sign-in or header shows as "failed"). */
  noteFailures(failed: readonly { backend: string; error: unknown }[]): void;
  /** The server holds OAuth tokens (cached, or from a sign-in of this run). */
  signedIn(server: string): boolean;
  /** Whether the server signs in with OAuth (browser or `post_body`) when it answers 401. */
  signsIn(server: string): boolean;
  /** `/login`: forget that the server's sign-in was refused or not finished, so the next attempt asks again. */
  retry(server: string): void;
  /** A sign-in is waiting (the user in the browser, a form being posted). */
  readonly signingIn: boolean;
  /** Resolves when no sign-in is waiting. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export interface ServerAuthOptions {
  env: Env;
  /** stderr is a TTY: someone may use a browser. */
  interactive: boolean;
  /** One line for the user (stderr), unclipped. */
  notice: (text: string) => void;
}

/**
 * What a failure says about the sign-in, from anywhere in its cause chain (the pool wraps the
 * transport's error, which wraps the authorizer's): `unfinished` when the user did not finish it
 * in time (or it was cancelled), `refused` for a refused sign-in or credential.
 */
function signInOutcome(error: unknown): 'refused' | 'unfinished' | undefined {
  let outcome: 'refused' | undefined;
  for (let at = error, depth = 0; typeof at === 'object' && at !== null && depth < 8; depth++) {
    const { code, category } = at as { code?: unknown; category?: unknown };
    if (code === 'AUTHORIZATION_TIMEOUT' || code === 'AUTHORIZATION_CANCELLED') return 'unfinished';
    if (code === 'UNAUTHENTICATED' || category === 'unauthenticated') outcome = 'refused';
    if (typeof code === 'string' && code.startsWith('AUTHORIZATION_')) outcome = 'refused';
    at = (at as { cause?: unknown }).cause;
  }
  return outcome;
}

const hasAuthorizationHeader = (headers: Record<string, string>) =>
  Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');

/**
 * Sign-in for the servers of one run. An HTTP/SSE server whose config sends no `Authorization`
 * (header or `bearerToken`) gets OAuth (the provider-sdk's, on the official SDK's client auth): it
 * costs nothing until the server answers 401, then the user signs in in the browser (loopback
 * redirect), or, for a seed `auth.post_body` server, the fields complete the login form. A server
 * configured with its own `auth` (provider format) keeps it. Tokens go to the cache (token-cache.ts).
 */
export function createServerAuth(
  pool: PoolConfig,
  servers: Record<string, ServerInfo>,
  options: ServerAuthOptions,
): ServerAuth {
  const modes = new Map<string, Mode>();
  const scripted = new Map<string, ScriptedSignIn>();
  const backends: Record<string, Backend> = {};
  for (const [name, backend] of Object.entries(pool.backends)) {
    const info = servers[name];
    backends[name] = backend;
    if (backend.transport === 'stdio') {
      modes.set(name, { kind: 'none' });
      continue;
    }
    if (backend.transport === 'grpc') {
      modes.set(name, { kind: backend.token !== undefined ? 'headers' : 'none' });
      continue;
    }
    const headers = Object.keys(backend.headers).length > 0;
    if (backend.auth === undefined && (backend.bearerToken !== undefined || hasAuthorizationHeader(backend.headers))) {
      modes.set(name, { kind: 'headers' });
      continue;
    }
    const postBody = info?.auth?.postBody;
    if (backend.auth === undefined) {
      const redirectUrl = postBody ? scriptedRedirectUrl(name) : undefined;
      if (postBody && redirectUrl) scripted.set(redirectUrl, { server: name, fields: postBody });
      backends[name] = {
        ...backend,
        auth: BackendAuthConfigSchema.parse(redirectUrl ? { redirectUrl } : {}),
      } as Backend;
    }
    modes.set(name, {
      kind: 'oauth',
      url: backend.url,
      expected: backend.auth !== undefined || info?.auth?.required === true || postBody !== undefined,
      headers,
    });
  }
  const cache: TokenCache = createTokenCache({ env: options.env, notice: options.notice });
  const serverOf = (resource: string | null): string | undefined => {
    if (resource === null) return undefined;
    let best: { name: string; length: number } | undefined;
    for (const [name, mode] of modes) {
      if (mode.kind !== 'oauth') continue;
      const matches = mode.url === resource || mode.url.startsWith(resource.endsWith('/') ? resource : `${resource}/`);
      if (matches && (!best || resource.length > best.length)) best = { name, length: resource.length };
    }
    return best?.name;
  };
  const authorizer = new ChatAuthorizer({
    env: options.env,
    interactive: options.interactive,
    notice: options.notice,
    scripted,
    serverOf,
    timeoutMs: signInTimeoutMs(options.env),
    portFile: cache.directory === undefined ? undefined : join(cache.directory, 'callback-port'),
  });
  const connectFailures = new Map<string, unknown>();
  return {
    pool: { ...pool, backends },
    options: { authorizer, tokenStore: cache.store },
    noteFailures(failed) {
      for (const { backend, error } of failed) connectFailures.set(backend, error);
    },
    state(server, now) {
      const mode = modes.get(server);
      if (now.status === 'ready') connectFailures.delete(server);
      const outcome = signInOutcome(now.error) ?? signInOutcome(connectFailures.get(server));
      if (!mode || mode.kind === 'none') return 'none';
      if (mode.kind === 'headers') return outcome === 'refused' ? 'failed' : 'headers';
      if (cache.signedIn.has(mode.url)) return 'signed in';
      if (outcome === 'unfinished') return 'signed-out';
      if (outcome === 'refused' || (now.status !== 'ready' && authorizer.failures.has(server))) return 'failed';
      if (cache.signedOut.has(mode.url) || mode.expected) return 'signed-out';
      return mode.headers ? 'headers' : 'none';
    },
    signedIn(server) {
      const mode = modes.get(server);
      return mode?.kind === 'oauth' && cache.signedIn.has(mode.url);
    },
    signsIn: (server) => modes.get(server)?.kind === 'oauth',
    retry(server) {
      authorizer.retry(server);
      connectFailures.delete(server);
    },
    get signingIn() {
      return authorizer.signingIn;
    },
    settled: () => authorizer.settled(),
    close: () => authorizer.close(),
  };
}
