/**
 * The platform's one error taxonomy and its mapping across the wire.
 *
 * Every failure anywhere in MCS is put in one of these categories, and the category decides both what
 * a caller may do about it (`retryable`) and how it leaves each protocol: the http-mcp-server answers
 * with `httpStatus` and `jsonRpcCode`, the grpc-gateway with `grpcStatus`. Keep this table the single
 * source of those numbers (tRPC keeps its `TRPC_ERROR_CODES_BY_KEY` the same way).
 *
 * Why `conflict` exists next to the ten base categories: HTTP 409/412 and gRPC ABORTED/ALREADY_EXISTS
 * mean "the request was valid but lost a race with the state of the resource". Folding them into
 * `invalid_input` would turn a 409 from a backend into a 400 at the gateway, and folding them into
 * `unavailable` would retry writes that must not be repeated blindly. A separate `resource_exhausted`
 * is not added: gRPC RESOURCE_EXHAUSTED is the wire form of `rate_limited`, and local overload (a full
 * bulkhead, an open circuit) is reported as `unavailable`, as a server would with 503.
 */
export const ERROR_CATEGORY_TABLE = {
  /** The peer asked us to slow down (quota, rate limit). Retry after `retryAfterMs` when given. */
  rate_limited: { retryable: true, httpStatus: 429, grpcStatus: 8 /* RESOURCE_EXHAUSTED */, jsonRpcCode: -32029 },
  /** The peer could not be reached or is overloaded: connection refused/reset, 502/503, open circuit, full bulkhead. */
  unavailable: { retryable: true, httpStatus: 503, grpcStatus: 14 /* UNAVAILABLE */, jsonRpcCode: -32000 },
  /** A deadline passed before the peer answered (our timeout, 504, DEADLINE_EXCEEDED, ETIMEDOUT). */
  timeout: { retryable: true, httpStatus: 504, grpcStatus: 4 /* DEADLINE_EXCEEDED */, jsonRpcCode: -32001 },
  /** The caller gave up (AbortSignal, client closed the request). Never retried: nobody waits for the result. */
  cancelled: { retryable: false, httpStatus: 499, grpcStatus: 1 /* CANCELLED */, jsonRpcCode: -32800 },
  /** The request is well formed but its arguments are wrong. The caller must change the request. */
  invalid_input: { retryable: false, httpStatus: 400, grpcStatus: 3 /* INVALID_ARGUMENT */, jsonRpcCode: -32602 },
  /** No or bad credentials. The caller must (re)authenticate. */
  unauthenticated: { retryable: false, httpStatus: 401, grpcStatus: 16 /* UNAUTHENTICATED */, jsonRpcCode: -32041 },
  /** Credentials are fine but do not allow this operation. */
  permission_denied: { retryable: false, httpStatus: 403, grpcStatus: 7 /* PERMISSION_DENIED */, jsonRpcCode: -32043 },
  /** The tool, resource, prompt or route does not exist. */
  not_found: { retryable: false, httpStatus: 404, grpcStatus: 5 /* NOT_FOUND */, jsonRpcCode: -32002 },
  /** The request lost a race with the resource's state (409, ABORTED, ALREADY_EXISTS). Retry only at a higher level. */
  conflict: { retryable: false, httpStatus: 409, grpcStatus: 10 /* ABORTED */, jsonRpcCode: -32009 },
  /** A bug or unexpected failure inside the peer (500, INTERNAL, -32603). Not retried by default: it rarely heals. */
  internal: { retryable: false, httpStatus: 500, grpcStatus: 13 /* INTERNAL */, jsonRpcCode: -32603 },
  /** A message broke the protocol: unparsable JSON-RPC, unknown method, unsupported protocol version. */
  protocol: { retryable: false, httpStatus: 400, grpcStatus: 13 /* INTERNAL */, jsonRpcCode: -32600 },
} as const satisfies Record<
  string,
  { retryable: boolean; httpStatus: number; grpcStatus: number; jsonRpcCode: number }
>;

export type ErrorCategory = keyof typeof ERROR_CATEGORY_TABLE;

/** All categories, in table order. */
export const ERROR_CATEGORIES = Object.keys(ERROR_CATEGORY_TABLE) as readonly ErrorCategory[];

/** The categories retried by default (`retryable: true` in the table). */
export const RETRYABLE_CATEGORIES = ERROR_CATEGORIES.filter(
  (category) => ERROR_CATEGORY_TABLE[category].retryable,
) as readonly ErrorCategory[];

export function isErrorCategory(value: unknown): value is ErrorCategory {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATEGORY_TABLE, value);
}

export function isRetryableCategory(category: ErrorCategory): boolean {
  return ERROR_CATEGORY_TABLE[category].retryable;
}

/** The HTTP status a server answers with for an error of this category. */
export function httpStatusForCategory(category: ErrorCategory): number {
  return ERROR_CATEGORY_TABLE[category].httpStatus;
}

/** The gRPC status code (numeric, as `@grpc/grpc-js` `status`) for an error of this category. */
export function grpcStatusForCategory(category: ErrorCategory): number {
  return ERROR_CATEGORY_TABLE[category].grpcStatus;
}

/** The JSON-RPC error code a JSON-RPC/MCP server answers with for an error of this category. */
export function jsonRpcCodeForCategory(category: ErrorCategory): number {
  return ERROR_CATEGORY_TABLE[category].jsonRpcCode;
}
