import type { ResilienceEvent, ResiliencePolicy } from '@mcs/resilience';
import { retryAsyncIterable } from '@mcs/resilience';
import type { ProgressUpdate } from '@mcs/transports';
import OpenAI from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { z } from 'zod';
import { buildPolicy } from './build-policy.js';
import { createPoolFromParsed, type McpClientPool, type PoolUnavailable } from './mcp-client-pool.js';
import { type ProviderConfig, parseProviderConfig } from './provider-config.js';
import { ProviderError } from './provider-error.js';
import type { ResolveConfigOptions } from './resolve-config.js';
import type {
  BackendsUnavailablePart,
  FinishPart,
  FinishReason,
  StreamPart,
  ToolCallPart,
  ToolProgressPart,
  ToolResultPart,
  ToolRetryPart,
  Usage,
} from './stream-part.js';
import { toResilienceError } from './to-resilience-error.js';
import { toolMessageContent } from './tool-message.js';
import { buildToolNames, type ToolNameMap } from './tool-names.js';

/** One request: a `prompt` (one user message) or a whole conversation in `messages`. */
export interface GenerateRequest {
  prompt?: string;
  /** OpenAI chat messages; the provider's `system` goes first unless `system` is given here. */
  messages?: ChatCompletionMessageParam[];
  /** Replaces the config's system message for this request. */
  system?: string;
  /** Stops the model request, running MCP calls and retry waits; the result is a `CANCELLED` error. */
  signal?: AbortSignal;
  /** Overrides the config's `maxSteps`. */
  maxSteps?: number;
  temperature?: number;
  maxTokens?: number;
  /** Pool tool names (`<backend>.<tool>`) the model may use; default every tool; `[]` none. */
  tools?: string[];
}

const RequestSchema = z
  .object({
    prompt: z.string().optional(),
    messages: z.array(z.looseObject({ role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']) })).optional(),
    system: z.string().optional(),
    signal: z.instanceof(AbortSignal).optional(),
    maxSteps: z.number().int().min(1).max(100).optional(),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().positive().optional(),
    tools: z.array(z.string()).optional(),
  })
  .strict()
  .refine((request) => request.prompt !== undefined || (request.messages?.length ?? 0) > 0, {
    message: 'give a prompt or at least one message',
  });

export interface ToolCallRecord {
  call: ToolCallPart;
  result: ToolResultPart;
}

export interface GenerateResult {
  /** The final answer. */
  text: string;
  finishReason: FinishReason;
  usage: Usage;
  steps: number;
  /** Every tool call with its result, in the order the model asked for them. */
  toolCalls: ToolCallRecord[];
  /** MCP backends whose tools were left out (down or not answering in time); empty when all answered. */
  unavailable: PoolUnavailable[];
  /** The whole conversation including the final assistant message: pass it back to continue. */
  messages: ChatCompletionMessageParam[];
}

export interface Provider extends AsyncDisposable {
  /** The MCP client pool the model's tools come from (absent when the config has no `mcp`). */
  readonly pool: McpClientPool | undefined;
  /** Runs the tool loop to the final answer; throws `ProviderError` on failure. */
  generate(request: GenerateRequest): Promise<GenerateResult>;
  /**
   * The same loop as a stream of typed parts. Failures end it with one `error` part (it does not
   * throw); breaking out of the loop cancels the model request and running tool calls.
   */
  generateStream(request: GenerateRequest): AsyncIterable<StreamPart>;
  /** Closes the pool (when the provider created it). */
  close(): Promise<void>;
}

export interface CreateProviderOptions extends ResolveConfigOptions {
  /** Use this pool instead of creating one from `mcp` (the provider then does not close it). */
  pool?: McpClientPool;
  /** Every retry/breaker decision of the model's and the pool's policies. */
  onEvent?: (event: ResilienceEvent) => void;
}

/**
 * Model calls: retry rate limits, outages, timeouts and 5xx (honouring Retry-After): a failed model
 * request changed nothing, so retrying `internal` is safe here. No breaker by default.
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

const finishReasons = new Set<string>(['stop', 'length', 'content_filter', 'tool_calls', 'function_call']);

function providerFailure(error: unknown, signal: AbortSignal): ProviderError {
  if (ProviderError.isInstance(error)) return error;
  if (signal.aborted) return new ProviderError('CANCELLED', 'the request was cancelled', { cause: signal.reason });
  const classified = toResilienceError(error);
  if (classified.category === 'cancelled')
    return new ProviderError('CANCELLED', 'the request was cancelled', { cause: error });
  return new ProviderError('MODEL_FAILED', `the model API failed (${classified.code}): ${classified.message}`, {
    category: classified.category,
    cause: classified.cause ?? error,
  });
}

/** The model's arguments text as an object, or why it is not one (sent back to the model). */
function parseToolArguments(text: string): { args: Record<string, unknown>; error?: string } {
  if (text.trim() === '') return { args: {} };
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return { args: value as Record<string, unknown> };
    return { args: {}, error: `must be a JSON object, got: ${text}` };
  } catch (error) {
    return { args: {}, error: `are not valid JSON (${(error as Error).message}): ${text}` };
  }
}

/**
 * The messages of one request with exactly one system message first. A continued conversation (a
 * previous result's `messages`) already starts with one: it is kept, unless the request's own
 * `system` replaces it; the config's `system` goes only before a conversation without one.
 */
function conversation(request: GenerateRequest, configSystem: string | undefined): ChatCompletionMessageParam[] {
  const given = request.messages ?? [];
  let start = 0;
  while (given[start]?.role === 'system') start++;
  const system = request.system ?? configSystem;
  const keepGiven = request.system === undefined && start > 0;
  return [
    ...(keepGiven ? given.slice(0, start) : system ? [{ role: 'system' as const, content: system }] : []),
    ...given.slice(start),
    ...(request.prompt !== undefined ? [{ role: 'user' as const, content: request.prompt }] : []),
  ];
}

/** Fails fast with the env variable to set when neither the config nor the environment has a value. */
function required(value: string | undefined, field: string, variable: string): string {
  if (value) return value;
  throw new ProviderError('CONFIG_INVALID', `invalid provider config: ${field}: not set; set ${field} or ${variable}`);
}

/**
 * A provider over an OpenAI-compatible chat-completions model whose tools are the MCP pool's: the
 * model's tool calls run through the pool (in parallel when it asks for several) and their results
 * go back to it, until a final answer or `maxSteps`.
 */
export function createProvider(config: unknown, options: CreateProviderOptions = {}): Provider {
  const env = options.env ?? process.env;
  const parsed: ProviderConfig = parseProviderConfig(config, options);
  const model = required(parsed.model ?? env.OPENAI_MODEL, 'model', 'OPENAI_MODEL');
  const apiKey = required(parsed.apiKey ?? env.OPENAI_API_KEY, 'apiKey', 'OPENAI_API_KEY');
  const baseURL = parsed.baseURL ?? env.OPENAI_BASE_URL;
  const modelPolicy: ResiliencePolicy = buildPolicy(
    `model:${model}`,
    'modelPolicy',
    defaultModelPolicy,
    parsed.modelPolicy,
    options.onEvent,
  );
  // The policy retries; the client's own retries would multiply them and ignore our categories.
  const client = new OpenAI({
    apiKey,
    ...(baseURL ? { baseURL } : {}),
    maxRetries: 0,
    timeout: parsed.requestTimeoutMs,
  });
  const ownsPool = options.pool === undefined && parsed.mcp !== undefined;
  const pool =
    options.pool ??
    (parsed.mcp ? createPoolFromParsed(parsed.mcp, options.onEvent ? { onEvent: options.onEvent } : {}) : undefined);
  let closed = false;

  async function toolsFor(
    request: GenerateRequest,
    signal: AbortSignal,
  ): Promise<ToolNameMap & { unavailable: PoolUnavailable[] }> {
    if (!pool || request.tools?.length === 0) return { tools: [], toPool: new Map(), unavailable: [] };
    const { tools: all, unavailable } = await pool.listTools({ signal });
    const allowed = request.tools ? new Set(request.tools) : undefined;
    return { ...buildToolNames(allowed ? all.filter((tool) => allowed.has(tool.name)) : all), unavailable };
  }

  async function runTool(
    call: ToolCallPart,
    argumentsError: string | undefined,
    signal: AbortSignal,
    onProgress: (update: ProgressUpdate) => void,
    onRetry: (retry: { attempt: number; delayMs: number; error: ProviderError }) => void,
  ): Promise<ToolResultPart> {
    const base = { type: 'tool-result' as const, step: call.step, id: call.id, name: call.name };
    const failed = (error: ProviderError): ToolResultPart => ({
      ...base,
      isError: true,
      parts: [],
      content: `Error: ${error.message}`,
      error,
    });
    if (argumentsError !== undefined) {
      return failed(
        new ProviderError('TOOL_ARGUMENTS_INVALID', `the arguments of ${call.modelToolName} ${argumentsError}`),
      );
    }
    if (!pool) return failed(new ProviderError('UNKNOWN_BACKEND', `no MCP pool is configured for tool ${call.name}`));
    try {
      const result = await pool.callTool(call.name, call.args, { signal, onProgress, onRetry });
      return { ...base, isError: result.isError, parts: result.parts, content: toolMessageContent(result.parts) };
    } catch (error) {
      // A cancelled request stops the loop; any other failure is the model's to handle.
      if (signal.aborted) throw error;
      return failed(providerFailure(error, signal));
    }
  }

  /**
   * Runs one step's tool calls at once and yields their progress as it arrives, then their results
   * in the order the model asked for them.
   */
  async function* runTools(
    parts: ToolCallPart[],
    argumentsErrors: (string | undefined)[],
    signal: AbortSignal,
  ): AsyncGenerator<ToolProgressPart | ToolRetryPart, ToolResultPart[], undefined> {
    const progress: (ToolProgressPart | ToolRetryPart)[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    const running = Promise.all(
      parts.map((part, index) =>
        runTool(
          part,
          argumentsErrors[index],
          signal,
          (update) => {
            progress.push({ type: 'tool-progress', step: part.step, id: part.id, name: part.name, ...update });
            notify();
          },
          ({ attempt, delayMs, error }) => {
            const { step, id, name } = part;
            const backend = error.backend ?? name.slice(0, name.indexOf('.'));
            const category = error.category;
            progress.push({
              type: 'retry',
              target: 'tool',
              step,
              id,
              name,
              backend,
              attempt,
              delayMs,
              category,
              error,
            });
            notify();
          },
        ),
      ),
    );
    const settle = () => {
      done = true;
      notify();
    };
    running.then(settle, settle);
    for (;;) {
      while (progress.length > 0) yield progress.shift()!;
      if (done) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    return running;
  }

  async function* loop(request: GenerateRequest, signal: AbortSignal): AsyncGenerator<StreamPart, void, undefined> {
    const checked = RequestSchema.safeParse(request);
    if (!checked.success) {
      const problems = checked.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
      throw new ProviderError('CONFIG_INVALID', `invalid request: ${problems.join('; ')}`, { cause: checked.error });
    }
    if (closed) throw new ProviderError('CLOSED', 'the provider is closed: create a new one');
    const messages = conversation(request, parsed.system);
    // Backends that are down are left out: the model gets the tools of those that answered.
    const { tools, toPool, unavailable } = await toolsFor(request, signal);
    if (unavailable.length > 0) yield { type: 'backends-unavailable', unavailable } satisfies BackendsUnavailablePart;
    const maxSteps = request.maxSteps ?? parsed.maxSteps;
    const usage: Usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };

    for (let step = 1; step <= maxSteps; step++) {
      const chunks = retryAsyncIterable<ChatCompletionChunk>(
        ({ signal: attemptSignal }) =>
          client.chat.completions.create(
            {
              model,
              messages,
              stream: true,
              stream_options: { include_usage: true },
              ...(tools.length > 0 ? { tools, parallel_tool_calls: parsed.parallelToolCalls } : {}),
              ...((request.temperature ?? parsed.temperature) === undefined
                ? {}
                : { temperature: request.temperature ?? parsed.temperature }),
              ...((request.maxTokens ?? parsed.maxTokens) === undefined
                ? {}
                : { max_completion_tokens: request.maxTokens ?? parsed.maxTokens }),
            },
            { signal: attemptSignal },
          ),
        { policy: modelPolicy, signal },
      );
      let text = '';
      let finishReason: string | undefined;
      const pending: { id: string; name: string; args: string }[] = [];
      for await (const chunk of chunks) {
        if (chunk.usage) {
          usage.promptTokens += chunk.usage.prompt_tokens;
          usage.completionTokens += chunk.usage.completion_tokens;
          usage.totalTokens += chunk.usage.total_tokens;
        }
        const choice = chunk.choices[0];
        if (!choice) continue;
        if (choice.delta.content) {
          text += choice.delta.content;
          yield { type: 'text-delta', step, text: choice.delta.content };
        }
        for (const delta of choice.delta.tool_calls ?? []) {
          // Streamed tool calls arrive in pieces keyed by `index`: id and name first, arguments in fragments.
          const entry = pending[delta.index] ?? { id: '', name: '', args: '' };
          pending[delta.index] = entry;
          if (delta.id) entry.id = delta.id;
          if (delta.function?.name) entry.name += delta.function.name;
          if (delta.function?.arguments) entry.args += delta.function.arguments;
        }
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
      // The OpenAI stream ends quietly when its signal aborts: a partial answer must not look final.
      if (signal.aborted) throw providerFailure(signal.reason, signal);
      const calls = pending.filter((entry) => entry !== undefined);
      if (calls.length === 0) {
        messages.push({ role: 'assistant', content: text });
        const reason = finishReason && finishReasons.has(finishReason) ? (finishReason as FinishReason) : 'unknown';
        yield { type: 'finish', finishReason: reason, usage, steps: step, text, messages } satisfies FinishPart;
        return;
      }
      // Ids are what tie results to calls: a model that sent none gets one, in the history too.
      calls.forEach((call, index) => {
        call.id ||= `call_${step}_${index}`;
      });
      messages.push({
        role: 'assistant',
        content: text === '' ? null : text,
        tool_calls: calls.map(
          (call): ChatCompletionMessageFunctionToolCall => ({
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: call.args },
          }),
        ),
      });
      const parsedArguments = calls.map((call) => parseToolArguments(call.args));
      const parts = calls.map(
        (call, index): ToolCallPart => ({
          type: 'tool-call',
          step,
          id: call.id,
          // A name the model made up is passed on as is: the pool answers UNKNOWN_BACKEND, the model is told.
          name: toPool.get(call.name) ?? call.name,
          modelToolName: call.name,
          args: parsedArguments[index]!.args,
        }),
      );
      for (const part of parts) yield part;
      const results = yield* runTools(
        parts,
        parsedArguments.map((parsedArgs) => parsedArgs.error),
        signal,
      );
      for (const result of results) {
        messages.push({ role: 'tool', tool_call_id: result.id, content: result.content });
        yield result;
      }
    }
    throw new ProviderError(
      'MAX_STEPS_EXCEEDED',
      `the model was still calling tools after ${maxSteps} steps (maxSteps); raise maxSteps or narrow the tools`,
    );
  }

  async function* generateStream(request: GenerateRequest): AsyncGenerator<StreamPart, void, undefined> {
    // Our own controller: the caller's signal aborts it, and so does leaving the loop early.
    const controller = new AbortController();
    const onAbort = () => controller.abort(request.signal?.reason);
    if (request.signal?.aborted) onAbort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      yield* loop(request, controller.signal);
    } catch (error) {
      yield { type: 'error', error: providerFailure(error, controller.signal) };
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
      controller.abort();
    }
  }

  return {
    pool,
    generateStream,
    async generate(request) {
      const toolCalls: ToolCallRecord[] = [];
      const calls = new Map<string, ToolCallPart>();
      let finish: FinishPart | undefined;
      let unavailable: PoolUnavailable[] = [];
      for await (const part of generateStream(request)) {
        if (part.type === 'backends-unavailable') unavailable = part.unavailable;
        if (part.type === 'tool-call') calls.set(part.id, part);
        else if (part.type === 'tool-result') toolCalls.push({ call: calls.get(part.id)!, result: part });
        else if (part.type === 'finish') finish = part;
        else if (part.type === 'error') throw part.error;
      }
      if (!finish)
        throw new ProviderError('MODEL_FAILED', 'the model stream ended without an answer', { category: 'protocol' });
      const { text, finishReason, usage, steps, messages } = finish;
      return { text, finishReason, usage, steps, toolCalls, messages, unavailable };
    },
    async close() {
      if (closed) return;
      closed = true;
      if (ownsPool) await pool?.close();
    },
    [Symbol.asyncDispose]() {
      return this.close();
    },
  };
}
