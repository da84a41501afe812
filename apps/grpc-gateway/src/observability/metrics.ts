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

  // prom-client hashes the label object on every inc/observe; the children for one label set are cached
  // instead. The key space is bounded: methods are fixed and tool/backend labels are empty until the
  // tool was resolved in the catalog (unknown names never reach a label).
  private readonly inFlightByMethod = new Map<string, ReturnType<Gauge<'method'>['labels']>>();
  private readonly seriesByCall = new Map<string, CallSeries>();

  private series(method: string, tool: string, backend: string): CallSeries {
    const key = `${method}\n${tool}\n${backend}`;
    let series = this.seriesByCall.get(key);
    if (series === undefined) {
      const latency = this.latency.labels(method, tool, backend);
      const byStatus = new Map<string, ReturnType<Counter<'method' | 'tool' | 'backend' | 'status'>['labels']>>();
      const calls = (statusName: string) => {
        let counter = byStatus.get(statusName);
        if (counter === undefined) {
          counter = this.calls.labels(method, tool, backend, statusName);
          byStatus.set(statusName, counter);
        }
        return counter;
      };
      series = { latency, calls };
      this.seriesByCall.set(key, series);
    }
    return series;
  }

  /** Counts, times and tracks in-flight calls. */
  readonly interceptor: Interceptor = async (context, next) => {
    const started = performance.now();
    let inFlight = this.inFlightByMethod.get(context.method);
    if (inFlight === undefined) {
      inFlight = this.inFlight.labels(context.method);
      this.inFlightByMethod.set(context.method, inFlight);
    }
    inFlight.inc();
    let statusName = 'OK';
    try {
      await next();
    } catch (error) {
      statusName = grpcStatusName(describeFailure(error).code) ?? 'UNKNOWN';
      throw error;
    } finally {
      inFlight.dec();
      const series = this.series(context.method, context.tool ?? '', context.backend ?? '');
      series.calls(statusName).inc();
      series.latency.observe((performance.now() - started) / 1000);
    }
  };
}

interface CallSeries {
  latency: ReturnType<Histogram<'method' | 'tool' | 'backend'>['labels']>;
  calls(statusName: string): { inc(): void };
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
