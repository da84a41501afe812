import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResilienceEvent } from '@mcs/resilience';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { McpClientPool } from '../mcp-client-pool.js';
import type { ProviderConfig } from '../provider-config.js';
import { ProviderError } from '../provider-error.js';
import { type OtlpTracing, otlpTracesUrl, startOtlpTracing } from './otlp-tracing.js';
import { ProviderMetrics } from './provider-metrics.js';
import { activeTracer } from './provider-tracing.js';
import { type ObservedRequest, RequestObserver } from './request-observer.js';
import { pinoPackage, promClient } from './required-packages.js';

export interface ObservabilityOptions {
  /**
   * A pino logger for the provider's lines (each with `requestId`; `step`, `backend`, `tool` where they
   * apply). Default: silent, unless the config's `observability.logLevel` asks for JSON lines on stderr.
   */
  logger?: Logger;
  /** Record the provider's Prometheus metrics here (unless `observability.enableMetrics` is false). */
  metricsRegistry?: Registry;
}

type ObservabilityConfig = NonNullable<ProviderConfig['observability']>;

/** pino's names for the seed's level names (`WARNING`, `CRITICAL`). */
const pinoLevel = (level: NonNullable<ObservabilityConfig['logLevel']>) =>
  level === 'warning' ? 'warn' : level === 'critical' ? 'fatal' : level;

/** The provider's own logger when the caller gives none: JSON lines on stderr at `logLevel`, else silent. */
function ownLogger(config: ObservabilityConfig | undefined): Logger {
  const { pino } = pinoPackage();
  return config?.logLevel === undefined
    ? pino({ level: 'silent' })
    : pino(
        { level: pinoLevel(config.logLevel), ...(config.serviceName ? { name: config.serviceName } : {}) },
        pino.destination(2),
      );
}

/**
 * The provider's logs, traces and metrics, set from the options and the config's `observability`:
 * - logs: the caller's logger, else one at `logLevel` on stderr (named `serviceName`), else silent;
 * - traces: through `@opentelemetry/api`, only while an SDK is registered, unless `enableTracing: false`;
 *   with `otlpEndpoint`, on a tracer provider of the provider's own that exports them there instead;
 * - metrics: on the caller's registry, or on a registry of the provider's own when `enableMetrics` or
 *   `enablePrometheus` is set; `enablePrometheus` with `prometheusPort` also serves it at `/metrics`.
 */
export class ProviderObservability {
  readonly logger: Logger;
  readonly metrics: ProviderMetrics | undefined;
  readonly #tracing: boolean;
  /** The own OTLP pipeline while it loads (`otlpEndpoint` set); `#otlp` once loaded. */
  readonly otlpReady: Promise<void> | undefined;
  #otlpStart: Promise<OtlpTracing | undefined> | undefined;
  #otlp: OtlpTracing | undefined;
  #server: Server | undefined;
  /** Where `/metrics` is served (when configured); rejects when the port cannot be opened. */
  readonly metricsEndpoint: Promise<string> | undefined;

  constructor(config: ObservabilityConfig | undefined, options: ObservabilityOptions) {
    this.logger = options.logger ?? ownLogger(config);
    this.#tracing = config?.enableTracing !== false;
    if (this.#tracing && config?.otlpEndpoint !== undefined) {
      const url = otlpTracesUrl(config.otlpEndpoint);
      // Loaded now, awaited by the first request (`otlpReady`): a failure to load is logged once and
      // leaves the provider without spans rather than failing every request.
      this.#otlpStart = startOtlpTracing(url, config.serviceName ?? 'mcs-provider-sdk').then(
        (otlp) => (this.#otlp = otlp),
        (error: Error) => {
          this.logger.error({ err: error.message, otlpEndpoint: url }, 'OTLP trace exporter not started');
          return undefined;
        },
      );
      this.otlpReady = this.#otlpStart.then(() => undefined);
    }
    const wanted =
      config?.enableMetrics !== false &&
      (options.metricsRegistry !== undefined || config?.enableMetrics === true || config?.enablePrometheus === true);
    this.metrics = wanted ? new ProviderMetrics(options.metricsRegistry ?? new (promClient().Registry)()) : undefined;
    if (this.metrics && config?.enablePrometheus && config.prometheusPort !== undefined) {
      this.metricsEndpoint = this.#serve(
        this.metrics.registry,
        config.prometheusPort,
        config.prometheusHost ?? '127.0.0.1',
      );
      // Reported once here; the caller may also await `metricsEndpoint`.
      this.metricsEndpoint.catch((error: Error) => this.logger.error({ err: error.message }, 'metrics endpoint'));
    }
  }

  #serve(registry: Registry, port: number, host: string): Promise<string> {
    const server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
        response.writeHead(404).end();
        return;
      }
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: Error) => response.writeHead(500).end(error.message),
      );
    });
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (error) =>
        reject(
          new ProviderError(
            'CONFIG_INVALID',
            `observability.prometheusPort: cannot serve metrics on ${host}:${port} (${error.message})`,
            { cause: error, category: 'unavailable' },
          ),
        ),
      );
      server.listen(port, host, () => {
        const { address, port: bound } = server.address() as AddressInfo;
        resolve(`http://${address.includes(':') ? `[${address}]` : address}:${bound}/metrics`);
      });
    });
  }

  /** Wraps the caller's `onEvent`: breaker state changes feed `mcs_provider_breaker_state`. */
  onEvent(next: ((event: ResilienceEvent) => void) | undefined): ((event: ResilienceEvent) => void) | undefined {
    const metrics = this.metrics;
    if (!metrics) return next;
    return (event) => {
      if (event.type === 'circuit-state-change') metrics.circuitStateChanged(event.policy, event.to);
      next?.(event);
    };
  }

  trackPool(pool: McpClientPool | undefined): void {
    if (pool) this.metrics?.trackPool(pool);
  }

  observe(request: ObservedRequest): RequestObserver {
    const tracer = this.#tracing
      ? this.#otlp
        ? this.#otlp.tracer
        : this.#otlpStart
          ? undefined
          : activeTracer()
      : undefined;
    return new RequestObserver(this.logger, this.metrics, tracer, request);
  }

  async close(pool: McpClientPool | undefined): Promise<void> {
    if (pool) this.metrics?.untrackPool(pool);
    const server = this.#server;
    this.#server = undefined;
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    const otlp = await this.#otlpStart;
    this.#otlpStart = undefined;
    this.#otlp = undefined;
    // Flushes the batch still queued; an unreachable collector is logged, not thrown at close().
    await otlp?.shutdown().catch((error: Error) => this.logger.warn({ err: error.message }, 'OTLP trace export'));
  }
}
