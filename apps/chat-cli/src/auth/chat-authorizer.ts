import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  AuthorizationError,
  type Authorizer,
  createLoopbackAuthorizer,
  type LoopbackAuthorizer,
} from '@mcs/provider-sdk';
import { signInWithForm } from './form-sign-in.js';
import { browserCommand, openInBrowser } from './open-browser.js';

type Env = Record<string, string | undefined>;

/** A server whose config signs in with form fields (`auth.post_body`), by the redirect URI it registered. */
export interface ScriptedSignIn {
  server: string;
  fields: Record<string, string>;
}

export interface ChatAuthorizerOptions {
  env: Env;
  /** Someone is at a terminal (stderr is a TTY): a browser may be opened for them. */
  interactive: boolean;
  /** One line for the user (stderr). */
  notice: (text: string) => void;
  /** `auth.post_body` servers by the redirect URI their config registers (see `scriptedRedirectUrl`). */
  scripted: ReadonlyMap<string, ScriptedSignIn>;
  /** The config key of the server an authorization request is for, from its `resource` (for messages only). */
  serverOf: (resource: string | null) => string | undefined;
  /** How long a browser sign-in may take (default 300 000 ms). */
  timeoutMs?: number;
  /**
   * Where the loopback port is remembered between runs (with a persistent token cache): the
   * client registrations cached with the tokens name the redirect URI, and an authorization server
   * that matches it exactly (ours does) refuses a sign-in from another port, e.g. the one needed when
   * a cached refresh token is no longer accepted. A port taken by then: a free one.
   */
  portFile?: string | undefined;
}

/**
 * The redirect URI of a server signing in with `post_body`: a loopback address nothing listens on
 * (the answer is read from the authorization server's redirect, never fetched), unique per server,
 * so that a sign-in is matched to the server whose config holds the fields by a value this client
 * chose. Port 9 is "discard".
 */
export function scriptedRedirectUrl(server: string): string {
  return `http://127.0.0.1:9/mcs-chat/signed-in/${encodeURIComponent(server)}`;
}

/**
 * The pool's authorizer: `post_body` servers sign in by their form (no browser); every other server
 * through the provider-sdk's loopback authorizer: the URL is printed, and opened in the browser when
 * there is a desktop and someone at the terminal; the browser comes back to a listener on 127.0.0.1.
 */
export class ChatAuthorizer implements Authorizer {
  readonly #options: ChatAuthorizerOptions;
  #loopback: LoopbackAuthorizer | undefined;
  #binding: Promise<void> | undefined;
  readonly #openUrl: (url: URL) => void;
  readonly #pending = new Set<Promise<unknown>>();
  /** Why the last sign-in of a `post_body` server failed (cleared when one succeeds). */
  readonly failures = new Map<string, string>();
  /**
   * Servers whose sign-in was refused or not finished in this run, with that error: the pool
   * reconnects them in the background, and each reconnection would print a new URL (or post the
   * credentials again: an account lockout waiting to happen); it gets the same answer at once.
   */
  readonly #givenUp = new Map<string, unknown>();
  readonly #timeoutMs: number;

  constructor(options: ChatAuthorizerOptions) {
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? 300_000;
    const browser = browserCommand(options.env, options.interactive);
    this.#openUrl = (url) => {
      const server = options.serverOf(url.searchParams.get('resource'));
      const who =
        server !== undefined ? `MCP server "${server}"` : `the MCP server ${url.searchParams.get('resource') ?? ''}`;
      // The whole URL on a line of its own, unclipped: it is copied into a browser.
      options.notice(
        `mcs-chat: ${who} needs a sign-in; ${browser ? 'your browser opens it; if not, open' : 'open this address in a browser on this machine'}:\n  ${url.toString()}`,
      );
      if (browser) void openInBrowser(browser, url);
    };
  }

  get redirectUrl(): string {
    if (!this.#loopback) {
      throw new AuthorizationError('AUTHORIZATION_REQUIRED', 'the sign-in listener is not bound yet (prepare first)');
    }
    return this.#loopback.redirectUrl;
  }

  /** Binds the loopback listener: the remembered port when it is free, else a free one (remembered). */
  prepare(): Promise<void> {
    this.#binding ??= this.#bind().catch((error: unknown) => {
      this.#binding = undefined;
      throw error;
    });
    return this.#binding;
  }

  async #bind(): Promise<void> {
    const { portFile } = this.#options;
    const remembered = portFile ? await readPort(portFile) : undefined;
    if (remembered !== undefined) {
      const fixed = createLoopbackAuthorizer({ port: remembered, timeoutMs: this.#timeoutMs, openUrl: this.#openUrl });
      try {
        await fixed.prepare();
        this.#loopback = fixed;
        return;
      } catch {
        await fixed.close();
      }
    }
    const free = createLoopbackAuthorizer({ timeoutMs: this.#timeoutMs, openUrl: this.#openUrl });
    await free.prepare();
    this.#loopback = free;
    if (portFile) await writePort(portFile, Number(new URL(free.redirectUrl).port)).catch(() => undefined);
  }

  authorize(authorizationUrl: URL, options: { signal?: AbortSignal } = {}): Promise<URLSearchParams> {
    const redirectUrl = authorizationUrl.searchParams.get('redirect_uri') ?? '';
    const scripted = this.#options.scripted.get(redirectUrl);
    const server = scripted?.server ?? this.#options.serverOf(authorizationUrl.searchParams.get('resource')) ?? '';
    if (this.#givenUp.has(server)) return Promise.reject(this.#givenUp.get(server));
    const attempt = scripted
      ? signInWithForm(authorizationUrl, {
          server: scripted.server,
          fields: scripted.fields,
          redirectUrl,
          ...(options.signal ? { signal: options.signal } : {}),
        })
      : this.prepare()
          .then(() => (this.#loopback as LoopbackAuthorizer).authorize(authorizationUrl, options))
          .catch((error: unknown) => {
            throw this.#explained(error);
          });
    const answer = attempt.then(
      (params) => {
        this.failures.delete(server);
        return params;
      },
      (error: unknown) => {
        if (scripted) {
          const message = error instanceof Error ? error.message : String(error);
          this.failures.set(server, message);
          // In full, once: the start's warning line about the server is clipped.
          if (!options.signal?.aborted) this.#options.notice(`mcs-chat: "${server}" did not sign in: ${message}`);
        }
        // A sign-in cancelled because the chat is closing is not the user's answer.
        // (A sign-in not known to be one server's is not held against the others.)
        if (!options.signal?.aborted && server !== '') this.#givenUp.set(server, error);
        throw error;
      },
    );
    this.#pending.add(answer);
    const done = () => this.#pending.delete(answer);
    answer.then(done, done);
    return answer;
  }

  /** The user asked to sign in again (`/login`): the server's refused or unfinished sign-in is no longer held against it. */
  retry(server: string): void {
    this.#givenUp.delete(server);
    this.failures.delete(server);
  }

  /** The loopback's timeout in this CLI's words (its setting is an environment variable here). */
  #explained(error: unknown): unknown {
    if (!AuthorizationError.isInstance(error) || error.code !== 'AUTHORIZATION_TIMEOUT') return error;
    return new AuthorizationError(
      'AUTHORIZATION_TIMEOUT',
      `no sign-in within ${Math.round(this.#timeoutMs / 1000)} s (MCS_CHAT_SIGNIN_TIMEOUT_S gives more time); /login <server> asks again`,
      { cause: error },
    );
  }

  /** A sign-in is waiting for its answer (the user in the browser, or a form being posted). */
  get signingIn(): boolean {
    return this.#pending.size > 0;
  }

  /** Resolves once no sign-in is waiting (each is bounded by its timeout). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  async close(): Promise<void> {
    await this.#binding?.catch(() => undefined);
    await this.#loopback?.close();
  }
}

async function readPort(file: string): Promise<number | undefined> {
  try {
    const port = Number((await readFile(file, 'utf8')).trim());
    return Number.isInteger(port) && port >= 1024 && port <= 65535 ? port : undefined;
  } catch {
    return undefined;
  }
}

async function writePort(file: string, port: number): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${port}\n`, { mode: 0o600 });
}
