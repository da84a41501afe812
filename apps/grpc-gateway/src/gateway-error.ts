import type { ErrorCategory } from '@mcs/resilience';

/**
 * Every code a {@link GatewayError} carries, with its category in the platform taxonomy (which decides
 * the gRPC status through `@mcs/resilience`'s one mapping table).
 */
export const gatewayErrorCodes = {
  /** The config file is missing, unreadable or invalid: fix the named key. */
  CONFIG_INVALID: 'invalid_input',
  /** No tool, prompt, backend or resource of that name. */
  NOT_FOUND: 'not_found',
  /** The request is malformed (arguments break the input schema, header and body disagree, ...). */
  INVALID_ARGUMENT: 'invalid_input',
  /** The caller's token does not grant this tool. */
  PERMISSION_DENIED: 'permission_denied',
  /** No usable bearer token. */
  UNAUTHENTICATED: 'unauthenticated',
  /** The backend sent nothing for the per-call timeout. */
  TIMEOUT: 'timeout',
  /** The backend is down, restarting, or its breaker is open. */
  UNAVAILABLE: 'unavailable',
  /** The caller cancelled. */
  CANCELLED: 'cancelled',
  /** The gateway is shutting down. */
  SHUTTING_DOWN: 'unavailable',
  /** A bug or unexpected failure. */
  INTERNAL: 'internal',
} as const satisfies Record<string, ErrorCategory>;

export type GatewayErrorCode = keyof typeof gatewayErrorCodes;

const brand = Symbol.for('@mcs/grpc-gateway/GatewayError');

/** The gateway's own error: a string `code`, its category, a message that says what to do, and `cause`. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly code: GatewayErrorCode;
  readonly category: ErrorCategory;
  readonly [brand] = true;

  constructor(code: GatewayErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.category = gatewayErrorCodes[code];
  }

  static isInstance(value: unknown): value is GatewayError {
    return typeof value === 'object' && value !== null && brand in value;
  }
}
