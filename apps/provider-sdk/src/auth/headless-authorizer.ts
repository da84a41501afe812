import { createInterface } from 'node:readline';
import { boundErrorMessage } from '@mcs/resilience';
import { AuthorizationError } from './authorization-error.js';
import { type Authorizer, boundedWait, checkAuthorizationResponse } from './authorizer.js';

export interface HeadlessAuthorizerOptions {
  /**
   * The redirect URI to register; the user's browser ends up there after signing in (nothing needs
   * to listen), and the user pastes that address back. Default `http://127.0.0.1:8400/callback`.
   */
  redirectUrl?: string;
  /** Where the answer is read, one line (default `process.stdin`). */
  input?: NodeJS.ReadableStream;
  /** Where the URL and the prompt are printed (default `process.stderr`). */
  output?: NodeJS.WritableStream;
  /** How long to wait for the answer (default 300 000 ms). */
  timeoutMs?: number;
  /**
   * A scripted sign-in instead of a person: gets the authorization URL and resolves with what the
   * person would paste (the address the browser was sent to, or the code). Nothing is printed or
   * read then; the answer is checked the same way (`state`, `error`, `code`).
   */
  respond?: (authorizationUrl: URL, options: { signal?: AbortSignal }) => Promise<string | URL>;
}

/** The first line of `input`, or a rejection when it ends first. */
function readLine(input: NodeJS.ReadableStream): { line: Promise<string>; stop: () => void } {
  const lines = createInterface({ input, terminal: false });
  const line = new Promise<string>((resolve, reject) => {
    lines.once('line', (text) => resolve(text.trim()));
    lines.once('close', () =>
      reject(new AuthorizationError('AUTHORIZATION_CANCELLED', 'the input ended before an answer was pasted')),
    );
  });
  return { line, stop: () => lines.close() };
}

/**
 * The authorizer for a machine without a browser, and for scripted sign-ins: prints the
 * authorization URL and reads back the address the browser was sent to (its `state` is checked),
 * or the bare code (for an authorization server that shows the code instead of redirecting).
 */
export class HeadlessAuthorizer implements Authorizer {
  readonly redirectUrl: string;
  readonly #input: NodeJS.ReadableStream;
  readonly #output: NodeJS.WritableStream;
  readonly #timeoutMs: number;
  readonly #respond: HeadlessAuthorizerOptions['respond'];

  constructor(options: HeadlessAuthorizerOptions = {}) {
    this.redirectUrl = options.redirectUrl ?? 'http://127.0.0.1:8400/callback';
    this.#input = options.input ?? process.stdin;
    this.#output = options.output ?? process.stderr;
    this.#timeoutMs = options.timeoutMs ?? 300_000;
    this.#respond = options.respond;
  }

  async authorize(authorizationUrl: URL, options: { signal?: AbortSignal } = {}): Promise<URLSearchParams> {
    const respond = this.#respond;
    if (respond) {
      const scripted = Promise.resolve()
        .then(() => respond(authorizationUrl, options.signal ? { signal: options.signal } : {}))
        .catch((error: unknown) => {
          if (AuthorizationError.isInstance(error)) throw error;
          const detail = boundErrorMessage(error instanceof Error ? error.message : String(error), 300);
          throw new AuthorizationError('AUTHORIZATION_INVALID_RESPONSE', `the scripted sign-in failed: ${detail}`, {
            cause: error,
          });
        });
      const answer = await boundedWait(scripted, {
        timeoutMs: this.#timeoutMs,
        signal: options.signal,
        what: 'scripted sign-in',
      });
      return checkAuthorizationResponse(authorizationUrl, this.#parse(String(answer).trim(), authorizationUrl));
    }
    this.#output.write(
      `Sign in to continue: open\n  ${authorizationUrl.toString()}\nthen paste the address your browser was sent to (or the code):\n`,
    );
    const { line, stop } = readLine(this.#input);
    try {
      const answer = await boundedWait(line, { timeoutMs: this.#timeoutMs, signal: options.signal, what: 'answer' });
      return checkAuthorizationResponse(authorizationUrl, this.#parse(answer, authorizationUrl));
    } finally {
      stop();
    }
  }

  #parse(answer: string, authorizationUrl: URL): URLSearchParams {
    if (answer.length === 0 || answer.length > 8192) {
      throw new AuthorizationError(
        'AUTHORIZATION_INVALID_RESPONSE',
        'paste the whole address or the code (got nothing usable)',
      );
    }
    if (/^https?:\/\//i.test(answer)) {
      try {
        return new URL(answer).searchParams;
      } catch (error) {
        throw new AuthorizationError('AUTHORIZATION_INVALID_RESPONSE', 'the pasted address is not a URL', {
          cause: error,
        });
      }
    }
    // A bare code: the user copied it from the server's page, so there is no state to compare.
    const params = new URLSearchParams({ code: answer });
    const state = authorizationUrl.searchParams.get('state');
    if (state !== null) params.set('state', state);
    return params;
  }
}

export function createHeadlessAuthorizer(options: HeadlessAuthorizerOptions = {}): HeadlessAuthorizer {
  return new HeadlessAuthorizer(options);
}
