import { isPlainObject, type PlainRequest } from '../shared/plain-request.js';
import { SESSION_PROTOCOL_VERSIONS } from '../shared/server-factory.js';

/**
 * Whether the SDK's era classifier (`classifyInboundRequest`) is certain to route this POST to the
 * 2025 era, decided without running it for the common session request: a plain JSON-RPC request
 * (`request`, the body as `asPlainRequest` reads it: nothing but `jsonrpc`, `id`, `method`,
 * `params`) whose params carry no `_meta` (so no 2026-07-28 envelope claim), sent with no
 * `MCP-Protocol-Version` header or one naming a 2025-era revision. The classifier's schema checks
 * cost more than a session request's own work; `false` only means "ask the classifier". A test
 * holds this to the classifier's verdicts.
 */
export function isPlainSessionEraRequest(request: PlainRequest | undefined, protocolVersionHeader: unknown): boolean {
  if (protocolVersionHeader !== undefined && !SESSION_PROTOCOL_VERSIONS.includes(protocolVersionHeader as string)) {
    return false;
  }
  if (request === undefined) return false;
  const params = request.params;
  return params === undefined || (isPlainObject(params) && !('_meta' in params));
}
