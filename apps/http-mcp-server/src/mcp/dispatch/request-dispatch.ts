import {
  classifyInboundRequest,
  type JSONRPCMessage,
  type JSONRPCRequest,
  parseJSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authInfoOf } from '../../auth/request-auth-info.js';
import type { JsonRpcEndpoint } from '../plain-json/json-rpc-endpoint.js';
import type { StreamableHttpSessions } from '../sessions/streamable-http-sessions.js';
import type { DirectToolCalls } from '../shared/direct-tool-calls.js';
import { jsonRpcErrorResponse } from '../shared/json-rpc-errors.js';
import { asPlainRequest } from '../shared/plain-request.js';
import { sendJsonMessage, sendWebResponse, toWebRequest } from '../shared/web-bridge.js';
import type { Sse2024Sessions } from '../sse-2024/sse-2024-sessions.js';
import type { ModernHandler } from '../stateless/modern-handler.js';
import type { EngineCall, StatelessEngine } from '../stateless/stateless-engine.js';
import { parseJsonBody } from './parse-json-body.js';
import { isPlainSessionEraRequest } from './session-era-gate.js';

/** The POST endpoints of the MCP routes: `/mcp` (Streamable HTTP, both eras), `/messages` (2024-11-05), `/http`. */
export type McpPostEndpoint = '/mcp' | '/messages' | '/http';

/**
 * Who answers a POST, with its body as the answerer needs it (parsed once, checked once):
 *
 * - `refused`: no era's to answer (wrong media type, not JSON, not JSON-RPC where the endpoint needs it).
 * - `pure-tool`: the pure-tool shortcut's JSON answer (a 2026-07-28 call, or an `/http` call).
 * - `stateless-engine`: a 2026-07-28 `tools/call` the protocol engine takes.
 * - `stateless-sdk`: any other 2026-07-28 request, for the SDK's handler (`createMcpHandler`).
 * - `session-initialize`, `session-messages`, `session-requests`: 2025 sessions (`Mcp-Session-Id`):
 *   the handshake that opens one; notifications and responses only; requests (a pure-tool answer
 *   sent once the session is known to exist; computed here, before that check, which changes nothing:
 *   a pure tool has no effects, and an unknown session's answer is dropped for the 404).
 * - `sse-2024`: a message of a 2024-11-05 HTTP+SSE session (undefined: not JSON-RPC, refused after
 *   the session check, as that transport always answered).
 * - `plain-json`: the one request of a `POST /http`.
 */
export type Dispatch =
  | { readonly to: 'refused'; readonly response: Response }
  | { readonly to: 'pure-tool'; readonly answer: object }
  | { readonly to: 'stateless-engine'; readonly call: EngineCall }
  | { readonly to: 'stateless-sdk'; readonly body: unknown }
  | { readonly to: 'session-initialize'; readonly body: unknown }
  | { readonly to: 'session-messages'; readonly messages: readonly JSONRPCMessage[] }
  | {
      readonly to: 'session-requests';
      readonly body: unknown;
      readonly requestIds: readonly RequestId[];
      readonly pureAnswer: object | undefined;
    }
  | { readonly to: 'sse-2024'; readonly message: JSONRPCMessage | undefined }
  | { readonly to: 'plain-json'; readonly request: JSONRPCRequest };

export interface RequestDispatchOptions {
  sessions: StreamableHttpSessions;
  /** The SDK's 2026-07-28 handler and the protocol engine beside it. */
  modern: ModernHandler;
  sse2024: Sse2024Sessions;
  plainJson: JsonRpcEndpoint;
  /** The pure-tool shortcut; unset (`MCS_DIRECT_TOOL_CALLS=off`): every call goes to its era's path. */
  direct?: DirectToolCalls | undefined;
}

/** A header as a web `Headers` object would give it (repeated headers joined). */
function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function isRequestMessage(message: unknown): boolean {
  return typeof message === 'object' && message !== null && 'method' in message && 'id' in message;
}

function invalidRequest(message: string): Dispatch {
  return { to: 'refused', response: jsonRpcErrorResponse('INVALID_REQUEST', message) };
}

/**
 * The one place where a POST of the MCP routes is decided: each route calls {@link RequestDispatch.answer}
 * once; it parses the body once ({@link parseJsonBody}), reads and checks it once for the endpoint
 * ({@link decide}), and hands the typed result to the one handler that answers.
 *
 * `/mcp` carries two eras. A plain session request (no envelope, a 2025 version header or none) is
 * the 2025 era without asking the SDK's classifier ({@link isPlainSessionEraRequest}); a 2026-07-28
 * `tools/call` is the pure-tool shortcut's or the engine's when either takes it (both decide on the
 * same plain reading of the body); anything else is classified by the SDK's `classifyInboundRequest`,
 * the classifier its own handler uses: its `legacy` kind (a revision before 2026-07-28) is a session
 * request, the rest the SDK's 2026-07-28 handler's.
 */
export class RequestDispatch {
  readonly #options: RequestDispatchOptions;

  constructor(options: RequestDispatchOptions) {
    this.#options = options;
  }

  /** Decides who answers the POST and has it answered. */
  async answer(endpoint: McpPostEndpoint, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const { sessions, modern, sse2024, plainJson, direct } = this.#options;
    const dispatch = decide(endpoint, request, { engine: modern.engine, direct });
    switch (dispatch.to) {
      case 'refused':
        return sendWebResponse(reply, dispatch.response);
      case 'pure-tool':
        return sendJsonMessage(reply, dispatch.answer);
      case 'stateless-engine':
        await modern.engine.serve(dispatch.call, authInfoOf(request), reply);
        return reply;
      case 'stateless-sdk':
        return sendWebResponse(
          reply,
          await modern.fetch(toWebRequest(request, reply), {
            parsedBody: dispatch.body,
            authInfo: authInfoOf(request),
          }),
        );
      case 'session-initialize':
        return sessions.initialize(request, reply, dispatch.body);
      case 'session-messages':
        return sessions.postWithoutRequests(request, reply, dispatch.messages);
      case 'session-requests':
        return sessions.postRequests(request, reply, dispatch);
      case 'sse-2024':
        return sse2024.post(request, reply, dispatch.message);
      case 'plain-json':
        return plainJson.post(request, reply, dispatch.request);
    }
  }
}

/** What decides, besides the body and headers: the engine and the shortcut say which calls they take. */
export interface Deciders {
  engine: Pick<StatelessEngine, 'admit'>;
  direct?: DirectToolCalls | undefined;
}

/** Who answers this POST of `endpoint` (no I/O: the handlers do that); see {@link RequestDispatch}. */
export function decide(endpoint: McpPostEndpoint, request: FastifyRequest, deciders: Deciders): Dispatch {
  const parsed = parseJsonBody(request);
  if ('error' in parsed) return { to: 'refused', response: parsed.error };
  const { body } = parsed;
  switch (endpoint) {
    case '/mcp':
      return streamableHttp(request, body, deciders);
    case '/messages':
      return { to: 'sse-2024', message: jsonRpcMessageOf(body) };
    case '/http':
      return plainJson(body, deciders);
  }
}

function streamableHttp(request: FastifyRequest, body: unknown, { engine, direct }: Deciders): Dispatch {
  const plain = asPlainRequest(body);
  if (isPlainSessionEraRequest(plain, request.headers['mcp-protocol-version'])) {
    return sessionEra(request, body, direct);
  }
  const answer = direct?.answerModern(plain, request.headers);
  if (answer !== undefined) return { to: 'pure-tool', answer };
  const call = engine.admit(plain, request.headers);
  if (call !== undefined) return { to: 'stateless-engine', call };
  const route = classifyInboundRequest({
    httpMethod: 'POST',
    protocolVersionHeader: headerOf(request, 'mcp-protocol-version'),
    mcpMethodHeader: headerOf(request, 'mcp-method'),
    mcpNameHeader: headerOf(request, 'mcp-name'),
    body,
  });
  if (route.kind === 'legacy') return sessionEra(request, body, direct);
  return { to: 'stateless-sdk', body };
}

/** A POST of a 2025 session: one message or a batch, every one JSON-RPC. */
function sessionEra(request: FastifyRequest, body: unknown, direct: DirectToolCalls | undefined): Dispatch {
  const raw: unknown[] = Array.isArray(body) ? body : [body];
  if (raw.length === 0) return invalidRequest('Invalid Request: not a JSON-RPC 2.0 message');
  let messages: JSONRPCMessage[];
  try {
    messages = raw.map((message) => parseJSONRPCMessage(message));
  } catch {
    return invalidRequest('Invalid Request: not a JSON-RPC 2.0 message');
  }
  const requests = raw.filter(isRequestMessage) as Array<{ id: RequestId; method: unknown }>;
  if (requests.some((message) => message.method === 'initialize')) return { to: 'session-initialize', body };
  if (requests.length === 0) return { to: 'session-messages', messages };
  // A batch, even of one, is answered with an array: the SDK's to do, never the shortcut's.
  const pureAnswer = Array.isArray(body) ? undefined : direct?.answerSessionEra(body, request.headers);
  return { to: 'session-requests', body, requestIds: requests.map((message) => message.id), pureAnswer };
}

/** `POST /http`: exactly one JSON-RPC request. */
function plainJson(body: unknown, { direct }: Deciders): Dispatch {
  if (Array.isArray(body)) return invalidRequest('Invalid Request: send one JSON-RPC request, not a batch');
  const message = jsonRpcMessageOf(body);
  if (message === undefined) return invalidRequest('Invalid Request: not a JSON-RPC 2.0 request');
  if (!('method' in message) || !('id' in message)) {
    return invalidRequest('Invalid Request: /http takes a request (with "id" and "method")');
  }
  const answer = direct?.answerSessionEra(message);
  if (answer !== undefined) return { to: 'pure-tool', answer };
  return { to: 'plain-json', request: message };
}

function jsonRpcMessageOf(body: unknown): JSONRPCMessage | undefined {
  try {
    return parseJSONRPCMessage(body);
  } catch {
    return undefined;
  }
}
