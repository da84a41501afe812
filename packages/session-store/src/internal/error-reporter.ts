import { SessionStoreError } from '../session-store-error.js';

/** Counts errors by code and hands each to the caller's `onError` exactly once. */
export class ErrorReporter {
  private readonly counts: Record<string, number> = {};

  constructor(private readonly onError: ((error: SessionStoreError) => void) | undefined) {}

  report(error: SessionStoreError): SessionStoreError {
    this.counts[error.code] = (this.counts[error.code] ?? 0) + 1;
    try {
      this.onError?.(error);
    } catch {
      // A failing metrics/log hook must not replace the error the caller is about to receive.
    }
    return error;
  }

  /** Runs a store operation; whatever it throws leaves as a reported `SessionStoreError`. */
  async run<T>(operation: () => Promise<T> | T): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw this.report(toSessionStoreError(error));
    }
  }

  snapshot(): Readonly<Record<string, number>> {
    return { ...this.counts };
  }
}

/** ioredis signals Redis-side errors with `ReplyError`; everything else means Redis was not reachable. */
export function toSessionStoreError(error: unknown): SessionStoreError {
  if (SessionStoreError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === 'ReplyError' && /^(WRONGPASS|NOAUTH|NOPERM)/.test(message)) {
    // Refused credentials make the store as unusable as a dead server: /readyz must fail the same way.
    return new SessionStoreError(
      'STORE_UNAVAILABLE',
      `Redis refused the connection's credentials (${message}); check the user and password in REDIS_URL.`,
      { cause: error },
    );
  }
  if (error instanceof Error && error.name === 'ReplyError') {
    return new SessionStoreError('STORE_COMMAND_FAILED', `Redis rejected a command: ${message}`, { cause: error });
  }
  return new SessionStoreError(
    'STORE_UNAVAILABLE',
    `Redis is unavailable (${message}); check REDIS_URL and that Redis is running.`,
    { cause: error },
  );
}

export function closedError(what: string): SessionStoreError {
  return new SessionStoreError('CLOSED', `The ${what} is closed; create a new one.`);
}
