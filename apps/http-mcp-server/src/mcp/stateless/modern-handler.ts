import {
  type CreateMcpHandlerOptions,
  createMcpHandler,
  type McpHttpHandler,
  McpServer,
  type McpServerFactory,
} from '@modelcontextprotocol/server';
import { shutdownCutOffResponse } from '../shared/json-rpc-errors.js';
import { StatelessEngine } from './stateless-engine.js';

/** The SDK's 2026-07-28 handler, with its long-lived listen streams closable on their own. */
export interface ModernHandler extends McpHttpHandler {
  /**
   * Ends every `subscriptions/listen` stream gracefully (the SDK writes the listen request's
   * `complete` result, the revision's "reconnect when you like" close) and refuses further listen
   * requests. Requests in flight are untouched; `close()` aborts those.
   */
  closeListenStreams(): Promise<void>;
  /** The protocol engine serving `tools/call` without the SDK's per-request machinery (the routes ask it first). */
  readonly engine: StatelessEngine;
}

export type ModernHandlerOptions = CreateMcpHandlerOptions &
  Required<Pick<CreateMcpHandlerOptions, 'bus'>> & {
    /** `Retry-After` (seconds) of the answer to a request cut off by `close()`. */
    retryAfterSeconds: number;
    /** The factory of the engine's long-lived servers (unpooled; default: the handler's). */
    engineFactory?: () => McpServer;
  };

/**
 * The status the SDK answers (with no body) a request whose exchange `close()` ended: nginx's "client
 * closed request", which no MCP client knows.
 */
const SDK_CUT_OFF_STATUS = 499;

function requestIdOf(body: unknown): string | number | null {
  const id = (body as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

function isListenRequest(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    (body as { method?: unknown }).method === 'subscriptions/listen' &&
    'id' in body
  );
}

/**
 * `createMcpHandler` twice over one factory and one event bus: `subscriptions/listen` requests go to
 * one handler, everything else to the other. The SDK's `close()` ends listen streams and aborts
 * in-flight exchanges in one step; at shutdown the streams must end at once (they never finish on
 * their own) while the exchanges get the drain time to finish, so each kind has a handler to close.
 * Routing needs the parsed body (`parsedBody`), which the app's routes always pass. A request that
 * `close()` cuts off is answered 503 with `Retry-After` and a JSON-RPC error for its id.
 */
export function createModernHandler(factory: McpServerFactory, options: ModernHandlerOptions): ModernHandler {
  const { retryAfterSeconds, engineFactory, ...handlerOptions } = options;
  const listen = createMcpHandler(factory, handlerOptions);
  const exchanges = createMcpHandler(factory, handlerOptions);
  const engine = new StatelessEngine(engineFactory ?? (() => syncServerOf(factory)), {
    keepAliveMs: handlerOptions.keepAliveMs ?? 0,
    retryAfterSeconds,
  });
  return {
    engine,
    fetch: async (request, requestOptions) => {
      if (isListenRequest(requestOptions?.parsedBody)) return listen.fetch(request, requestOptions);
      const response = await exchanges.fetch(request, requestOptions);
      if (response.status !== SDK_CUT_OFF_STATUS) return response;
      // Cut off by close() (the shutdown drain ran out; or the client left, and then nobody reads
      // this): a status and a JSON-RPC error clients know, with when to retry (on another replica).
      return shutdownCutOffResponse(requestIdOf(requestOptions?.parsedBody), retryAfterSeconds);
    },
    // Both handlers publish on the shared bus, which is what every listen stream subscribes to.
    notify: exchanges.notify,
    bus: exchanges.bus,
    closeListenStreams: () => listen.close(),
    close: async () => {
      await Promise.all([listen.close(), exchanges.close(), engine.close()]);
    },
  };
}

/** A server of `factory` for the engine, which keeps it for the process' life (the app's factory is synchronous). */
function syncServerOf(factory: McpServerFactory): McpServer {
  const server = factory({ era: 'modern' });
  if (!(server instanceof McpServer)) throw new TypeError('the stateless engine needs a synchronous McpServer factory');
  return server;
}
