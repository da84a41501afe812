import { ERROR_CATEGORY_TABLE, type ErrorCategory, JsonRpcErrorCode } from '@mcs/resilience';

/**
 * The JSON-RPC code the MCP SDK's HTTP transports put in every refusal made at the HTTP level (bad
 * header, wrong media type, unknown route, body too large, ...): -32000, the server-error code the
 * SDK 1.x called `ConnectionClosed`. Kept so that our answers equal the SDK's (the differential and
 * conformance tests compare them); clients classify these answers by their HTTP status.
 */
export const SDK_TRANSPORT_ERROR_CODE = JsonRpcErrorCode.CONNECTION_CLOSED;
/** The SDK's code for an unknown or ended `Mcp-Session-Id` (answered with 404). */
export const SDK_SESSION_NOT_FOUND_CODE = JsonRpcErrorCode.REQUEST_TIMEOUT;

export interface EdgeError {
  /** The category of `@mcs/resilience`'s taxonomy this answer belongs to. */
  readonly category: ErrorCategory;
  /** HTTP status: the category's, or a more specific status of the same category (see `edge`). */
  readonly status: number;
  /** JSON-RPC error code: the category's, or the code the SDK's transports answer the same case with. */
  readonly code: number;
}

/**
 * One row of `EDGE_ERRORS`, derived from `ERROR_CATEGORY_TABLE`: the status and code of its category
 * unless the wire says more. A `status` given here is a narrower status of the same category (405,
 * 406 and 415 are `protocol`, 408 `timeout`, 413 and 431 `invalid_input`, as `categoryFromHttpStatus`
 * reads them back); a `code` given here is the MCP SDK's for the same refusal.
 */
function edge(category: ErrorCategory, wire: { status?: number; code?: number } = {}): EdgeError {
  const row = ERROR_CATEGORY_TABLE[category];
  return { category, status: wire.status ?? row.httpStatus, code: wire.code ?? row.jsonRpcCode };
}

/**
 * The one table of errors the HTTP edge answers itself (the SDK answers the rest): JSON-RPC code
 * and HTTP status together, so every route maps them the same way. Each row names its category in
 * `@mcs/resilience`'s table, which gives the status (and, for protocol and internal errors, the code).
 */
export const EDGE_ERRORS = {
  PARSE_ERROR: edge('protocol', { code: JsonRpcErrorCode.PARSE_ERROR }),
  INVALID_REQUEST: edge('protocol'),
  BAD_REQUEST: edge('invalid_input', { code: SDK_TRANSPORT_ERROR_CODE }),
  SESSION_NOT_FOUND: edge('not_found', { code: SDK_SESSION_NOT_FOUND_CODE }),
  NOT_FOUND: edge('not_found', { code: SDK_TRANSPORT_ERROR_CODE }),
  REQUEST_TIMEOUT: edge('timeout', { status: 408, code: SDK_TRANSPORT_ERROR_CODE }),
  HEADERS_TOO_LARGE: edge('invalid_input', { status: 431, code: SDK_TRANSPORT_ERROR_CODE }),
  NOT_ACCEPTABLE: edge('protocol', { status: 406, code: SDK_TRANSPORT_ERROR_CODE }),
  UNSUPPORTED_MEDIA_TYPE: edge('protocol', { status: 415, code: SDK_TRANSPORT_ERROR_CODE }),
  PAYLOAD_TOO_LARGE: edge('invalid_input', { status: 413, code: SDK_TRANSPORT_ERROR_CODE }),
  METHOD_NOT_ALLOWED: edge('protocol', { status: 405, code: SDK_TRANSPORT_ERROR_CODE }),
  CONFLICT: edge('conflict', { code: SDK_TRANSPORT_ERROR_CODE }),
  FORBIDDEN: edge('permission_denied', { code: SDK_TRANSPORT_ERROR_CODE }),
  // The one code outside the table's mapping (which reads -32603 as `internal`): store outages have
  // answered -32603 since the first; kept for wire compatibility, clients act on the 503 + Retry-After.
  UNAVAILABLE: edge('unavailable', { code: JsonRpcErrorCode.INTERNAL_ERROR }),
  INTERNAL_ERROR: edge('internal'),
} as const satisfies Record<string, EdgeError>;

export type EdgeErrorKind = keyof typeof EDGE_ERRORS;

export function jsonRpcErrorBody(kind: EdgeErrorKind, message: string, id: string | number | null = null) {
  return { jsonrpc: '2.0' as const, error: { code: EDGE_ERRORS[kind].code, message }, id };
}

/** A web-standard JSON-RPC error Response, the shape the SDK's transports answer with. */
export function jsonRpcErrorResponse(
  kind: EdgeErrorKind,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return Response.json(jsonRpcErrorBody(kind, message), { status: EDGE_ERRORS[kind].status, headers });
}

/**
 * `Retry-After` (seconds) of a 503 for an unreachable session store: long enough for a Redis failover
 * or restart to finish, short enough that a client does not give up on a brief outage.
 */
export const STORE_RETRY_AFTER_SECONDS = 2;

/** The one message of every 503 for an unreachable session store. */
export const STORE_UNAVAILABLE_MESSAGE = 'Service unavailable: the session store is unreachable; retry later';

/** 503 with `Retry-After` and a JSON-RPC error (answering `id` when known): the store is unreachable. */
export function storeUnavailableResponse(id: string | number | null = null): Response {
  return Response.json(jsonRpcErrorBody('UNAVAILABLE', STORE_UNAVAILABLE_MESSAGE, id), {
    status: EDGE_ERRORS.UNAVAILABLE.status,
    headers: { 'retry-after': String(STORE_RETRY_AFTER_SECONDS) },
  });
}

/** The message of the answer to a request the shutdown drain cut off (every era says the same). */
export const SHUTDOWN_CUT_OFF_MESSAGE =
  'Service unavailable: the server is shutting down and stopped this request before it finished; retry it';

/** `Retry-After` (whole seconds, at least 1) of the server's one retry hint, `MCS_SSE_RETRY_MS`. */
export function retryAfterSecondsOf(retryMs: number): number {
  return Math.max(1, Math.ceil(retryMs / 1000));
}

/** 503 with `Retry-After` and a JSON-RPC error answering `id`: the request was cut off by the shutdown. */
export function shutdownCutOffResponse(id: string | number | null, retryAfterSeconds: number): Response {
  return Response.json(jsonRpcErrorBody('UNAVAILABLE', SHUTDOWN_CUT_OFF_MESSAGE, id), {
    status: EDGE_ERRORS.UNAVAILABLE.status,
    headers: { 'retry-after': String(retryAfterSeconds) },
  });
}
