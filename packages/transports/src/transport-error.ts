import { type ErrorCategory, isRetryableCategory } from '@mcs/resilience';

/**
 * Every code a {@link TransportError} can carry. The code is the stable, machine-readable part;
 * messages may change. The category (from the platform taxonomy) says how a caller should react.
 */
export const transportErrorCodes = {
  /** The backend configuration failed validation (caller bug: fix the config). */
  CONFIG_INVALID: 'invalid_input',
  /** A pool was asked for a backend it does not have. */
  UNKNOWN_BACKEND: 'not_found',
  /** The connection was never connected, or was closed with `close()`. */
  NOT_CONNECTED: 'unavailable',
  /** Starting the backend (spawn, HTTP handshake, MCP `initialize`) failed. */
  CONNECT_FAILED: 'unavailable',
  /** The stdio backend's process exited while the request was in flight or before it could be sent. */
  BACKEND_EXITED: 'unavailable',
  /** The backend is restarting or reconnecting and did not become ready in time. */
  BACKEND_UNAVAILABLE: 'unavailable',
  /** The backend's circuit breaker is open: recent calls failed, calls fail fast until it half-opens. */
  CIRCUIT_OPEN: 'unavailable',
  /** The HTTP session expired (404) and could not be re-initialized. */
  SESSION_EXPIRED: 'unavailable',
  /** No response within the request timeout (the backend got `notifications/cancelled`). */
  REQUEST_TIMEOUT: 'timeout',
  /** The caller aborted the request (the backend got `notifications/cancelled`). */
  CANCELLED: 'cancelled',
  /** The HTTP backend refused the credentials (401). */
  UNAUTHENTICATED: 'unauthenticated',
  /** The HTTP backend denied access (403). */
  FORBIDDEN: 'permission_denied',
  /** The backend answered with a JSON-RPC error; `rpcCode` and `data` carry it. Category by code. */
  BACKEND_ERROR: 'internal',
  /** The backend's answer did not match the MCP schema. */
  INVALID_RESULT: 'protocol',
} as const satisfies Record<string, ErrorCategory>;

export type TransportErrorCode = keyof typeof transportErrorCodes;

export interface TransportErrorOptions {
  /** Name of the backend the error belongs to. */
  backend?: string;
  /** Overrides the code's default category (e.g. a JSON-RPC error classified by its code). */
  category?: ErrorCategory;
  /** JSON-RPC error code, for `BACKEND_ERROR`. */
  rpcCode?: number;
  /** JSON-RPC error data, for `BACKEND_ERROR`. */
  data?: unknown;
  /** When trying again can succeed (e.g. when an open circuit breaker lets a probe through). */
  retryAfterMs?: number;
  cause?: unknown;
}

const brand = Symbol.for('@mcs/transports/TransportError');

/**
 * The one error this package throws: a string `code`, a `category` from the platform taxonomy, the
 * backend's name, a message that says what to do, and the underlying `cause`.
 */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly code: TransportErrorCode;
  readonly category: ErrorCategory;
  readonly backend: string | undefined;
  readonly rpcCode: number | undefined;
  readonly data: unknown;
  readonly retryAfterMs: number | undefined;
  readonly [brand] = true;

  constructor(code: TransportErrorCode, message: string, options: TransportErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.category = options.category ?? transportErrorCodes[code];
    this.backend = options.backend;
    this.rpcCode = options.rpcCode;
    this.data = options.data;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** Whether trying again later can succeed (by category: unavailable, timeout, rate limited). */
  get isRetryable(): boolean {
    return isRetryableCategory(this.category);
  }

  /** True for a TransportError from any copy of this package (brand check, not `instanceof`). */
  static isInstance(value: unknown): value is TransportError {
    return typeof value === 'object' && value !== null && brand in value;
  }
}
