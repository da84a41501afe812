import { quoteValue } from '@mcs/resilience';
import type { Tracer } from '@opentelemetry/api';
import { ProviderError } from '../provider-error.js';
import { TRACER_NAME } from './provider-tracing.js';

/** The provider's own OTLP trace pipeline (from `observability.otlpEndpoint`). */
export interface OtlpTracing {
  readonly tracer: Tracer;
  /** Flushes the spans still queued and stops the exporter. */
  shutdown(): Promise<void>;
}

/**
 * The OTLP/HTTP traces URL for `otlpEndpoint`: `host:port` means `http://host:port/v1/traces`; a URL
 * with no path gets `/v1/traces` (as `OTEL_EXPORTER_OTLP_ENDPOINT` does), any other path is kept.
 */
export function otlpTracesUrl(endpoint: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `http://${endpoint}`;
  const url = URL.canParse(withScheme) ? new URL(withScheme) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new ProviderError(
      'CONFIG_INVALID',
      `observability.otlpEndpoint: expected host:port or an http(s) URL of an OTLP/HTTP collector, got ${quoteValue(endpoint)}`,
    );
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/traces';
  return url.href;
}

/**
 * A tracer provider of the provider's own, exporting its spans in batches to `url` over OTLP/HTTP.
 * Never registered globally: a library must not replace the application's SDK, and the provider's
 * spans need none (they are started on this tracer). The SDK packages are imported here, only when an
 * endpoint is configured, so importing the package stays light.
 */
export async function startOtlpTracing(url: string, serviceName: string): Promise<OtlpTracing> {
  const [{ BatchSpanProcessor, TracerProvider }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all(
    [
      import('@opentelemetry/sdk-trace'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
    ],
  );
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }) })],
  });
  return { tracer: provider.getTracer(TRACER_NAME), shutdown: () => provider.shutdown() };
}
