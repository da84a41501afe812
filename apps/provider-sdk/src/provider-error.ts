import { type ErrorCategory, isRetryableCategory } from '@mcs/resilience';

/**
 * Every code a {@link ProviderError} can carry. The code is the stable, machine-readable part; the
 * category (platform taxonomy) says how a caller should react.
 */
export const providerErrorCodes = {
  /** The pool or provider config failed validation (fix the config: the message names each field). */
  CONFIG_INVALID: 'invalid_input',
  /** A `${VAR}` in the config names an environment variable that is not set. */
  ENV_MISSING: 'invalid_input',
  /** The selected profile does not exist. */
  PROFILE_UNKNOWN: 'invalid_input',
  /** `loadProviderConfig`: the config file does not exist. */
  CONFIG_NOT_FOUND: 'not_found',
  /**
   * A `secret:` reference could not be resolved (category from the cause: `not_found`,
   * `permission_denied`, `unauthenticated`, `unavailable`, `timeout`, `invalid_input`). The message
   * names the field and the reference, never a value.
   */
  SECRET_UNRESOLVED: 'not_found',
  /** A tool, resource or prompt name does not resolve to a backend of the pool. */
  UNKNOWN_BACKEND: 'not_found',
  /** An MCP request failed after the pool's resilience policy (category from the cause). */
  BACKEND_FAILED: 'unavailable',
  /** An MCP backend refused the credentials, or the sign-in failed (the message and cause say why): sign in again. */
  UNAUTHENTICATED: 'unauthenticated',
  /** The model API failed after retries (category from the cause: rate_limited, unavailable, ...). */
  MODEL_FAILED: 'unavailable',
  /** The model sent tool arguments that are not a JSON object (reported to the model, not thrown). */
  TOOL_ARGUMENTS_INVALID: 'invalid_input',
  /** `generateObject`: the model's answer is not JSON or does not match the schema. */
  OUTPUT_INVALID: 'protocol',
  /** The model kept calling tools for `maxSteps` steps without a final answer. */
  MAX_STEPS_EXCEEDED: 'invalid_input',
  /** The caller's AbortSignal aborted the request. */
  CANCELLED: 'cancelled',
  /** The pool or provider was closed. */
  CLOSED: 'unavailable',
} as const satisfies Record<string, ErrorCategory>;

export type ProviderErrorCode = keyof typeof providerErrorCodes;

export interface ProviderErrorOptions {
  /** Overrides the code's default category (e.g. the category of the failure that caused it). */
  category?: ErrorCategory;
  /** The backend the error belongs to, when there is one. */
  backend?: string;
  cause?: unknown;
}

const brand = Symbol.for('@mcs/provider-sdk/ProviderError');

/** The one error this package throws: string `code`, `category`, a message saying what to do, `cause`. */
export class ProviderError extends Error {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read by isInstance through the global symbol
  private readonly [brand] = true;
  override readonly name = 'ProviderError';
  readonly code: ProviderErrorCode;
  readonly category: ErrorCategory;
  readonly backend: string | undefined;

  constructor(code: ProviderErrorCode, message: string, options: ProviderErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.category = options.category ?? providerErrorCodes[code];
    this.backend = options.backend;
  }

  get isRetryable(): boolean {
    return isRetryableCategory(this.category);
  }

  /** True for a `ProviderError` from any copy of this package. */
  static isInstance(value: unknown): value is ProviderError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}
