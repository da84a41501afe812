import { performance } from 'node:perf_hooks';
import type { Span, SpanStatusCode, Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { ProviderError } from '../provider-error.js';
import type { StreamPart, ToolCallPart, Usage } from '../stream-part.js';
import { openTelemetryApi } from './open-telemetry-api.js';
import type { ProviderMetrics } from './provider-metrics.js';
import { attributes as a } from './provider-tracing.js';

/** A span status code, from the API loaded once a span exists (see open-telemetry-api.ts). */
const spanStatus = (code: 'OK' | 'ERROR'): SpanStatusCode => openTelemetryApi().SpanStatusCode[code];

/** What the observer knows of a request besides its parts. */
export interface ObservedRequest {
  requestId: string;
  /** The model asked first (labels a request that fails before it starts). */
  model: string;
  /** `gen_ai.provider.name` of a model (by the id the loop names it). */
  providerOf: (modelId: string) => string;
  /** The request's sampling settings (request over config), for the model call spans. */
  settings: ObservedSettings;
}

export interface ObservedSettings {
  temperature?: number | undefined;
  topP?: number | undefined;
  maxTokens?: number | undefined;
  seed?: number | undefined;
  stop?: string[] | undefined;
  outputType: 'text' | 'json';
}

interface OpenToolCall {
  part: ToolCallPart;
  started: number;
  span: Span | undefined;
  log: Logger;
}

const usageAttributes = (usage: Usage) => ({
  [a.inputTokens]: usage.promptTokens,
  [a.outputTokens]: usage.completionTokens,
  ...(usage.cachedPromptTokens === undefined ? {} : { [a.cacheReadInputTokens]: usage.cachedPromptTokens }),
  ...(usage.reasoningTokens === undefined ? {} : { [a.reasoningOutputTokens]: usage.reasoningTokens }),
});

/** A child logger, or the logger itself when it is silent (a child per request costs for nothing then). */
const childOf = (log: Logger, bindings: Record<string, unknown>): Logger =>
  log.levelVal === Number.POSITIVE_INFINITY ? log : log.child(bindings);

const errorFields = (error: ProviderError) => ({ code: error.code, category: error.category, err: error.message });

/**
 * Watches one request's stream parts and turns them into logs, spans and metrics: every decision is
 * already a part (the loop's contract), so observing them needs no hook inside the loop, and what is
 * logged is what the caller saw. Spans get their parents explicitly (no context manager is needed):
 * `invoke_agent` for the request (a child of the caller's active span), a `chat <model>` span per
 * model call, an `execute_tool <tool>` span per tool call, both children of the request's; the work
 * itself runs in its span's context (`within`).
 */
export class RequestObserver {
  readonly #log: Logger;
  readonly #metrics: ProviderMetrics | undefined;
  readonly #tracer: Tracer | undefined;
  readonly #request: ObservedRequest;
  readonly #started = performance.now();
  #model = '';
  #span: Span | undefined;
  #stepLog: Logger | undefined;
  #stepSpan: Span | undefined;
  #stepStarted = 0;
  #firstText = false;
  readonly #tools = new Map<string, OpenToolCall>();
  #ended = false;

  constructor(log: Logger, metrics: ProviderMetrics | undefined, tracer: Tracer | undefined, request: ObservedRequest) {
    this.#log = childOf(log, { requestId: request.requestId });
    this.#metrics = metrics;
    this.#tracer = tracer;
    this.#request = request;
    this.#model = request.model;
    this.#span = tracer?.startSpan('invoke_agent', {
      kind: openTelemetryApi().SpanKind.INTERNAL,
      attributes: { [a.operationName]: 'invoke_agent', [a.requestId]: request.requestId },
    });
  }

  #child(name: string, kind: 'CLIENT' | 'INTERNAL', attributes: Record<string, string | number | boolean | string[]>) {
    if (!this.#tracer || !this.#span) return undefined;
    const { context, SpanKind, trace } = openTelemetryApi();
    return this.#tracer.startSpan(
      name,
      { kind: SpanKind[kind], attributes },
      trace.setSpan(context.active(), this.#span),
    );
  }

  /**
   * Runs `fn` (the tool listing, a model request, a tool call) in the context of the span it belongs
   * to: the tool call's (by id), else the open model call's, else the request's. What `fn` starts and
   * instruments itself (an HTTP client's spans, a transport's, the application's own) then nests
   * under that span. Needs a context manager, which every OpenTelemetry Node SDK registers; without
   * a span `fn` just runs.
   */
  within<T>(fn: () => T, toolCallId?: string): T {
    const span =
      (toolCallId === undefined ? undefined : this.#tools.get(toolCallId)?.span) ?? this.#stepSpan ?? this.#span;
    if (!span) return fn();
    const { context, trace } = openTelemetryApi();
    return context.with(trace.setSpan(context.active(), span), fn);
  }

  /** Called with every part, before the consumer gets it. Must stay cheap for text deltas. */
  part(part: StreamPart): void {
    switch (part.type) {
      case 'text-delta':
        if (!this.#firstText) this.#firstTextSeen();
        return;
      case 'start':
        this.#model = part.model;
        this.#span?.setAttributes({
          [a.requestModel]: part.model,
          [a.providerName]: this.#request.providerOf(part.model),
        });
        this.#log.debug({ model: part.model, tools: part.tools.length }, 'generate started');
        return;
      case 'backends-unavailable':
        for (const { backend, status } of part.unavailable)
          this.#log.warn({ backend, status }, 'backend left out of the tools');
        return;
      case 'step-start':
        this.#stepStarted = performance.now();
        this.#firstText = false;
        this.#stepLog = childOf(this.#log, { step: part.step });
        this.#stepSpan = this.#child(`chat ${part.model}`, 'CLIENT', {
          ...this.#requestAttributes(part.model),
          [a.step]: part.step,
        });
        this.#stepLog.debug({ model: part.model }, 'model call started');
        return;
      case 'retry':
        if (part.target === 'model') {
          this.#stepSpan?.addEvent('retry', {
            attempt: part.attempt,
            delay_ms: part.delayMs,
            [a.errorCategory]: part.category,
            [a.requestModel]: part.model,
          });
          this.#metrics?.retries.inc({ target: 'model', name: part.model, category: part.category });
          this.#stepLog?.warn(
            { model: part.model, attempt: part.attempt, delayMs: part.delayMs, ...errorFields(part.error) },
            'model call retried',
          );
        } else {
          const call = this.#tools.get(part.id);
          call?.span?.addEvent('retry', {
            attempt: part.attempt,
            delay_ms: part.delayMs,
            [a.errorCategory]: part.category,
          });
          this.#metrics?.retries.inc({ target: 'tool', name: part.backend, category: part.category });
          (call?.log ?? this.#log).warn(
            { attempt: part.attempt, delayMs: part.delayMs, ...errorFields(part.error) },
            'tool call retried',
          );
        }
        return;
      case 'model-fallback':
        this.#stepSpan?.addEvent('model_fallback', {
          from: part.from,
          to: part.to,
          [a.errorCategory]: part.error.category,
        });
        this.#metrics?.fallbacks.inc({ from: part.from, to: part.to });
        this.#stepLog?.warn({ from: part.from, to: part.to, ...errorFields(part.error) }, 'model fallback');
        return;
      case 'step-finish': {
        const span = this.#stepSpan;
        span?.setAttributes({
          [a.responseModel]: part.model,
          [a.responseFinishReasons]: [part.finishReason],
          ...usageAttributes(part.usage),
        });
        span?.setStatus({ code: spanStatus('OK') });
        span?.end();
        this.#stepSpan = undefined;
        this.#metrics?.tokens.inc({ model: part.model, type: 'input' }, part.usage.promptTokens);
        this.#metrics?.tokens.inc({ model: part.model, type: 'output' }, part.usage.completionTokens);
        this.#stepLog?.debug(
          { model: part.model, finishReason: part.finishReason, toolCalls: part.toolCalls, usage: part.usage },
          'model call finished',
        );
        return;
      }
      case 'tool-call': {
        const backend = part.backend ?? '';
        const log = childOf(this.#log, { step: part.step, backend, tool: part.name, toolCallId: part.id });
        const span = this.#child(`execute_tool ${part.name}`, 'INTERNAL', {
          [a.operationName]: 'execute_tool',
          [a.toolName]: part.name,
          [a.toolCallId]: part.id,
          // An MCP tool runs outside the agent, on a server it talks to: an "extension" in the conventions.
          [a.toolType]: 'extension',
          [a.mcpMethodName]: 'tools/call',
          [a.step]: part.step,
          ...(part.backend === undefined ? {} : { [a.backend]: part.backend }),
          ...(part.transport === undefined ? {} : { [a.transport]: part.transport }),
        });
        this.#tools.set(part.id, { part, started: performance.now(), span, log });
        log.debug({ transport: part.transport }, 'tool call started');
        return;
      }
      case 'tool-error': {
        const call = this.#tools.get(part.id);
        call?.span?.setAttributes({ [a.errorType]: part.error.code, [a.errorCategory]: part.error.category });
        (call?.log ?? this.#log).warn(errorFields(part.error), 'tool call failed');
        return;
      }
      case 'tool-result': {
        const call = this.#tools.get(part.id);
        this.#tools.delete(part.id);
        const backend = part.backend ?? '';
        const status = part.error ? part.error.category : part.isError ? 'tool_error' : 'ok';
        const seconds = call ? (performance.now() - call.started) / 1000 : 0;
        this.#metrics?.toolCalls.inc({ backend, status });
        this.#metrics?.toolCallDuration.observe({ backend }, seconds);
        if (call?.span) {
          if (status === 'ok') call.span.setStatus({ code: spanStatus('OK') });
          else {
            if (!part.error) call.span.setAttribute(a.errorType, 'tool_error');
            call.span.setStatus({
              code: spanStatus('ERROR'),
              message: part.error?.message ?? 'the tool answered isError',
            });
          }
          call.span.end();
        }
        (call?.log ?? this.#log).debug({ status, durationMs: Math.round(seconds * 1000) }, 'tool call finished');
        return;
      }
      case 'finish': {
        this.#ended = true;
        const seconds = (performance.now() - this.#started) / 1000;
        this.#span?.setAttributes({
          [a.responseModel]: part.model,
          [a.responseFinishReasons]: [part.finishReason],
          [a.steps]: part.steps,
          ...usageAttributes(part.usage),
        });
        this.#span?.setStatus({ code: spanStatus('OK') });
        this.#metrics?.requests.inc({ model: this.#model, status: 'ok' });
        this.#metrics?.requestDuration.observe({ model: this.#model }, seconds);
        this.#log.info(
          { model: part.model, steps: part.steps, usage: part.usage, durationMs: Math.round(seconds * 1000) },
          'generate finished',
        );
        return;
      }
      case 'error':
        this.#failed(part.error);
        return;
      default:
        return;
    }
  }

  #firstTextSeen() {
    this.#firstText = true;
    const seconds = (performance.now() - this.#stepStarted) / 1000;
    this.#stepSpan?.setAttribute(a.responseTimeToFirstChunk, seconds);
    this.#metrics?.timeToFirstToken.observe({ model: this.#model }, seconds);
  }

  #requestAttributes(model: string) {
    const { temperature, topP, maxTokens, seed, stop, outputType } = this.#request.settings;
    return {
      [a.operationName]: 'chat',
      [a.providerName]: this.#request.providerOf(model),
      [a.requestModel]: model,
      [a.requestStream]: true,
      [a.outputType]: outputType,
      ...(temperature === undefined ? {} : { [a.requestTemperature]: temperature }),
      ...(topP === undefined ? {} : { [a.requestTopP]: topP }),
      ...(maxTokens === undefined ? {} : { [a.requestMaxTokens]: maxTokens }),
      ...(seed === undefined ? {} : { [a.requestSeed]: seed }),
      ...(stop === undefined ? {} : { [a.requestStopSequences]: stop }),
    };
  }

  #failed(error: ProviderError) {
    if (this.#ended) return;
    this.#ended = true;
    const cancelled = error.code === 'CANCELLED';
    const status = cancelled ? 'cancelled' : error.category;
    const seconds = (performance.now() - this.#started) / 1000;
    this.#metrics?.requests.inc({ model: this.#model, status });
    this.#metrics?.requestDuration.observe({ model: this.#model }, seconds);
    for (const span of [this.#stepSpan, this.#span]) {
      span?.setAttributes({ [a.errorType]: error.code, [a.errorCategory]: error.category });
      span?.setStatus({ code: spanStatus('ERROR'), message: error.message });
    }
    if (cancelled) this.#log.info({ durationMs: Math.round(seconds * 1000) }, 'generate cancelled');
    else this.#log.warn({ ...errorFields(error), durationMs: Math.round(seconds * 1000) }, 'generate failed');
  }

  /**
   * The stream is over (finished, failed, or the consumer left the loop: then it counts as cancelled);
   * every span still open ends here.
   */
  end(cancelledBy: () => ProviderError): void {
    if (!this.#ended) this.#failed(cancelledBy());
    for (const call of this.#tools.values()) {
      call.span?.setStatus({ code: spanStatus('ERROR'), message: 'the request ended before the tool answered' });
      call.span?.end();
    }
    this.#tools.clear();
    this.#stepSpan?.end();
    this.#span?.end();
  }
}
