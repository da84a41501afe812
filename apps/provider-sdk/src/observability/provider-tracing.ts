import type { Tracer } from '@opentelemetry/api';
import { openTelemetryApi, openTelemetryRegistered } from './open-telemetry-api.js';

export const TRACER_NAME = '@mcs/provider-sdk';

/**
 * The provider's tracer, or undefined while no OpenTelemetry SDK is registered: the global provider
 * is then the API's proxy, whose `getDelegateTracer` answers undefined until an SDK sets a delegate
 * (and before anything registered at all, the API is not even loaded).
 * Looked up per request (an SDK may be registered later), so a process without one pays for no span.
 */
export function activeTracer(): Tracer | undefined {
  // Nothing registered yet: the proxy would answer undefined, and the API stays unloaded.
  if (!openTelemetryRegistered()) return undefined;
  const { trace } = openTelemetryApi();
  const provider = trace.getTracerProvider() as ReturnType<typeof trace.getTracerProvider> & {
    getDelegateTracer?: (name: string) => Tracer | undefined;
  };
  return typeof provider.getDelegateTracer === 'function'
    ? provider.getDelegateTracer(TRACER_NAME)
    : provider.getTracer(TRACER_NAME);
}

/**
 * Attribute names of the OpenTelemetry GenAI semantic conventions (gen_ai.*, still "development"
 * there, so written out rather than imported from the incubating entry point), the MCP ones, and ours.
 */
export const attributes = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  requestTemperature: 'gen_ai.request.temperature',
  requestTopP: 'gen_ai.request.top_p',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  requestSeed: 'gen_ai.request.seed',
  requestStopSequences: 'gen_ai.request.stop_sequences',
  requestStream: 'gen_ai.request.stream',
  outputType: 'gen_ai.output.type',
  responseModel: 'gen_ai.response.model',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  responseTimeToFirstChunk: 'gen_ai.response.time_to_first_chunk',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  cacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  reasoningOutputTokens: 'gen_ai.usage.reasoning.output_tokens',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolType: 'gen_ai.tool.type',
  mcpMethodName: 'mcp.method.name',
  errorType: 'error.type',
  requestId: 'mcs.request_id',
  steps: 'mcs.steps',
  step: 'mcs.step',
  backend: 'mcs.backend',
  transport: 'mcs.transport',
  errorCategory: 'mcs.error.category',
} as const;

/** `gen_ai.provider.name` for our model families (the conventions' well-known values where one fits). */
export function providerName(modelProvider: string): string {
  return modelProvider === 'openai-chat' ? 'openai' : modelProvider;
}
