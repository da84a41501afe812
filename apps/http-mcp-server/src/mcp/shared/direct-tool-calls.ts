import {
  type CallToolResult,
  classifyInboundRequest,
  PROTOCOL_VERSION_META_KEY,
  SERVER_INFO_META_KEY,
} from '@modelcontextprotocol/server';
import type { PureTool } from '../../packs/index.js';
import { isPlainObject, isRequestId, type PlainRequest } from './plain-request.js';
import { MODERN_PROTOCOL_VERSION, SERVER_INFO } from './server-factory.js';

/** Request headers as Fastify/Node give them. */
type Headers = Readonly<Record<string, string | string[] | undefined>>;

const MAX_CACHED_ENVELOPES = 256;
const MAX_CACHED_ENVELOPE_CHARS = 4096;
/** The only keys a plain `tools/call` carries; anything else (`task`, future fields) is the SDK's to judge. */
const PLAIN_CALL_KEYS = new Set(['name', 'arguments', '_meta']);
/** Result keys the SDK would treat specially (2026-07-28 result vocabulary, multi round trip, tasks). */
const SPECIAL_RESULT_KEYS = ['_meta', 'resultType', 'task', 'inputRequests', 'requestState', 'ttlMs', 'cacheScope'];

/** What the SDK's transports require of `Accept` on a POST (else they answer 406). */
function acceptsJsonAndEventStream(headers: Headers): boolean {
  const accept = headers.accept;
  return typeof accept === 'string' && accept.includes('application/json') && accept.includes('text/event-stream');
}

/**
 * Answers `tools/call` of pure tools (`definePureTool`) without an McpServer: no server instance,
 * transport, web Request/Response or SSE stream per request, which is most of what such a call
 * costs through the SDK (see the app README's Performance section).
 *
 * It answers only when the outcome is certain to be what the SDK answers: a well-formed call of a
 * pure tool whose arguments pass its input schema and whose result is a plain, valid tool result.
 * Every other request returns `undefined` and goes through the SDK as before, which then gives its
 * own answer (validation errors, unknown tools, tool errors, header mismatches...). Pure tools may
 * run twice for one request in that case, which is harmless by their definition. A test compares
 * both paths answer for answer (test/direct-tool-calls.test.ts).
 */
export class DirectToolCalls {
  readonly #tools: ReadonlyMap<string, PureTool>;
  readonly #envelopes = new Map<string, boolean>();

  constructor(tools: ReadonlyMap<string, PureTool>) {
    this.#tools = tools;
  }

  /**
   * The JSON-RPC response to a POST of `/mcp` that is a 2026-07-28 `tools/call` of a pure tool, or
   * `undefined` when the SDK must serve it (any other request, of either era).
   *
   * Decides without running the SDK's classifier on the whole request (a third of what is left of
   * such a call): the body must have the one shape the classifier routes to the modern era as a
   * request (a plain JSON-RPC request, nothing else in it), the standard headers (SEP-2243) must
   * agree with it exactly, and its `_meta` envelope must be one the classifier accepted: verdicts
   * on envelopes are kept by their JSON text, since a client sends the same envelope every time.
   * `request` is the body as `asPlainRequest` reads it (undefined: not that shape).
   */
  answerModern(request: PlainRequest | undefined, headers: Headers): object | undefined {
    if (request?.method !== 'tools/call') return undefined;
    const { id, params } = request;
    if (!isPlainObject(params) || !isPlainObject(params._meta)) return undefined;
    if (params._meta[PROTOCOL_VERSION_META_KEY] !== MODERN_PROTOCOL_VERSION) return undefined;
    if (
      headers['mcp-protocol-version'] !== MODERN_PROTOCOL_VERSION ||
      headers['mcp-method'] !== 'tools/call' ||
      !acceptsJsonAndEventStream(headers)
    ) {
      return undefined;
    }
    if (typeof params.name !== 'string' || headers['mcp-name'] !== params.name) return undefined;
    // A call of any other tool is the engine's: decided before the envelope is looked at, so the
    // general path does not pay the shortcut's envelope check (a JSON text and a lookup per call).
    if (!this.#tools.has(params.name)) return undefined;
    if (!this.#acceptedEnvelope(params._meta)) return undefined;
    const result = this.#call(params);
    if (result === undefined) return undefined;
    return {
      jsonrpc: '2.0',
      id,
      result: { ...result, resultType: 'complete', _meta: { [SERVER_INFO_META_KEY]: SERVER_INFO } },
    };
  }

  /**
   * The JSON-RPC response to a `tools/call` of a 2025-era client (a session's request, or `/http`),
   * or `undefined` when the SDK must serve it. `headers` are checked as the SDK's Streamable HTTP
   * transport checks them (`Accept` names both JSON and SSE); `/http` passes none (it takes JSON only).
   */
  answerSessionEra(message: unknown, headers?: Headers): object | undefined {
    if (headers !== undefined && !acceptsJsonAndEventStream(headers)) return undefined;
    if (!isPlainObject(message) || message.jsonrpc !== '2.0' || message.method !== 'tools/call') return undefined;
    const id = message.id;
    if (!isRequestId(id)) return undefined;
    const params = message.params;
    if (isPlainObject(params) && isPlainObject(params._meta) && PROTOCOL_VERSION_META_KEY in params._meta) {
      // A per-request envelope on a session request: the SDK decides what that means.
      return undefined;
    }
    const result = this.#call(params);
    return result === undefined ? undefined : { jsonrpc: '2.0', id, result };
  }

  /** Whether the SDK's classifier takes `meta` as a valid 2026-07-28 envelope (asked once per distinct envelope). */
  #acceptedEnvelope(meta: Record<string, unknown>): boolean {
    // Kept without the progress token, which a client changes per request (its type is checked by
    // #call): with it in the key every call with a new token ran the classifier and filled the cache.
    const { progressToken: _token, ...envelope } = meta;
    const key = JSON.stringify(envelope);
    let accepted = key.length <= MAX_CACHED_ENVELOPE_CHARS ? this.#envelopes.get(key) : undefined;
    if (accepted === undefined) {
      const route = classifyInboundRequest({
        httpMethod: 'POST',
        protocolVersionHeader: MODERN_PROTOCOL_VERSION,
        mcpMethodHeader: 'tools/call',
        body: { jsonrpc: '2.0', id: 0, method: 'tools/call', params: { _meta: envelope } },
      });
      accepted =
        route.kind === 'modern' &&
        route.messageKind === 'request' &&
        route.classification.revision === MODERN_PROTOCOL_VERSION;
      // Bounded in count and size: clients are few and their envelopes small; a flood of distinct or
      // huge ones only costs the classifier's time (a full cache starts over).
      if (key.length <= MAX_CACHED_ENVELOPE_CHARS) {
        if (this.#envelopes.size >= MAX_CACHED_ENVELOPES) this.#envelopes.clear();
        this.#envelopes.set(key, accepted);
      }
    }
    return accepted;
  }

  #call(params: unknown): CallToolResult | undefined {
    if (!isPlainObject(params)) return undefined;
    for (const key in params) if (!PLAIN_CALL_KEYS.has(key)) return undefined;
    const tool = typeof params.name === 'string' ? this.#tools.get(params.name) : undefined;
    if (tool === undefined) return undefined;
    const meta = params._meta;
    if (meta !== undefined) {
      if (!isPlainObject(meta)) return undefined;
      const token = meta.progressToken;
      if (token !== undefined && typeof token !== 'string' && typeof token !== 'number') return undefined;
    }
    const args = params.arguments;
    if (args !== undefined && !isPlainObject(args)) return undefined;
    const input = tool.inputSchema.safeParse(args ?? {});
    if (!input.success) return undefined;
    let result: CallToolResult;
    try {
      result = tool.call(input.data);
    } catch {
      return undefined;
    }
    return isPlainResult(result, tool) ? result : undefined;
  }
}

/** A result the SDK would pass through unchanged: content present, object structured content matching the schema. */
function isPlainResult(result: CallToolResult, tool: PureTool): boolean {
  if (!isPlainObject(result) || !Array.isArray(result.content) || result.content.length === 0) return false;
  for (const key of SPECIAL_RESULT_KEYS) if (key in result) return false;
  if (result.isError === true) return false;
  const structured = result.structuredContent;
  if (structured !== undefined && !isPlainObject(structured)) return false;
  if (tool.outputSchema === undefined) return true;
  return structured !== undefined && tool.outputSchema.safeParse(structured).success;
}
