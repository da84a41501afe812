import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AuthorizationError } from './authorization-error.js';
import { type Authorizer, boundedWait, checkAuthorizationResponse } from './authorizer.js';

export interface LoopbackAuthorizerOptions {
  /** Port of the redirect listener on 127.0.0.1; `0` (default) takes a free one at first use. */
  port?: number;
  /** Path of the redirect URI (default `/callback`). */
  path?: string;
  /**
   * Sends the user to the authorization URL. Default: prints it to `output` and opens the system
   * browser when there is a desktop (macOS, Windows, or `DISPLAY` / `WAYLAND_DISPLAY` set).
   */
  openUrl?: (url: URL) => void | Promise<void>;
  /** Where the default `openUrl` prints the URL (default `process.stderr`). */
  output?: NodeJS.WritableStream;
  /** How long to wait for the user to come back (default 300 000 ms). */
  timeoutMs?: number;
}

interface PendingSignIn {
  url: URL;
  resolve: (params: URLSearchParams) => void;
  reject: (error: unknown) => void;
}

const page = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><p>${text}</p>`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Opens `url` in the desktop's browser, if there is one; failures are ignored (the URL is printed too). */
function openInBrowser(url: URL): void {
  const target = url.toString();
  const command =
    process.platform === 'darwin'
      ? ['open', [target]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', target]]
        : process.env.DISPLAY || process.env.WAYLAND_DISPLAY
          ? ['xdg-open', [target]]
          : undefined;
  if (!command) return;
  const [file, args] = command as [string, string[]];
  const child = spawn(file, args, { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}

/**
 * The authorizer for a user at this machine (RFC 8252 loopback redirect): a listener on
 * 127.0.0.1 receives the redirect, checks `state`, and answers the browser with a short page.
 * One sign-in at a time: a new one cancels the one still waiting.
 */
export class LoopbackAuthorizer implements Authorizer, AsyncDisposable {
  readonly #path: string;
  readonly #openUrl: (url: URL) => void | Promise<void>;
  readonly #timeoutMs: number;
  #port: number;
  #server: Server | undefined;
  #listening: Promise<void> | undefined;
  #pending: PendingSignIn | undefined;

  constructor(options: LoopbackAuthorizerOptions = {}) {
    this.#port = options.port ?? 0;
    this.#path = options.path ?? '/callback';
    this.#timeoutMs = options.timeoutMs ?? 300_000;
    const output = options.output ?? process.stderr;
    this.#openUrl =
      options.openUrl ??
      ((url) => {
        output.write(`Sign in to continue: open ${url.toString()}\n`);
        openInBrowser(url);
      });
  }

  /** Known once `prepare()` bound the port (a configured port is known at once). */
  get redirectUrl(): string {
    if (this.#port === 0) {
      throw new AuthorizationError(
        'AUTHORIZATION_REQUIRED',
        'the loopback authorizer has no port yet: await prepare() before reading redirectUrl',
      );
    }
    return `http://127.0.0.1:${this.#port}${this.#path}`;
  }

  /** Starts the redirect listener on 127.0.0.1 (a free port unless one was configured). */
  prepare(): Promise<void> {
    this.#listening ??= this.#listen().catch((error: unknown) => {
      this.#listening = undefined;
      throw error;
    });
    return this.#listening;
  }

  async authorize(authorizationUrl: URL, options: { signal?: AbortSignal } = {}): Promise<URLSearchParams> {
    await this.prepare();
    this.#pending?.reject(new AuthorizationError('AUTHORIZATION_CANCELLED', 'a newer sign-in replaced this one'));
    const answer = new Promise<URLSearchParams>((resolve, reject) => {
      this.#pending = { url: authorizationUrl, resolve, reject };
    });
    const pending = this.#pending;
    try {
      await this.#openUrl(authorizationUrl);
      return await boundedWait(answer, { timeoutMs: this.#timeoutMs, signal: options.signal, what: 'sign-in' });
    } finally {
      if (this.#pending === pending) this.#pending = undefined;
    }
  }

  async close(): Promise<void> {
    this.#pending?.reject(new AuthorizationError('AUTHORIZATION_CANCELLED', 'the authorizer was closed'));
    this.#pending = undefined;
    const server = this.#server;
    this.#server = undefined;
    this.#listening = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #listen(): Promise<void> {
    const server = createServer((request, response) => this.#onRequest(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      throw new AuthorizationError(
        'AUTHORIZATION_CANCELLED',
        `the loopback redirect listener could not bind 127.0.0.1:${this.#port} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
        { cause: error },
      );
    });
    // Later failures of the listener end the sign-in waiting on it, never the process.
    server.on('error', (error) => {
      this.#pending?.reject(
        new AuthorizationError('AUTHORIZATION_CANCELLED', `the loopback listener failed: ${error.message}`, {
          cause: error,
        }),
      );
    });
    // The listener must not keep the process alive on its own.
    server.unref();
    const address = server.address();
    if (typeof address === 'object' && address !== null) this.#port = address.port;
    this.#server = server;
  }

  #onRequest(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const pending = this.#pending;
    if (request.method !== 'GET' || url.pathname !== this.#path || !pending) {
      response.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      response.end(page('Not found', 'No sign-in is waiting here.'));
      return;
    }
    try {
      const params = checkAuthorizationResponse(pending.url, url.searchParams);
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(page('Signed in', 'Signed in. You can close this window and return to the application.'));
      pending.resolve(params);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      response.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
      response.end(page('Sign-in failed', `Sign-in failed: ${escapeHtml(message)}`));
      pending.reject(error);
    }
  }
}

export function createLoopbackAuthorizer(options: LoopbackAuthorizerOptions = {}): LoopbackAuthorizer {
  return new LoopbackAuthorizer(options);
}
