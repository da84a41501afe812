const brand = Symbol.for('@mcs/session-store.SessionStoreError');

/**
 * Every failure of a store or bus. `code` is stable and machine-readable:
 * - `STORE_UNAVAILABLE`: Redis did not answer (down, timed out, connection lost). Retry later; /readyz fails.
 * - `STORE_COMMAND_FAILED`: Redis answered with an error (wrong type, script error, OOM).
 * - `CORRUPT_VALUE`: a stored value is not valid JSON or not the expected shape; the key should be deleted.
 * - `INVALID_EVENT_ID`: an SSE event id (`Last-Event-ID`) is not one this store produced.
 * - `INVALID_ARGUMENT`: a caller passed an id, namespace, TTL or value the store cannot hold.
 * - `INVALID_CONFIG`: `createSessionStore`/`createMessageBus` options are wrong.
 * - `HANDLER_FAILED`: a `MessageBus` subscriber's handler threw, or a message was not JSON (reported via `onError`).
 * - `CLOSED`: the store or bus was used after `close()`.
 */
export type SessionStoreErrorCode =
  | 'STORE_UNAVAILABLE'
  | 'STORE_COMMAND_FAILED'
  | 'CORRUPT_VALUE'
  | 'INVALID_EVENT_ID'
  | 'INVALID_ARGUMENT'
  | 'INVALID_CONFIG'
  | 'HANDLER_FAILED'
  | 'CLOSED';

export class SessionStoreError extends Error {
  readonly code: SessionStoreErrorCode;
  /** True when the same call may succeed later (the backend was unreachable). */
  readonly isRetryable: boolean;
  constructor(code: SessionStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SessionStoreError';
    this.code = code;
    this.isRetryable = code === 'STORE_UNAVAILABLE';
    Object.defineProperty(this, brand, { value: true });
  }

  /** Recognises errors across duplicated copies of this package (instanceof would not). */
  static isInstance(error: unknown): error is SessionStoreError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true;
  }
}
