import { randomUUID } from 'node:crypto';
import type { ResilienceEvent } from '@mcs/resilience';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { buildPolicy } from './build-policy.js';
import type { ClientFeatureOptions } from './client/client-features.js';
import { createSamplingHandler, type SamplingRequest, samplingGenerateRequest } from './client/sampling-handler.js';
import { createPoolFromParsed, type McpClientPool, type PoolUnavailable } from './mcp-client-pool.js';
import { checkRequest, type GenerateRequest } from './model/generate-request.js';
import type { LanguageModelV1 } from './model/language-model.js';
import type { Message } from './model/message.js';
import { type ModelCandidate, modelCandidate } from './model/model-call.js';
import { createOpenAIChatModel } from './model/openai-chat-model.js';
import { providerFailure } from './model/provider-failure.js';
import { runToolLoop } from './model/tool-loop.js';
import { type ObservabilityOptions, ProviderObservability } from './observability/provider-observability.js';
import { providerName } from './observability/provider-tracing.js';
import type { ObservedSettings } from './observability/request-observer.js';
import { type ProviderConfig, parseProviderConfig } from './provider-config.js';
import { ProviderError } from './provider-error.js';
import type { ResolveConfigOptions } from './resolve-config.js';
import type { FinishPart, FinishReason, StreamPart, ToolCallPart, ToolResultPart, Usage } from './stream-part.js';
import { strictSchema } from './tool-names.js';

export type { GenerateRequest, ResponseFormat, ToolChoice } from './model/generate-request.js';

export interface ToolCallRecord {
  call: ToolCallPart;
  result: ToolResultPart;
}

export interface GenerateResult {
  /** The final answer. */
  text: string;
  /** The model that gave it (a fallback when the ones before it were unavailable). */
  model: string;
  finishReason: FinishReason;
  /** Summed over every step. */
  usage: Usage;
  /** Each step's usage, in order. */
  stepUsage: Usage[];
  steps: number;
  /** Every tool call with its result, in the order the model asked for them. */
  toolCalls: ToolCallRecord[];
  /** MCP backends whose tools were left out (down or not answering in time); empty when all answered. */
  unavailable: PoolUnavailable[];
  /** The whole conversation including the final assistant message: pass it back to continue. */
  messages: Message[];
}

/** A request whose answer must be a JSON value matching `schema` (`responseFormat` is set from it). */
export interface GenerateObjectRequest<T> extends Omit<GenerateRequest, 'responseFormat'> {
  schema: z.ZodType<T>;
  /** Schema name for the API (`[A-Za-z0-9_-]`, default `response`). */
  schemaName?: string;
  schemaDescription?: string;
}

export interface GenerateObjectResult<T> extends GenerateResult {
  /** The answer parsed and validated by the request's zod `schema`. */
  object: T;
}

export interface Provider extends AsyncDisposable {
  /** The MCP client pool the model's tools come from (absent when the config has no `mcp`). */
  readonly pool: McpClientPool | undefined;
  /** The registry the provider's metrics are on (absent when metrics are off: see README "Observability"). */
  readonly metricsRegistry: Registry | undefined;
  /** `http://host:port/metrics` once served (`observability.enablePrometheus` + `prometheusPort`); rejects if the port cannot be opened. */
  readonly metricsEndpoint: Promise<string> | undefined;
  /** Runs the tool loop to the final answer; throws `ProviderError` on failure. */
  generate(request: GenerateRequest): Promise<GenerateResult>;
  /**
   * Structured output: asks for JSON matching the zod `schema` (JSON Schema response format, strict
   * where the schema allows it) and validates the answer with it; a non-matching answer is `OUTPUT_INVALID`.
   */
  generateObject<T>(request: GenerateObjectRequest<T>): Promise<GenerateObjectResult<T>>;
  /**
   * The same loop as a stream of typed parts. Failures end it with one `error` part (it does not
   * throw); breaking out of the loop cancels the model request and running tool calls.
   */
  generateStream(request: GenerateRequest): AsyncIterable<StreamPart>;
  /** Closes the pool (when the provider created it). */
  close(): Promise<void>;
}

export interface CreateProviderOptions extends ResolveConfigOptions, ObservabilityOptions {
  /** Use this pool instead of creating one from `mcp` (the provider then does not close it). */
  pool?: McpClientPool;
  /** Every retry/breaker decision of the model's and the pool's policies. */
  onEvent?: (event: ResilienceEvent) => void;
  /**
   * Ask this model instead of the config's OpenAI-compatible one (then `model`, `baseURL` and
   * `apiKey` are needed only for `fallbackModels` and a request's own `model`). It still runs under
   * `modelPolicy`, the deadlines and the tool loop.
   */
  languageModel?: LanguageModelV1;
  /**
   * Answers the backends' `sampling/createMessage` with this provider's model (no tools, one step),
   * each request only after this hook approved it (`false`: the backend gets "user rejected").
   * Only for the pool the provider creates (a pool passed in has its own `onSampling`).
   */
  approveSampling?: (request: SamplingRequest) => boolean | Promise<boolean>;
  /** Elicitation handler and roots for the pool the provider creates (see `McpClientPoolOptions`). */
  clientFeatures?: Omit<ClientFeatureOptions, 'onSampling'>;
}

/**
 * Model calls: retry rate limits, outages, timeouts and 5xx (honouring Retry-After): a failed model
 * request changed nothing, so retrying `internal` is safe here. No breaker unless there are
 * fallbacks (then an open breaker is a model's cooldown: it is skipped until it may be probed).
 */
const defaultModelPolicy = {
  retry: {
    maxRetries: 3,
    baseDelayMs: 250,
    maxDelayMs: 30_000,
    retryCategories: ['rate_limited', 'unavailable', 'timeout', 'internal'],
  },
  circuitBreaker: { enabled: false },
  timeout: { enabled: false },
};

const fallbackBreaker = {
  enabled: true,
  failureThreshold: 3,
  recoveryTimeoutMs: 30_000,
  failureCategories: ['rate_limited', 'unavailable', 'timeout', 'internal'],
};

/** Fails fast with the env variable to set when neither the config nor the environment has a value. */
function required(value: string | undefined, field: string, variable: string): string {
  if (value) return value;
  throw new ProviderError('CONFIG_INVALID', `invalid provider config: ${field}: not set; set ${field} or ${variable}`);
}

/**
 * The models a provider may ask, each with its own policy, made once and kept (a breaker only works
 * when shared by every call to its model); a request's own `model` gets one on first use.
 */
function modelCandidates(
  parsed: ProviderConfig,
  env: Record<string, string | undefined>,
  { onEvent, languageModel }: CreateProviderOptions,
) {
  const modelId = languageModel?.modelId ?? required(parsed.model ?? env.OPENAI_MODEL, 'model', 'OPENAI_MODEL');
  const apiKey = () => required(parsed.apiKey ?? env.OPENAI_API_KEY, 'apiKey', 'OPENAI_API_KEY');
  // Checked at once unless another model is given: a missing key should fail createProvider, not the first request.
  if (!languageModel) apiKey();
  const baseURL = parsed.baseURL ?? env.OPENAI_BASE_URL;
  const defaults =
    parsed.fallbackModels.length > 0 ? { ...defaultModelPolicy, circuitBreaker: fallbackBreaker } : defaultModelPolicy;
  const policyFor = (id: string, field: string, override?: Record<string, unknown>) =>
    buildPolicy(`model:${id}`, field, defaults, { ...parsed.modelPolicy, ...override }, onEvent);
  const candidate = (
    id: string,
    field: string,
    api: { baseURL: string | undefined; apiKey: () => string },
    override?: Record<string, unknown>,
  ): ModelCandidate =>
    modelCandidate(
      createOpenAIChatModel({
        modelId: id,
        apiKey: api.apiKey(),
        ...(api.baseURL ? { baseURL: api.baseURL } : {}),
        requestTimeoutMs: parsed.requestTimeoutMs,
      }),
      policyFor(id, field, override),
    );
  const main = { baseURL, apiKey };
  const fallbacks = parsed.fallbackModels.map((fallback, index) =>
    typeof fallback === 'string'
      ? candidate(fallback, `fallbackModels.${index}`, main)
      : candidate(
          fallback.model,
          `fallbackModels.${index}.modelPolicy`,
          { baseURL: fallback.baseURL ?? baseURL, apiKey: () => fallback.apiKey ?? apiKey() },
          fallback.modelPolicy,
        ),
  );
  const byId = new Map<string, ModelCandidate>([
    [
      modelId,
      languageModel
        ? modelCandidate(languageModel, policyFor(modelId, 'modelPolicy'))
        : candidate(modelId, 'modelPolicy', main),
    ],
  ]);
  return (requested: string | undefined): readonly ModelCandidate[] => {
    const id = requested ?? modelId;
    let first = byId.get(id);
    if (!first) {
      first = candidate(id, 'modelPolicy', main);
      byId.set(id, first);
    }
    return [first, ...fallbacks.filter((fallback) => fallback.model.modelId !== id)];
  };
}

/** The request's sampling settings as spans report them (request over config), read before validation. */
function observedSettings(request: GenerateRequest, config: ProviderConfig): ObservedSettings {
  const { stop, responseFormat } = request;
  const format = responseFormat?.type;
  return {
    temperature: request.temperature ?? config.temperature,
    topP: request.topP,
    maxTokens: request.maxTokens ?? config.maxTokens,
    seed: request.seed,
    stop: typeof stop === 'string' ? [stop] : Array.isArray(stop) ? stop : undefined,
    outputType: format === 'json' || format === 'json-schema' ? 'json' : 'text',
  };
}

/**
 * A provider over an OpenAI-compatible chat-completions model whose tools are the MCP pool's: the
 * loop (model/tool-loop.ts) asks the model, runs its tool calls through the pool and sends their
 * results back, until a final answer or `maxSteps`.
 */
export function createProvider(config: unknown, options: CreateProviderOptions = {}): Provider {
  const env = options.env ?? process.env;
  const parsed: ProviderConfig = parseProviderConfig(config, options);
  const observability = new ProviderObservability(parsed.observability, options);
  const onEvent = observability.onEvent(options.onEvent);
  const candidates = modelCandidates(parsed, env, { ...options, ...(onEvent ? { onEvent } : {}) });
  const ownsPool = options.pool === undefined && parsed.mcp !== undefined;
  const { approveSampling } = options;
  const onSampling = approveSampling
    ? createSamplingHandler({
        approve: approveSampling,
        callModel: async (input) => {
          const answer = await generate(samplingGenerateRequest(input));
          return { text: answer.text, model: answer.model, finishReason: answer.finishReason };
        },
      })
    : undefined;
  const pool =
    options.pool ??
    (parsed.mcp
      ? createPoolFromParsed(parsed.mcp, {
          ...(onEvent ? { onEvent } : {}),
          ...options.clientFeatures,
          ...(onSampling ? { onSampling } : {}),
        })
      : undefined);
  observability.trackPool(pool);
  const context = {
    config: parsed,
    pool,
    deadlines: { firstTokenTimeoutMs: parsed.firstTokenTimeoutMs, idleTimeoutMs: parsed.idleTimeoutMs },
    candidates,
  };
  let closed = false;

  async function* generateStream(request: GenerateRequest): AsyncGenerator<StreamPart, void, undefined> {
    // Our own controller: the caller's signal aborts it, and so does leaving the loop early.
    const controller = new AbortController();
    const onAbort = () => controller.abort(request.signal?.reason);
    if (request.signal?.aborted) onAbort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    let finished = false;
    const requestId = typeof request.requestId === 'string' ? request.requestId : randomUUID();
    // Only with `observability.otlpEndpoint`: the first requests wait for the exporter to be loaded.
    if (observability.otlpReady) await observability.otlpReady;
    const observer = observability.observe({
      requestId,
      model: typeof request.model === 'string' ? request.model : candidates(undefined)[0]!.model.modelId,
      providerOf: (modelId) =>
        providerName(
          candidates(request.model).find((candidate) => candidate.model.modelId === modelId)?.model.provider ??
            'unknown',
        ),
      settings: observedSettings(request, parsed),
    });
    try {
      const checked = checkRequest(request);
      if (closed) throw new ProviderError('CLOSED', 'the provider is closed: create a new one');
      yield* runToolLoop(context, checked, controller.signal, requestId, observer);
      finished = true;
    } catch (error) {
      const failure = providerFailure(error, controller.signal);
      if (failure.code === 'CANCELLED') {
        observer.part({ type: 'abort' });
        yield { type: 'abort' };
      }
      observer.part({ type: 'error', error: failure });
      yield { type: 'error', error: failure };
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
      // Stops whatever still runs when the consumer left early or it failed; after a finish nothing
      // listens any more, and an abort (its DOMException and stack) would be cost for nothing.
      if (!finished) controller.abort();
      observer.end(() => providerFailure(controller.signal.reason, controller.signal));
    }
  }

  async function generate(request: GenerateRequest): Promise<GenerateResult> {
    const toolCalls: ToolCallRecord[] = [];
    const calls = new Map<string, ToolCallPart>();
    const stepUsage: Usage[] = [];
    let finish: FinishPart | undefined;
    let unavailable: PoolUnavailable[] = [];
    for await (const part of generateStream(request)) {
      if (part.type === 'backends-unavailable') unavailable = part.unavailable;
      else if (part.type === 'step-finish') stepUsage.push(part.usage);
      else if (part.type === 'tool-call') calls.set(part.id, part);
      else if (part.type === 'tool-result') toolCalls.push({ call: calls.get(part.id)!, result: part });
      else if (part.type === 'finish') finish = part;
      else if (part.type === 'error') throw part.error;
    }
    if (!finish)
      throw new ProviderError('MODEL_FAILED', 'the model stream ended without an answer', { category: 'protocol' });
    const { text, model, finishReason, usage, steps, messages } = finish;
    return { text, model, finishReason, usage, stepUsage, steps, toolCalls, messages, unavailable };
  }

  return {
    pool,
    metricsRegistry: observability.metrics?.registry,
    metricsEndpoint: observability.metricsEndpoint,
    generateStream,
    generate,
    async generateObject<T>(request: GenerateObjectRequest<T>): Promise<GenerateObjectResult<T>> {
      const { schema, schemaName, schemaDescription, ...rest } = request;
      const jsonSchema = z.toJSONSchema(schema, { target: 'draft-7', unrepresentable: 'any' }) as Record<
        string,
        unknown
      >;
      const { $schema: _dialect, ...body } = jsonSchema;
      const strict = strictSchema(body) as Record<string, unknown> | undefined;
      const result = await generate({
        ...rest,
        responseFormat: {
          type: 'json-schema',
          schema: strict ?? body,
          strict: strict !== undefined,
          ...(schemaName === undefined ? {} : { name: schemaName }),
          ...(schemaDescription === undefined ? {} : { description: schemaDescription }),
        },
      });
      let value: unknown;
      try {
        value = JSON.parse(result.text);
      } catch (error) {
        throw new ProviderError('OUTPUT_INVALID', `the model's answer is not JSON: ${result.text.slice(0, 200)}`, {
          cause: error,
        });
      }
      const checked = schema.safeParse(value);
      if (!checked.success) {
        const problems = checked.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
        throw new ProviderError(
          'OUTPUT_INVALID',
          `the model's answer does not match the schema: ${problems.join('; ')}`,
          {
            cause: checked.error,
          },
        );
      }
      return { ...result, object: checked.data };
    },
    async close() {
      if (closed) return;
      closed = true;
      await observability.close(pool);
      if (ownsPool) await pool?.close();
    },
    [Symbol.asyncDispose]() {
      return this.close();
    },
  };
}
