import { randomUUID } from 'node:crypto';
import { createMessageBus, createSessionStore, type SessionStoreError } from '@mcs/session-store';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createOAuthServer, type OAuthServer } from './auth/authorization-server/index.js';
import type { AppConfig } from './config.js';
import { createLogger } from './logger.js';
import { RequestDispatch } from './mcp/dispatch/request-dispatch.js';
import { JsonRpcEndpoint } from './mcp/plain-json/json-rpc-endpoint.js';
import { MessageRouter } from './mcp/replicas/message-router.js';
import { LiveSessions } from './mcp/sessions/live-sessions.js';
import { SessionResourceSubscriptions } from './mcp/sessions/session-resource-subscriptions.js';
import { StreamableHttpSessions } from './mcp/sessions/streamable-http-sessions.js';
import { DirectToolCalls } from './mcp/shared/direct-tool-calls.js';
import { retryAfterSecondsOf } from './mcp/shared/json-rpc-errors.js';
import { createPooledServerFactory, createServerFactory } from './mcp/shared/server-factory.js';
import type { SessionEraContext } from './mcp/shared/session-era-context.js';
import { StreamRegistry } from './mcp/shared/sse-stream.js';
import { Sse2024Sessions } from './mcp/sse-2024/sse-2024-sessions.js';
import { BusServerEventBus } from './mcp/stateless/bus-server-event-bus.js';
import { handlerNotifier } from './mcp/stateless/handler-notifier.js';
import { createModernHandler } from './mcp/stateless/modern-handler.js';
import { createRequestStateSeal } from './mcp/stateless/request-state.js';
import { TaskStore } from './mcp/stateless/tasks/task-store.js';
import { pureToolsOf } from './packs/index.js';
import authorization from './plugins/authorization.js';
import dnsRebindingGuard from './plugins/dns-rebinding-guard.js';
import edgeErrors from './plugins/edge-errors.js';
import gracefulDrain from './plugins/graceful-drain.js';
import metrics from './plugins/metrics.js';
import rawJsonBody from './plugins/raw-json-body.js';
import { createClientErrorHandler } from './routes/fallback-errors.js';
import { healthRoutes } from './routes/health-routes.js';
import { jsonRpcRoutes } from './routes/json-rpc-routes.js';
import { mcpRoutes } from './routes/mcp-routes.js';
import { sse2024Routes } from './routes/sse-2024-routes.js';
import upstreamCallbackRoutes from './upstream/upstream-callback-routes.js';
import { UpstreamLogin } from './upstream/upstream-login.js';
import { upstreamCredentialProvider } from './upstream/upstream-request.js';

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
 * limited -> authorization (preHandler) -> route -> the dispatch step (body parsed and checked once, the
 * era's handler chosen: src/mcp/dispatch/) -> the era's handler -> McpServer.
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
  const ctx: SessionEraContext = {
    config,
    store,
    router,
    createServer,
    streams,
    liveSessions,
    subscriptions,
    log: logger,
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
    // First, at the root: every route plugin below inherits the error and not-found answers.
    await app.register(edgeErrors, { bodyLimitBytes: config.bodyLimitBytes });
    await app.register(gracefulDrain, {
      logger,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      sseRetryMs: config.sseRetryMs,
      streams,
      listenStreams: eventBus,
      stateless: modern,
      cutOffExchanges: () => router.cutOffExchanges(),
      release: async () => {
        await Promise.allSettled([router.stop(), eventBus.stop(), tasks.stopRunning()]);
        sessions.close();
        await Promise.allSettled([store.close(), bus.close()]);
      },
    });
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
      // Every POST of the routes below meets this one step, which decides who answers it.
      const sse2024 = new Sse2024Sessions(ctx);
      const dispatch = new RequestDispatch({ sessions, modern, sse2024, plainJson: new JsonRpcEndpoint(ctx), direct });
      await mcp.register(mcpRoutes, { dispatch, sessions });
      await mcp.register(sse2024Routes, { sessions: sse2024, dispatch });
      await mcp.register(jsonRpcRoutes, { dispatch });
    });
    await app.ready();
  }
}
