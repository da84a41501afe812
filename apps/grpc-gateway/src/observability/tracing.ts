import { type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import { describeFailure } from '../error-status.js';
import type { Interceptor } from '../interceptors/call-context.js';

/**
 * One span per CallTool through `@opentelemetry/api`. Without a registered SDK the API is a no-op
 * (no cost beyond a function call); a process that registers an OpenTelemetry SDK and exporter (for
 * example with `node --import @opentelemetry/auto-instrumentations-node/register` and
 * OTEL_EXPORTER_OTLP_ENDPOINT) gets the spans.
 */
export const tracingInterceptor: Interceptor = (context, next) => {
  if (context.method !== 'CallTool') return next();
  // Looked up per call, not once at import: the SDK may be registered later, and through another copy
  // of @opentelemetry/api (its CommonJS build), whose proxy a tracer taken early would never see.
  const tracer = trace.getTracer('@mcs/grpc-gateway');
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
