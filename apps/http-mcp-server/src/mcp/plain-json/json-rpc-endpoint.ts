import {
  type JSONRPCRequest,
  LATEST_PROTOCOL_VERSION,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authInfoOf } from '../../auth/request-auth-info.js';
import { ExchangeTransport } from '../replicas/exchange-transport.js';
import { closeWhenDone } from '../sessions/streamable-http-sessions.js';
import { retryAfterSecondsOf, shutdownCutOffResponse } from '../shared/json-rpc-errors.js';
import type { SessionEraContext } from '../shared/session-era-context.js';
import { SessionServerCache } from '../shared/session-server-cache.js';
import { sendWebResponse, toWebRequest } from '../shared/web-bridge.js';

/** Cache key of the one client state every /http request is served with. */
const HTTP_STATE = '/http';

/**
 * `POST /http`: one JSON-RPC request in, one JSON response out, for REST-style callers. No session,
 * no stream: the request is served by a fresh server as if the client had just initialized with
 * revision 2025-11-25 and no capabilities (so tools that need sampling or elicitation refuse).
 */
export class JsonRpcEndpoint {
  readonly #ctx: SessionEraContext;
  /**
   * Idle servers already restored to the fixed /http client state (all /http requests share it), so
   * a request skips building the server and replaying the handshake. A server that served
   * `initialize` or `logging/setLevel` holds other state and is not kept. One key: as many servers
   * as concurrent /http requests commonly run (16), within the configured bounds.
   */
  readonly #servers: SessionServerCache;

  constructor(ctx: SessionEraContext) {
    this.#ctx = ctx;
    this.#servers = new SessionServerCache({ ...ctx.config.serverCache, maxPerSession: 16 });
  }

  /** Serves the one request of a `POST /http` (checked by the dispatch step: one JSON-RPC request, not a batch). */
  async post(request: FastifyRequest, reply: FastifyReply, message: JSONRPCRequest): Promise<FastifyReply> {
    const inner = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      maxRequestBodySize: this.#ctx.config.bodyLimitBytes,
    });
    const exchange = new ExchangeTransport(inner, {
      sessionId: undefined,
      router: this.#ctx.router,
      log: request.log,
      // Nobody listens: there is no stream on /http.
      sendUnrelated: async () => undefined,
    });
    const cached = message.method === 'initialize' ? undefined : this.#servers.take(HTTP_STATE, HTTP_STATE);
    const server = cached ?? this.#ctx.createServer();
    await server.connect(exchange);
    if (cached === undefined && message.method !== 'initialize') {
      await exchange.restore({
        protocolVersion: LATEST_PROTOCOL_VERSION,
        clientCapabilities: {},
        clientInfo: { name: 'http', version: '0' },
      });
    }
    // The SDK transport wants a Streamable HTTP client's headers; /http callers only speak JSON.
    const webRequest = toWebRequest(request, reply, {
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
    });
    const response = await inner.handleRequest(webRequest, { parsedBody: message, authInfo: authInfoOf(request) });
    if (exchange.wasCutOff) {
      // The shutdown cut the call off: a status and a retry hint a REST caller knows, not 200.
      await response.body?.cancel();
      closeWhenDone(exchange, server, response);
      return sendWebResponse(
        reply,
        shutdownCutOffResponse(message.id, retryAfterSecondsOf(this.#ctx.config.sseRetryMs)),
      );
    }
    closeWhenDone(exchange, server, response, () => {
      if (!exchange.changesSessionState) this.#servers.put(HTTP_STATE, HTTP_STATE, server);
    });
    return sendWebResponse(reply, response);
  }
}
