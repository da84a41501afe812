import { type Span, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { describeFailure } from '../error-status.js';
import type { Interceptor } from '../interceptors/call-context.js';

const TRACER_NAME = '@mcs/grpc-gateway';

/**
 * The gateway's tracer, or undefined while no SDK is registered: the global provider is then the API's
 * proxy, whose `getDelegateTracer` answers undefined until an SDK sets a delegate.
 */
function activeTracer(): Tracer | undefined {
  const provider = trace.getTracerProvider() as ReturnType<typeof trace.getTracerProvider> & {
    getDelegateTracer?: (name: string) => Tracer | undefined;
  };
  return typeof provider.getDelegateTracer === 'function'
    ? provider.getDelegateTracer(TRACER_NAME)
    : provider.getTracer(TRACER_NAME);
}

/**
 * One span per CallTool through `@opentelemetry/api`. Without a registered SDK no span is started
 * at all; a process that registers an OpenTelemetry SDK and exporter (for
 * example with `node --import @opentelemetry/auto-instrumentations-node/register` and
 * OTEL_EXPORTER_OTLP_ENDPOINT) gets the spans.
 */
export const tracingInterceptor: Interceptor = (context, next) => {
  if (context.method !== 'CallTool') return next();
  // Looked up per call, not once at import: the SDK may be registered later, and through another copy
  // of @opentelemetry/api (its CommonJS build), whose proxy a tracer taken early would never see.
  const tracer = activeTracer();
  // No SDK registered: skip the no-op span (and its context switch) entirely; it is per-call overhead.
  if (tracer === undefined) return next();
  return tracer.startActiveSpan('mcs.v1.ContextGateway/CallTool', async (span: Span) => {
    span.setAttribute('rpc.system', 'grpc');
    span.setAttribute('rpc.service', 'mcs.v1.ContextGateway');
    span.setAttribute('rpc.method', 'CallTool');
    span.setAttribute('mcs.call_id', context.callId);
    try {
      await next();
      span.setStatus({ code: SpanStatusCode.OK });
    } catch (error) {
      const failure = describeFailure(error);
      span.setAttribute('rpc.grpc.status_code', failure.code);
      span.setAttribute('mcs.error.category', failure.category);
      span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
      throw error;
    } finally {
      if (context.tool) span.setAttribute('mcs.tool', context.tool);
      if (context.backend) span.setAttribute('mcs.backend', context.backend);
      span.end();
    }
  });
};
