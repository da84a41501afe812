/**
 * The one table of errors the HTTP edge answers itself (the SDK answers the rest): JSON-RPC code
 * and HTTP status together, so every route maps them the same way.
 */
export const EDGE_ERRORS = {
  PARSE_ERROR: { code: -32700, status: 400 },
  INVALID_REQUEST: { code: -32600, status: 400 },
  BAD_REQUEST: { code: -32000, status: 400 },
  SESSION_NOT_FOUND: { code: -32001, status: 404 },
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
