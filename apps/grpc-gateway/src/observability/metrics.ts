import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { grpcStatusName } from '@mcs/resilience';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describeFailure } from '../error-status.js';
import type { Interceptor } from '../interceptors/call-context.js';

/** The gateway's Prometheus metrics, in their own registry (no global state). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly calls = new Counter({
    name: 'mcs_grpc_gateway_calls_total',
    help: 'Finished RPCs by method, tool, backend and gRPC status name.',
    labelNames: ['method', 'tool', 'backend', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'mcs_grpc_gateway_call_duration_seconds',
    help: 'RPC duration (for CallTool: until the last event) by method, tool and backend.',
    labelNames: ['method', 'tool', 'backend'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: 'mcs_grpc_gateway_calls_in_flight',
    help: 'RPCs running now, by method.',
    labelNames: ['method'] as const,
    registers: [this.registry],
  });
  readonly backendRestarts = new Counter({
    name: 'mcs_grpc_gateway_backend_restarts_total',
    help: 'Restarts (stdio) or reconnects (HTTP/SSE) of a backend.',
    labelNames: ['backend'] as const,
    registers: [this.registry],
  });
  readonly backendUp = new Gauge({
    name: 'mcs_grpc_gateway_backend_up',
    help: '1 when the backend session is ready, 0 otherwise.',
    labelNames: ['backend'] as const,
    registers: [this.registry],
  });
  readonly breakerState = new Gauge({
    name: 'mcs_grpc_gateway_backend_breaker_state',
    help: 'Circuit breaker per backend: 0 closed, 1 half-open, 2 open.',
    labelNames: ['backend'] as const,
    registers: [this.registry],
  });

  /** Counts, times and tracks in-flight calls. */
  readonly interceptor: Interceptor = async (context, next) => {
    const started = performance.now();
    this.inFlight.inc({ method: context.method });
    let statusName = 'OK';
    try {
      await next();
    } catch (error) {
      statusName = grpcStatusName(describeFailure(error).code) ?? 'UNKNOWN';
      throw error;
    } finally {
      this.inFlight.dec({ method: context.method });
      const labels = { method: context.method, tool: context.tool ?? '', backend: context.backend ?? '' };
      this.calls.inc({ ...labels, status: statusName });
      this.latency.observe(labels, (performance.now() - started) / 1000);
    }
  };
}

/** Serves `GET /metrics` (Prometheus text format) on its own HTTP port. */
export async function startMetricsServer(
  metrics: GatewayMetrics,
  host: string,
  port: number,
): Promise<Server & { url: string }> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found; metrics are at /metrics\n');
      return;
    }
    metrics.registry.metrics().then(
      (body) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return Object.assign(server, { url: `http://${host}:${address.port}/metrics` });
}
