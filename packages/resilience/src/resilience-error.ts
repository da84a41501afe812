import { ERROR_CATEGORY_TABLE, type ErrorCategory } from './error-category-table.js';

// A global symbol, so that two copies of this package in one process (two versions in node_modules,
// or a bundled copy) still recognise each other's errors. `instanceof` would not.
const marker = 'mcs.resilience.error';
const symbol = Symbol.for(marker);

/** Codes of the errors this package raises itself; classified errors carry the source's code instead. */
export const RESILIENCE_ERROR_CODES = {
  CIRCUIT_OPEN: 'CIRCUIT_OPEN',
  BULKHEAD_REJECTED: 'BULKHEAD_REJECTED',
  TIMEOUT: 'TIMEOUT',
  CANCELLED: 'CANCELLED',
  INVALID_CONFIG: 'INVALID_CONFIG',
  UNKNOWN: 'UNKNOWN',
} as const;

export interface ResilienceErrorOptions {
  /** A stable, machine-readable code: `CIRCUIT_OPEN`, `HTTP_503`, `GRPC_UNAVAILABLE`, `ECONNRESET`, ... */
  code: string;
  category: ErrorCategory;
  message: string;
  /** Defaults to the category's `retryable` in `ERROR_CATEGORY_TABLE`. */
  isRetryable?: boolean;
  /** How long the peer asked us to wait before trying again (from `Retry-After`, an open circuit, ...). */
  retryAfterMs?: number;
  cause?: unknown;
  /** Wire facts the classifier saw (`httpStatus`, `grpcStatus`, `jsonRpcCode`), for logs and mapping. */
  details?: Readonly<Record<string, unknown>>;
}

/**
 * The platform's base error: every failure, classified, is one of these. Recognise it with
 * `ResilienceError.isInstance(value)` rather than `instanceof` (see the brand above).
 */
export class ResilienceError extends Error {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read by isInstance through the global symbol
  private readonly [symbol] = true;
  override readonly name: string = 'ResilienceError';
  readonly code: string;
  readonly category: ErrorCategory;
  readonly isRetryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(options: ResilienceErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.category = options.category;
    this.isRetryable = options.isRetryable ?? ERROR_CATEGORY_TABLE[options.category].retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details ?? {};
  }

  /** True for a `ResilienceError` from any copy of this package, and for subclasses. */
  static isInstance(value: unknown): value is ResilienceError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[symbol] === true;
  }

  /** A plain object for structured logs (pino) and error responses; `cause` is reduced to its message. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      category: this.category,
      message: this.message,
      isRetryable: this.isRetryable,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
      ...(Object.keys(this.details).length === 0 ? {} : { details: this.details }),
      ...(this.cause instanceof Error ? { cause: this.cause.message } : {}),
    };
  }
}
