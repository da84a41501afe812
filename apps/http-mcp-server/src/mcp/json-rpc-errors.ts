/**
 * The one table of errors the HTTP edge answers itself (the SDK answers the rest): JSON-RPC code
 * and HTTP status together, so every route maps them the same way.
 */
export const EDGE_ERRORS = {
  PARSE_ERROR: { code: -32700, status: 400 },
  INVALID_REQUEST: { code: -32600, status: 400 },
  BAD_REQUEST: { code: -32000, status: 400 },
  SESSION_NOT_FOUND: { code: -32001, status: 404 },
  NOT_FOUND: { code: -32000, status: 404 },
  REQUEST_TIMEOUT: { code: -32000, status: 408 },
  HEADERS_TOO_LARGE: { code: -32000, status: 431 },
  NOT_ACCEPTABLE: { code: -32000, status: 406 },
  UNSUPPORTED_MEDIA_TYPE: { code: -32000, status: 415 },
  PAYLOAD_TOO_LARGE: { code: -32000, status: 413 },
  METHOD_NOT_ALLOWED: { code: -32000, status: 405 },
  CONFLICT: { code: -32000, status: 409 },
  FORBIDDEN: { code: -32000, status: 403 },
  UNAVAILABLE: { code: -32603, status: 503 },
  INTERNAL_ERROR: { code: -32603, status: 500 },
} as const;

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
