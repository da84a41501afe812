// Every export here is public API; named exports only.

export {
  type BackoffOptions,
  backoffCap,
  computeBackoffDelay,
  type RandomSource,
  retryDelayFor,
  seededRandom,
} from './backoff.js';
export {
  boundErrorMessage,
  MAX_ERROR_MESSAGE_BYTES,
  MAX_QUOTED_VALUE_CHARS,
  quoteValue,
} from './bounded-message.js';
export { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
export { classifyError, getErrorCategory } from './classify-error.js';
export {
  type AttemptContext,
  type CreatePolicyOptions,
  createPolicy,
  type ExecuteOptions,
  ResiliencePolicy,
  type RetryNotice,
} from './create-policy.js';
export {
  ERROR_CATEGORIES,
  ERROR_CATEGORY_TABLE,
  type ErrorCategory,
  grpcStatusForCategory,
  httpStatusForCategory,
  isErrorCategory,
  isRetryableCategory,
  jsonRpcCodeForCategory,
  RETRYABLE_CATEGORIES,
} from './error-category-table.js';
export {
  categoryFromGrpcStatus,
  GrpcStatus,
  type GrpcStatusCode,
  type GrpcStatusName,
  grpcStatusName,
  isGrpcStatusCode,
} from './grpc-status.js';
export {
  categoryFromHttpStatus,
  classifyHttpResponse,
  type HeadersLike,
  type HttpErrorInput,
  parseRetryAfter,
  retryAfterMsFromHeaders,
} from './http-status.js';
export {
  categoryFromJsonRpcCode,
  JsonRpcErrorCode,
  type JsonRpcErrorCodeName,
  jsonRpcErrorCodeName,
} from './json-rpc-error-code.js';
export {
  type BulkheadConfig,
  BulkheadConfigSchema,
  type CircuitBreakerConfig,
  CircuitBreakerConfigSchema,
  type PolicyConfig,
  type PolicyConfigInput,
  PolicyConfigSchema,
  parsePolicyConfig,
  type RetryConfig,
  RetryConfigSchema,
  type TimeoutConfig,
  TimeoutConfigSchema,
} from './policy-config.js';
export { RESILIENCE_ERROR_CODES, ResilienceError, type ResilienceErrorOptions } from './resilience-error.js';
export {
  type CircuitStateName,
  type ResilienceEvent,
  ResilienceEventEmitter,
  type ResilienceEventOf,
  type ResilienceEventType,
  type ResilienceListener,
} from './resilience-events.js';
export { type RetryAsyncIterableOptions, retryAsyncIterable } from './retry-async-iterable.js';
