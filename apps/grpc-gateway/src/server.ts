import { readFile } from 'node:fs/promises';
import type { Server as HttpServer } from 'node:http';
import { isIP } from 'node:net';
import { dirname } from 'node:path';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { ContextGatewayService, gatewayProtoFile, protoRoot } from '@mcs/protos';
import { type BackendConnection, type BackendPool, createBackendPool } from '@mcs/transports';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import type { Logger } from 'pino';
import { backendPoolConfig } from './backends/backend-pool-config.js';
import { Catalog } from './catalog/catalog.js';
import { createToolFilter } from './catalog/tool-filter.js';
import { type GatewayConfig, redactConfig } from './config.js';
import { GatewayError } from './gateway-error.js';
import { authInterceptor, createAccessControl } from './interceptors/access-control.js';
import { createLoggingInterceptor } from './interceptors/logging-interceptor.js';
import { createGatewayLogger } from './logger.js';
import { GatewayHealth } from './observability/health.js';
import { GatewayMetrics, startMetricsServer } from './observability/metrics.js';
import { startTracing } from './observability/otel-sdk.js';
import { tracingInterceptor } from './observability/tracing.js';
import { createContextGatewayService } from './services/context-gateway-service.js';
import { withTolerantDecoding } from './services/malformed-request.js';
import { ResourceWatches } from './services/resource-watches.js';
import { builtInNativeTools } from './tools/native/index.js';
import type { NativeTool } from './tools/native/native-tool.js';

export interface StartGatewayOptions {
  /** Default: pino at `config.logLevel`, JSON to stdout. */
  logger?: Logger;
  /** Native tools to serve (as `native.<name>`); default the built-in echo and ticker when `config.nativeTools`. */
  nativeTools?: readonly NativeTool[];
  /** Where `OTEL_EXPORTER_OTLP_*` settings are read from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

export interface Gateway {
  /** `host:port` the gRPC server listens on (the real port when the config asked for 0). */
  readonly address: string;
  readonly port: number;
  /** URL of the Prometheus endpoint, when `metrics.port` is set. */
  readonly metricsUrl: string | undefined;
  readonly catalog: Catalog;
  readonly metrics: GatewayMetrics;
  /** Stops accepting calls, lets running calls finish for `limits.drainTimeoutMs`, cancels the rest, closes backends. */
  close(): Promise<void>;
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

/** Builds and starts the whole gateway from a validated config. */
export async function startGateway(config: GatewayConfig, options: StartGatewayOptions = {}): Promise<Gateway> {
  const logger = options.logger ?? createGatewayLogger(config.logLevel);
  logger.info({ config: redactConfig(config) }, 'starting grpc-gateway');
  if (config.auth.mode === 'off') {
    logger.warn('auth.mode is "off": every caller may call every tool. Use this for local development only.');
  } else if (config.tls === undefined && !isLoopback(config.host)) {
    logger.warn(
      { host: config.host },
      'auth is on but TLS is not configured on a non-loopback address: bearer tokens travel in plaintext. Configure "tls".',
    );
  }

  const tracing = await startTracing(options.env ?? process.env);
  if (tracing) logger.info('OpenTelemetry tracing on: CallTool spans are exported over OTLP/HTTP');
  // The one pool of @mcs/transports: one supervised connection per backend, connected and closed together.
  const { configs, options: connectionOptions } = backendPoolConfig(config.backends);
  const pool = createBackendPool(configs, connectionOptions);
  const backends = pool.names.map((name) => pool.get(name));
  const metrics = new GatewayMetrics();
  watchBackends(backends, metrics, logger);
  const started = await pool.connectAll();
  for (const [backend, error] of Object.entries(started.failed)) {
    logger.warn({ err: error, backend }, 'backend did not start');
  }

  const catalog = new Catalog(
    new Map(
      backends.map((connection) => [
        connection.name,
        { connection, filter: createToolFilter(config.backends[connection.name]!.tools) },
      ]),
    ),
    options.nativeTools ?? (config.nativeTools ? builtInNativeTools : []),
    logger,
  );
  await catalog.refreshAll();
  const access = createAccessControl(config, logger);
  const watches = new ResourceWatches(catalog);
  const health = new GatewayHealth(backends);
  const shutdown = new AbortController();

  const server = new Server({
    'grpc.max_receive_message_length': config.limits.maxReceiveMessageBytes,
    'grpc.max_send_message_length': config.limits.maxSendMessageBytes,
  });
  server.addService(
    withTolerantDecoding(ContextGatewayService),
    createContextGatewayService(
      {
        catalog,
        watches,
        access,
        chunkBytes: config.limits.chunkBytes,
        defaultTimeoutMs: config.limits.callTimeoutMs,
        backendTimeoutMs: new Map(
          Object.entries(config.backends).flatMap(([name, backend]) =>
            backend.callTimeoutMs === undefined ? [] : [[name, backend.callTimeoutMs] as const],
          ),
        ),
      },
      {
        logger,
        shutdownSignal: shutdown.signal,
        // With auth off there is nothing to verify: the interceptor is left out of the chain.
        interceptors: [
          createLoggingInterceptor(logger),
          metrics.interceptor,
          tracingInterceptor,
          ...(access.enabled ? [authInterceptor(access)] : []),
        ],
      },
    ),
  );
  health.implementation.addToServer(server);
  const reflectionDefinition = loadSync([gatewayProtoFile, 'health.proto'], {
    includeDirs: [protoRoot, dirname(healthProtoPath)],
  });
  new ReflectionService(reflectionDefinition).addToServer(server);

  const host = isIP(config.host) === 6 ? `[${config.host}]` : config.host;
  const credentials = await createServerCredentials(config.tls);
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${config.port}`, credentials, (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
  } catch (cause) {
    throw new GatewayError('CONFIG_INVALID', `Cannot listen on ${host}:${config.port}: ${(cause as Error).message}`, {
      cause,
    });
  }
  let metricsServer: (HttpServer & { url: string }) | undefined;
  if (config.metrics.port !== undefined) {
    metricsServer = await startMetricsServer(metrics, config.metrics.host, config.metrics.port);
  }
  const address = `${host}:${port}`;
  logger.info({ address, tls: config.tls !== undefined, metrics: metricsServer?.url }, 'grpc-gateway listening');

  let closing: Promise<void> | undefined;
  return {
    address,
    port,
    metricsUrl: metricsServer?.url,
    catalog,
    metrics,
    close() {
      closing ??= (async () => {
        health.markShuttingDown();
        const drained = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
        const timer = setTimeout(() => {
          logger.warn('drain timeout passed: cancelling the calls still running');
          shutdown.abort();
          server.forceShutdown();
        }, config.limits.drainTimeoutMs);
        await drained;
        clearTimeout(timer);
        watches.close();
        catalog.close();
        await access
          .close()
          .catch((error: unknown) => logger.warn({ err: error }, 'closing the revocation store failed'));
        await closePool(pool, logger);
        await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
        await tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'flushing spans failed'));
        logger.info('grpc-gateway stopped');
      })();
      return closing;
    },
  };
}

/** Server credentials from `tls` (mutual TLS when `requireClientCert`), or plaintext without it. */
export async function createServerCredentials(tls: GatewayConfig['tls']): Promise<ServerCredentials> {
  if (tls === undefined) return ServerCredentials.createInsecure();
  const read = async (file: string, what: string) => {
    try {
      return await readFile(file);
    } catch (cause) {
      throw new GatewayError('CONFIG_INVALID', `Cannot read tls.${what} (${file}): ${(cause as Error).message}`, {
        cause,
      });
    }
  };
  const [cert, key, ca] = await Promise.all([
    read(tls.cert, 'cert'),
    read(tls.key, 'key'),
    tls.ca === undefined ? Promise.resolve(null) : read(tls.ca, 'ca'),
  ]);
  return ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], tls.requireClientCert);
}

function watchBackends(backends: readonly BackendConnection[], metrics: GatewayMetrics, logger: Logger): void {
  const breakerValues = { closed: 0, half_open: 1, open: 2 } as const;
  for (const backend of backends) {
    metrics.backendUp.set({ backend: backend.name }, 0);
    metrics.breakerState.set({ backend: backend.name }, 0);
    metrics.backendRestarts.inc({ backend: backend.name }, 0);
    backend.on('status', ({ status, previous, error }) => {
      metrics.backendUp.set({ backend: backend.name }, status === 'ready' ? 1 : 0);
      const level = status === 'failed' || status === 'restarting' ? 'warn' : 'info';
      logger[level]({ backend: backend.name, status, previous, err: error }, 'backend status changed');
    });
    backend.on('restart', ({ attempt, delayMs, reason }) => {
      metrics.backendRestarts.inc({ backend: backend.name });
      logger.warn({ backend: backend.name, attempt, delayMs, reason: reason.message }, 'backend restarting');
    });
    backend.on('breaker', ({ state }) => metrics.breakerState.set({ backend: backend.name }, breakerValues[state]));
  }
}

async function closePool(pool: BackendPool, logger: Logger): Promise<void> {
  await pool.close().catch((error: unknown) => logger.warn({ err: error }, 'closing a backend failed'));
}
