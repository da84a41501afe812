import { randomUUID } from 'node:crypto';
import { createMessageBus, createSessionStore, SessionStoreError } from '@mcs/session-store';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createOAuthServer, type OAuthServer } from './auth/authorization-server/index.js';
import type { AppConfig } from './config.js';
import { createLogger } from './logger.js';
import { BusServerEventBus } from './mcp/bus-server-event-bus.js';
import { DirectToolCalls } from './mcp/direct-tool-calls.js';
import { handlerNotifier } from './mcp/handler-notifier.js';
import {
  EDGE_ERRORS,
  type EdgeErrorKind,
  jsonRpcErrorBody,
  retryAfterSecondsOf,
  STORE_RETRY_AFTER_SECONDS,
  STORE_UNAVAILABLE_MESSAGE,
} from './mcp/json-rpc-errors.js';
import { LiveSessions } from './mcp/live-sessions.js';
import type { McpContext } from './mcp/mcp-context.js';
import { MessageRouter } from './mcp/message-router.js';
import { JsonRpcEndpoint } from './mcp/plain-json/json-rpc-endpoint.js';
import { createPooledServerFactory, createServerFactory } from './mcp/server-factory.js';
import { SessionResourceSubscriptions } from './mcp/session-resource-subscriptions.js';
import { LegacySseSessions } from './mcp/sse-2024/sse-2024-sessions.js';
import { StreamRegistry } from './mcp/sse-stream.js';
import { createModernHandler } from './mcp/stateless/modern-handler.js';
import { createRequestStateSeal } from './mcp/stateless/request-state.js';
import { TaskStore } from './mcp/stateless/tasks/task-store.js';
import { StreamableHttpSessions } from './mcp/streamable-http-sessions.js';
import { pureToolsOf } from './packs/index.js';
import authorization from './plugins/authorization.js';
import dnsRebindingGuard from './plugins/dns-rebinding-guard.js';
import metrics from './plugins/metrics.js';
import rawJsonBody from './plugins/raw-json-body.js';
import { createClientErrorHandler, notFoundHandler } from './routes/fallback-errors.js';
import { healthRoutes } from './routes/health-routes.js';
import { jsonRpcRoutes } from './routes/json-rpc-routes.js';
import { mcpRoutes } from './routes/mcp-routes.js';
import { legacySseRoutes } from './routes/sse-2024-routes.js';
import upstreamCallbackRoutes from './upstream/upstream-callback-routes.js';
import { UpstreamLogin } from './upstream/upstream-login.js';
import { upstreamCredentialProvider } from './upstream/upstream-request.js';

/**
 * How often, while draining, connections that went idle are closed. Node's `server.close()` closes
 * the keep-alive connections idle when it is called; one whose request (or stream) ends later would
 * stay open until the client or the keep-alive timeout (72 s) drops it, and `close()` waits for it.
 */
const DRAIN_IDLE_SWEEP_MS = 100;

export interface BuildAppOptions {
  /** Default: a logger made from the config (pretty in a terminal). */
  logger?: Logger;
  /** Id of this replica on the message bus (default: random). */
  replicaId?: string;
}

/**
 * Composes the server: session store + message bus, the MCP routes of every revision, operations
 * routes. Returns the Fastify instance, not yet listening; `app.close()` ends streams (with a retry
 * hint), finishes in-flight requests and disconnects the store.
 *
 * Request pipeline of the MCP routes: DNS-rebinding guard (onRequest) -> body read as text, size
 * limited -> authorization (preHandler) -> route: JSON parse, era/transport dispatch -> McpServer.
 */
export async function buildApp(config: AppConfig, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const logger = options.logger ?? createLogger(config);
  const onStoreError = (error: SessionStoreError) =>
    logger.warn({ err: error, code: error.code }, 'session store error');
  const store = createSessionStore({
    redisUrl: config.redisUrl,
    // Event logs (GET and request streams) live as long as an idle session: a session that expires
    // instead of being deleted must not leave its log in Redis for the 1 h default.
    ttls: { protocolSessionIdleMs: config.sessionIdleTtlMs, eventStreamMs: config.sessionIdleTtlMs },
    onError: onStoreError,
  });
  const bus = createMessageBus({ redisUrl: config.redisUrl, onError: onStoreError });

  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.bodyLimitBytes,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    clientErrorHandler: createClientErrorHandler(logger),
  });
  app.setNotFoundHandler(notFoundHandler);

  const router = new MessageRouter(bus, logger, options.replicaId);
  const eventBus = new BusServerEventBus(bus, logger);
  const streams = new StreamRegistry();
  const liveSessions = new LiveSessions({ idleTtlMs: config.sessionIdleTtlMs });
  const subscriptions = new SessionResourceSubscriptions(
    store,
    { router, sessions: () => sessions },
    { idleTtlMs: config.sessionIdleTtlMs },
  );
  const tasks = new TaskStore(store);
  const upstreamLogin = config.upstream ? new UpstreamLogin({ config: config.upstream, store, logger }) : undefined;
  const createServer = createServerFactory({
    packs: config.toolPacks,
    context: {
      logger,
      ...(config.serviceBaseUrl ? { service: { baseUrl: config.serviceBaseUrl, confirm: config.serviceConfirm } } : {}),
      resourceSubscriptions: subscriptions,
      // Change events for 2026-07-28 listen streams on every replica (`modern` is built below).
      changes: handlerNotifier(() => modern),
      // Input-required results: `requestState` sealed with MCS_SECRET_KEYS opens on every replica.
      requestState: createRequestStateSeal({ keys: config.secretKeys }),
      // Tasks (2026-07-28 tasks extension) in the store: any replica answers for them.
      tasks,
      ...(upstreamLogin ? { upstreamLogin, credentials: upstreamCredentialProvider(upstreamLogin) } : {}),
    },
  });
  const direct = config.directToolCalls ? new DirectToolCalls(pureToolsOf(config.toolPacks)) : undefined;
  const ctx: McpContext = {
    config,
    store,
    router,
    createServer,
    streams,
    liveSessions,
    subscriptions,
    log: logger,
    direct,
  };
  const sessions = new StreamableHttpSessions(ctx);
  const modern = createModernHandler(createPooledServerFactory(createServer), {
    legacy: 'reject',
    bus: eventBus,
    keepAliveMs: config.sseKeepAliveMs,
    maxRequestBodySize: config.bodyLimitBytes,
    // The one retry hint of a shutdown (streams get it as `retry:`), in whole seconds.
    retryAfterSeconds: retryAfterSecondsOf(config.sseRetryMs),
    onerror: (error) => logger.debug({ err: error }, 'MCP request rejected'),
  });

  app.addHook('onReady', async () => {
    await Promise.all([router.start(), eventBus.start()]);
  });
  let modernGrace: NodeJS.Timeout | undefined;
  let idleSweep: NodeJS.Timeout | undefined;
  let cutOff: NodeJS.Timeout | undefined;
  // preClose runs once Fastify answers new requests with 503; then it closes the server, and the
  // onClose hooks run when every connection has ended.
  app.addHook('preClose', async () => {
    // Open streams would hold the server open forever: end them and tell clients when to retry
    // (2025 GET and resumed streams, 2024-11-05 /sse: `retry:`; 2026-07-28 listen streams: the
    // listen request's `complete` result, after which the client listens again).
    const held = { streams: streams.size, listenStreams: eventBus.listenerCount };
    streams.closeAll(config.sseRetryMs);
    void modern.closeListenStreams();
    // Other 2026-07-28 requests get half the drain time to finish; then the SDK handler aborts what is left.
    modernGrace = setTimeout(() => void modern.close(), Math.floor(config.shutdownTimeoutMs / 2));
    modernGrace.unref();
    // What is still running at three quarters of the drain time is cut off, with an answer that says
    // so and when to retry (2025 sessions, /http), leaving the last quarter for those answers to leave.
    cutOff = setTimeout(
      () => {
        const exchanges = router.cutOffExchanges();
        if (exchanges > 0) logger.warn({ exchanges }, 'shutdown: requests still running were cut off');
      },
      Math.floor((config.shutdownTimeoutMs * 3) / 4),
    );
    cutOff.unref();
    // Requests in flight keep their connections; each one is closed as soon as its answer is out.
    idleSweep = setInterval(() => app.server.closeIdleConnections(), DRAIN_IDLE_SWEEP_MS);
    idleSweep.unref();
    logger.info(held, 'shutdown: streams ended with a retry hint; finishing in-flight requests');
  });
  app.addHook('onClose', async () => {
    clearInterval(idleSweep);
    clearTimeout(modernGrace);
    clearTimeout(cutOff);
    logger.info('shutdown: connections closed; disconnecting the store');
    await modern.close();
    await Promise.allSettled([router.stop(), eventBus.stop(), tasks.stopRunning()]);
    await Promise.allSettled([store.close(), bus.close()]);
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    let kind: EdgeErrorKind;
    let message = error.message;
    if (error instanceof SessionStoreError && error.code === 'STORE_UNAVAILABLE') {
      kind = 'UNAVAILABLE';
      message = STORE_UNAVAILABLE_MESSAGE;
      reply.header('retry-after', String(STORE_RETRY_AFTER_SECONDS));
    } else if (error.statusCode === 413) {
      kind = 'PAYLOAD_TOO_LARGE';
      message = `Payload too large: bodies are limited to ${config.bodyLimitBytes} bytes`;
    } else if (error.statusCode === 415) {
      kind = 'UNSUPPORTED_MEDIA_TYPE';
    } else if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      kind = 'BAD_REQUEST';
    } else {
      kind = 'INTERNAL_ERROR';
      message = 'Internal error';
    }
    if (EDGE_ERRORS[kind].status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ err: error.message, code: error.code }, 'request refused');
    if (reply.sent || reply.raw.headersSent) return;
    return reply.code(EDGE_ERRORS[kind].status).send(jsonRpcErrorBody(kind, message));
  });

  let oauth: OAuthServer | undefined;
  try {
    if (config.auth === 'on') oauth = await createOAuthServer({ config, store, logger });
    await registerPlugins();
  } catch (error) {
    await Promise.allSettled([store.close(), bus.close()]);
    throw error;
  }
  return app as unknown as FastifyInstance;

  async function registerPlugins(): Promise<void> {
    await app.register(metrics, {
      gauges: {
        sessions: () => liveSessions.count,
        // 2025 GET/SSE streams plus 2026-07-28 listen streams (one event-bus listener each).
        streams: () => streams.size + eventBus.listenerCount,
        exchanges: () => router.liveExchanges,
        storeErrors: () => {
          const counts: Record<string, number> = {};
          for (const source of [store.errorCounts(), bus.errorCounts()]) {
            for (const [code, count] of Object.entries(source)) counts[code] = (counts[code] ?? 0) + count;
          }
          return counts;
        },
      },
    });
    await app.register(healthRoutes, { store, bus });
    if (upstreamLogin) await app.register(upstreamCallbackRoutes, { login: upstreamLogin });
    if (oauth) await app.register(oauth.routes);
    await app.register(async (mcp) => {
      await mcp.register(dnsRebindingGuard, {
        enabled: config.dnsRebindingProtection,
        allowedHosts: config.allowedHosts,
        allowedOrigins: config.allowedOrigins,
      });
      // Every log line of a session's request names the session.
      mcp.addHook('onRequest', async (request) => {
        const header = request.headers['mcp-session-id'];
        const query = (request.query as { sessionId?: unknown } | undefined)?.sessionId;
        const sessionId = typeof header === 'string' ? header : typeof query === 'string' ? query : undefined;
        // request.log is this request's own pino child (the app runs on pino): extend it, do not build another.
        if (sessionId !== undefined) (request.log as Logger).setBindings({ sessionId: sessionId.slice(0, 128) });
      });
      await mcp.register(rawJsonBody);
      await mcp.register(authorization, { mode: config.auth, oauth });
      await mcp.register(mcpRoutes, { sessions, modern, direct });
      await mcp.register(legacySseRoutes, { sessions: new LegacySseSessions(ctx) });
      await mcp.register(jsonRpcRoutes, { endpoint: new JsonRpcEndpoint(ctx) });
    });
    await app.ready();
  }
}
