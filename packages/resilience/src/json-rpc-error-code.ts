import type { ErrorCategory } from './error-category-table.js';

/**
 * JSON-RPC 2.0 and MCP error codes this package understands. The first five are the JSON-RPC spec's;
 * -32000..-32099 is the "server error" range that MCP and its SDKs use; -32800 is LSP's
 * RequestCancelled, reused because JSON-RPC has no cancellation code. The codes marked "MCS" are the
 * ones our own servers send for categories JSON-RPC has no code for (see `ERROR_CATEGORY_TABLE`).
 */
export const JsonRpcErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** MCP SDK 1.x `ErrorCode.ConnectionClosed`. */
  CONNECTION_CLOSED: -32000,
  /** MCP SDK 1.x `ErrorCode.RequestTimeout`. Some 2025 servers also answer "Session not found" with it. */
  REQUEST_TIMEOUT: -32001,
  /** MCP: resource not found (receive-tolerated by SDK 2.x, which now sends -32602). */
  RESOURCE_NOT_FOUND: -32002,
  /** MCS: conflict. */
  CONFLICT: -32009,
  /** MCP (2026-07-28): Mcp-* header does not match the body. */
  HEADER_MISMATCH: -32020,
  /** MCP (2026-07-28): the request needs a client capability that was not declared. */
  MISSING_REQUIRED_CLIENT_CAPABILITY: -32021,
  /** MCP (2026-07-28): unknown or unsupported protocol version. */
  UNSUPPORTED_PROTOCOL_VERSION: -32022,
  /** MCS: rate limited. */
  RATE_LIMITED: -32029,
  /** MCS: unauthenticated. */
  UNAUTHENTICATED: -32041,
  /** MCP: the user must complete a URL elicitation (e.g. an upstream login) before the request can proceed. */
  URL_ELICITATION_REQUIRED: -32042,
  /** MCS: permission denied. */
  PERMISSION_DENIED: -32043,
  /** LSP RequestCancelled. */
  REQUEST_CANCELLED: -32800,
} as const;

export type JsonRpcErrorCodeName = keyof typeof JsonRpcErrorCode;

const JSON_RPC_CODE_CATEGORIES: Readonly<Record<number, ErrorCategory>> = {
  [JsonRpcErrorCode.PARSE_ERROR]: 'protocol',
  [JsonRpcErrorCode.INVALID_REQUEST]: 'protocol',
  // The peer does not implement the method: a capability/version mismatch, not a missing resource.
  [JsonRpcErrorCode.METHOD_NOT_FOUND]: 'protocol',
  [JsonRpcErrorCode.INVALID_PARAMS]: 'invalid_input',
  [JsonRpcErrorCode.INTERNAL_ERROR]: 'internal',
  [JsonRpcErrorCode.CONNECTION_CLOSED]: 'unavailable',
  [JsonRpcErrorCode.REQUEST_TIMEOUT]: 'timeout',
  [JsonRpcErrorCode.RESOURCE_NOT_FOUND]: 'not_found',
  [JsonRpcErrorCode.CONFLICT]: 'conflict',
  [JsonRpcErrorCode.HEADER_MISMATCH]: 'protocol',
  [JsonRpcErrorCode.MISSING_REQUIRED_CLIENT_CAPABILITY]: 'protocol',
  [JsonRpcErrorCode.UNSUPPORTED_PROTOCOL_VERSION]: 'protocol',
  [JsonRpcErrorCode.RATE_LIMITED]: 'rate_limited',
  [JsonRpcErrorCode.UNAUTHENTICATED]: 'unauthenticated',
  // Needs a human in the loop (open a URL, log in upstream): like 401, never retried automatically.
  [JsonRpcErrorCode.URL_ELICITATION_REQUIRED]: 'unauthenticated',
  [JsonRpcErrorCode.PERMISSION_DENIED]: 'permission_denied',
  [JsonRpcErrorCode.REQUEST_CANCELLED]: 'cancelled',
};

const JSON_RPC_CODE_NAMES = Object.fromEntries(
  Object.entries(JsonRpcErrorCode).map(([name, code]) => [code, name]),
) as Readonly<Record<number, JsonRpcErrorCodeName>>;

/** The name of a known JSON-RPC/MCP error code (`-32602` -> `INVALID_PARAMS`). */
export function jsonRpcErrorCodeName(code: number): JsonRpcErrorCodeName | undefined {
  return JSON_RPC_CODE_NAMES[code];
}

/**
 * The category of a JSON-RPC error code. Unknown codes in the server range -32000..-32099 and
 * application-defined codes are `internal`: the peer failed in a way it did not describe.
 */
export function categoryFromJsonRpcCode(code: number): ErrorCategory {
  return JSON_RPC_CODE_CATEGORIES[code] ?? 'internal';
}
