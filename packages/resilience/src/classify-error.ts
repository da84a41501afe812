import { isBrokenCircuitError, isBulkheadRejectedError, isTaskCancelledError } from 'cockatiel';
import type { ErrorCategory } from './error-category-table.js';
import { categoryFromGrpcStatus, grpcStatusName, isGrpcStatusCode } from './grpc-status.js';
import { categoryFromHttpStatus, type HeadersLike, retryAfterMsFromHeaders } from './http-status.js';
import { categoryFromJsonRpcCode, jsonRpcErrorCodeName } from './json-rpc-error-code.js';
import { RESILIENCE_ERROR_CODES, ResilienceError } from './resilience-error.js';

/** Node.js socket/DNS error codes (`err.code`) and undici (`fetch`) error codes. */
const NODE_ERROR_CODE_CATEGORIES: Readonly<Record<string, ErrorCategory>> = {
  ECONNRESET: 'unavailable',
  ECONNREFUSED: 'unavailable',
  ECONNABORTED: 'unavailable',
  EPIPE: 'unavailable',
  EHOSTUNREACH: 'unavailable',
  EHOSTDOWN: 'unavailable',
  ENETUNREACH: 'unavailable',
  ENETDOWN: 'unavailable',
  EAI_AGAIN: 'unavailable', // temporary DNS failure
  // Usually a wrong host name, but also a service not yet registered in cluster DNS at start-up.
  ENOTFOUND: 'unavailable',
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  ERR_STREAM_PREMATURE_CLOSE: 'unavailable',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_SOCKET: 'unavailable',
  UND_ERR_CLOSED: 'unavailable',
  UND_ERR_DESTROYED: 'unavailable',
  UND_ERR_ABORTED: 'cancelled',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'protocol',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'protocol',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'protocol',
  UND_ERR_NOT_SUPPORTED: 'protocol',
  UND_ERR_INVALID_ARG: 'invalid_input',
  UND_ERR_INVALID_RETURN_VALUE: 'internal',
  UND_ERR_INFO: 'internal',
};

/** MCP TypeScript SDK 2.x `SdkError` codes: local failures that never crossed the wire. */
const MCP_SDK_ERROR_CODE_CATEGORIES: Readonly<Record<string, ErrorCategory>> = {
  NOT_CONNECTED: 'unavailable',
  CONNECTION_CLOSED: 'unavailable',
  SEND_FAILED: 'unavailable',
  REQUEST_TIMEOUT: 'timeout',
  ALREADY_CONNECTED: 'internal',
  NOT_INITIALIZED: 'protocol',
  CAPABILITY_NOT_SUPPORTED: 'protocol',
  INVALID_RESULT: 'protocol',
  UNSUPPORTED_RESULT_TYPE: 'protocol',
  METHOD_NOT_SUPPORTED_BY_PROTOCOL_VERSION: 'protocol',
  ERA_NEGOTIATION_FAILED: 'protocol',
  CLIENT_HTTP_AUTHENTICATION: 'unauthenticated',
  CLIENT_HTTP_FORBIDDEN: 'permission_denied',
  CLIENT_HTTP_NOT_IMPLEMENTED: 'protocol',
  CLIENT_HTTP_UNEXPECTED_CONTENT: 'protocol',
  CLIENT_HTTP_FAILED_TO_OPEN_STREAM: 'unavailable',
};

/**
 * Error names that decide the category on their own: DOMExceptions from AbortSignal, the OpenAI SDK's
 * error classes that have no HTTP status (it sets `name`-less subclasses, so `constructor.name` is
 * checked too), and errors that name themselves after a gRPC/HTTP condition.
 */
const ERROR_NAME_CATEGORIES: Readonly<Record<string, ErrorCategory>> = {
  AbortError: 'cancelled',
  TimeoutError: 'timeout',
  APIUserAbortError: 'cancelled',
  APIConnectionTimeoutError: 'timeout',
  APIConnectionError: 'unavailable',
};

/** The OpenAI SDK's `APIError` subclasses by class name, used when an instance lost its `status`. */
const OPENAI_ERROR_CLASS_CATEGORIES: Readonly<Record<string, ErrorCategory>> = {
  BadRequestError: 'invalid_input',
  AuthenticationError: 'unauthenticated',
  PermissionDeniedError: 'permission_denied',
  NotFoundError: 'not_found',
  ConflictError: 'conflict',
  UnprocessableEntityError: 'invalid_input',
  RateLimitError: 'rate_limited',
  InternalServerError: 'internal',
};

type ErrorLike = Record<string, unknown> & { message?: unknown; name?: unknown; code?: unknown };

// `fetch failed` hides the socket error in `cause` (and AggregateError in `errors`); look a few levels down.
const MAX_CAUSE_DEPTH = 4;

function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as ErrorLike).message === 'string') {
    const message = (error as ErrorLike).message as string;
    if (message !== '') return message;
  }
  if (typeof error === 'string' && error !== '') return error;
  return 'An unknown error was thrown.';
}

function names(error: ErrorLike): string[] {
  const result: string[] = [];
  if (typeof error.name === 'string') result.push(error.name);
  const constructorName = (error.constructor as { name?: unknown } | undefined)?.name;
  if (typeof constructorName === 'string' && constructorName !== error.name) result.push(constructorName);
  return result;
}

function httpStatusOf(error: ErrorLike): number | undefined {
  for (const key of ['status', 'statusCode'] as const) {
    const value = error[key];
    if (typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599) return value;
  }
  return undefined;
}

function fromKnownShape(error: ErrorLike): ResilienceError | undefined {
  const message = messageOf(error);
  if (isTaskCancelledError(error)) {
    return new ResilienceError({
      code: RESILIENCE_ERROR_CODES.CANCELLED,
      category: 'cancelled',
      message,
      cause: error,
    });
  }
  if (isBrokenCircuitError(error)) {
    return new ResilienceError({
      code: RESILIENCE_ERROR_CODES.CIRCUIT_OPEN,
      category: 'unavailable',
      message,
      cause: error,
    });
  }
  if (isBulkheadRejectedError(error)) {
    const code = RESILIENCE_ERROR_CODES.BULKHEAD_REJECTED;
    return new ResilienceError({ code, category: 'unavailable', message, cause: error });
  }
  for (const name of names(error)) {
    const category = ERROR_NAME_CATEGORIES[name];
    if (category) return new ResilienceError({ code: name, category, message, cause: error });
  }

  const status = httpStatusOf(error);
  if (status !== undefined) {
    const retryAfterMs = retryAfterMsFromHeaders(error.headers as HeadersLike | undefined);
    return new ResilienceError({
      code: `HTTP_${status}`,
      category: categoryFromHttpStatus(status),
      message,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      cause: error,
      details: { httpStatus: status },
    });
  }

  const code = error.code;
  if (typeof code === 'number' && Number.isInteger(code)) {
    // gRPC statuses are 0..16; JSON-RPC codes are negative (the spec reserves -32768..-32000).
    if (isGrpcStatusCode(code)) {
      return new ResilienceError({
        code: `GRPC_${grpcStatusName(code)}`,
        category: categoryFromGrpcStatus(code),
        message,
        cause: error,
        details: { grpcStatus: code },
      });
    }
    return new ResilienceError({
      code: `JSONRPC_${jsonRpcErrorCodeName(code) ?? code}`,
      category: categoryFromJsonRpcCode(code),
      message,
      cause: error,
      details: { jsonRpcCode: code },
    });
  }
  if (typeof code === 'string') {
    const category =
      NODE_ERROR_CODE_CATEGORIES[code] ??
      (code.startsWith('UND_ERR_') ? 'unavailable' : undefined) ??
      MCP_SDK_ERROR_CODE_CATEGORIES[code];
    if (category) return new ResilienceError({ code, category, message, cause: error });
  }

  for (const name of names(error)) {
    const category = OPENAI_ERROR_CLASS_CATEGORIES[name];
    if (category) return new ResilienceError({ code: name, category, message, cause: error });
  }
  return undefined;
}

function classifyAt(error: unknown, depth: number): ResilienceError | undefined {
  if (ResilienceError.isInstance(error)) return error;
  if (typeof error !== 'object' || error === null) return undefined;
  const known = fromKnownShape(error as ErrorLike);
  if (known) return known;
  if (depth >= MAX_CAUSE_DEPTH) return undefined;
  const inner = [
    (error as ErrorLike).cause,
    ...(Array.isArray((error as ErrorLike).errors) ? ((error as ErrorLike).errors as unknown[]) : []),
  ];
  for (const candidate of inner) {
    const found = classifyAt(candidate, depth + 1);
    if (found) {
      // Keep the outer error as the cause (it has the context: "fetch failed"), the inner one's facts.
      return new ResilienceError({
        code: found.code,
        category: found.category,
        message: `${messageOf(error)}: ${found.message}`,
        isRetryable: found.isRetryable,
        ...(found.retryAfterMs === undefined ? {} : { retryAfterMs: found.retryAfterMs }),
        cause: error,
        details: found.details,
      });
    }
  }
  return undefined;
}

/**
 * Wraps anything thrown into a `ResilienceError` (returned as is when it already is one, from any
 * copy of this package). Recognises, in order: cockatiel's own errors, AbortError/TimeoutError
 * DOMExceptions, OpenAI SDK connection errors, an HTTP `status`/`statusCode` (+ `Retry-After` from
 * `headers`), a numeric `code` (0..16 gRPC status, otherwise JSON-RPC/MCP), a string `code` (Node
 * network, undici, MCP SDK `SdkError`), OpenAI SDK class names; then the same on `cause`/`errors`.
 * Anything else is `internal` with code `UNKNOWN`.
 */
export function classifyError(error: unknown): ResilienceError {
  return (
    classifyAt(error, 0) ??
    new ResilienceError({
      code: RESILIENCE_ERROR_CODES.UNKNOWN,
      category: 'internal',
      message: messageOf(error),
      cause: error,
    })
  );
}

/** The category of anything thrown (see `classifyError`). */
export function getErrorCategory(error: unknown): ErrorCategory {
  return classifyError(error).category;
}
