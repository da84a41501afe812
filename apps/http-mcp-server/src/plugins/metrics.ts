import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricsOptions {
  /** Live counts read at scrape time. */
  gauges: {
    /** Protocol sessions live on this replica (see the `mcs_sessions` help). */
    sessions: () => number;
    /** SSE streams held open by this replica, every kind. */
    streams: () => number;
    exchanges: () => number;
    storeErrors: () => Readonly<Record<string, number>>;
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    metricsRegistry: Registry;
  }
}

/**
 * Prometheus metrics at `/metrics`: requests by route/method/status, a latency histogram, live
 * sessions/streams/exchanges, store errors. One registry per app instance (tests run several).
 */
const metrics: FastifyPluginAsync<MetricsOptions> = async (app, options) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'mcs_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'mcs_http_request_duration_seconds',
    help: 'Time to answer (for streams: to close) by route and method',
    labelNames: ['route', 'method'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [registry],
  });
  new Gauge({
    name: 'mcs_sessions',
    help: 'Protocol sessions (2025 Streamable HTTP, 2024-11-05 SSE) this replica created, served a request of or held a stream of within the session idle TTL, minus those deleted here. A session served by several replicas counts on each: the sum over replicas is an upper bound',
    registers: [registry],
    collect() {
      this.set(options.gauges.sessions());
    },
  });
  new Gauge({
    name: 'mcs_streams',
    help: 'SSE streams held open by this replica: 2025 GET /mcp and resumed streams, 2024-11-05 /sse streams, 2026-07-28 subscriptions/listen streams',
    registers: [registry],
    collect() {
      this.set(options.gauges.streams());
    },
  });
  new Gauge({
    name: 'mcs_exchanges',
    help: 'In-flight MCP exchanges (per-request servers) on this replica',
    registers: [registry],
    collect() {
      this.set(options.gauges.exchanges());
    },
  });
  new Gauge({
    name: 'mcs_store_errors',
    help: 'Session store and message bus errors by code since start',
    labelNames: ['code'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [code, count] of Object.entries(options.gauges.storeErrors())) this.set({ code }, count);
    },
  });

  app.decorate('metricsRegistry', registry);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    latency.observe({ route, method: request.method }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
};

export default fp(metrics, { fastify: '5.x', name: 'mcs-metrics' });
