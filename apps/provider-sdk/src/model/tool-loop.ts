import type { McpClientPool, PoolTool, PoolUnavailable } from '../mcp-client-pool.js';
import type { ProviderConfig } from '../provider-config.js';
import { ProviderError } from '../provider-error.js';
import type { FinishReason, StreamPart, ToolCallPart, Usage } from '../stream-part.js';
import { buildToolNames, type ToolNameMap } from '../tool-names.js';
import { type CheckedRequest, conversation, type GenerateRequest } from './generate-request.js';
import type { ModelCallSettings } from './language-model.js';
import type { Message } from './message.js';
import { type ModelCandidate, streamModelCall } from './model-call.js';
import { providerFailure } from './provider-failure.js';
import { type PendingToolCall, parseToolArguments, runTools } from './run-tools.js';
import type { StreamDeadlines } from './stream-deadlines.js';

/** Sees the loop's parts and the work it does (observability/request-observer.ts). */
export interface LoopObserver {
  /** Every part, before the consumer gets it. */
  part(part: StreamPart): void;
  /** Runs a piece of the loop's work (a model request, a tool call by id) in its span's context. */
  within<T>(fn: () => T, toolCallId?: string): T;
}

const unobserved: LoopObserver = { part: () => {}, within: (fn) => fn() };

/** What the loop needs of the provider that runs it. */
export interface ToolLoopContext {
  config: ProviderConfig;
  pool: McpClientPool | undefined;
  deadlines: StreamDeadlines;
  /** The models to ask, in order: the request's `model` (else the config's), then the fallbacks. */
  candidates(modelId: string | undefined): readonly ModelCandidate[];
}

const finishReasons = new Set<string>(['stop', 'length', 'content_filter', 'tool_calls', 'function_call']);

export const emptyUsage = (): Usage => ({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });

/** Adds `step` into `total` (cached and reasoning tokens once any step reported them). */
export function addUsage(total: Usage, step: Usage): void {
  total.promptTokens += step.promptTokens;
  total.completionTokens += step.completionTokens;
  total.totalTokens += step.totalTokens;
  if (step.cachedPromptTokens !== undefined)
    total.cachedPromptTokens = (total.cachedPromptTokens ?? 0) + step.cachedPromptTokens;
  if (step.reasoningTokens !== undefined) total.reasoningTokens = (total.reasoningTokens ?? 0) + step.reasoningTokens;
}

interface RequestTools extends ToolNameMap {
  byName: Map<string, PoolTool>;
  transports: Map<string, string>;
  unavailable: PoolUnavailable[];
}

async function toolsFor(
  pool: McpClientPool | undefined,
  request: GenerateRequest,
  signal: AbortSignal,
  within: LoopObserver['within'],
): Promise<RequestTools> {
  const none = { tools: [], toPool: new Map(), toModel: new Map(), byName: new Map(), transports: new Map() };
  if (!pool || request.tools?.length === 0) return { ...none, unavailable: [] };
  const { tools: all, unavailable } = await within(() => pool.listTools({ signal }));
  const allowed = request.tools ? new Set(request.tools) : undefined;
  const offered = allowed ? all.filter((tool) => allowed.has(tool.name)) : all;
  return {
    ...buildToolNames(offered),
    byName: new Map(offered.map((tool) => [tool.name, tool])),
    transports: new Map(pool.statuses().map((status) => [status.backend, status.transport])),
    unavailable,
  };
}

/** The conversation as the model is sent it: tool calls renamed to this request's model-facing names. */
function forModel(messages: readonly Message[], tools: RequestTools): Message[] {
  return messages.map((message) =>
    message.role === 'assistant' && message.toolCalls
      ? {
          ...message,
          toolCalls: message.toolCalls.map((call) => ({ ...call, name: tools.toModel.get(call.name) ?? call.name })),
        }
      : message,
  );
}

/**
 * The request's settings for the model (request over config). A forced tool choice (`required` or
 * one tool) holds for the first step only: after the tool ran, the model must be free to answer.
 */
function callSettings(
  request: GenerateRequest,
  config: ProviderConfig,
  tools: RequestTools,
  step: number,
): ModelCallSettings {
  const { toolChoice, responseFormat, stop } = request;
  let choice: ModelCallSettings['toolChoice'];
  if (typeof toolChoice === 'object') {
    const name = tools.toModel.get(toolChoice.tool);
    if (name === undefined) {
      throw new ProviderError(
        'CONFIG_INVALID',
        `invalid request: toolChoice.tool: "${toolChoice.tool}" is not one of this request's tools (<backend>.<tool>)`,
      );
    }
    choice = step === 1 ? { type: 'tool', name } : 'auto';
  } else {
    choice = toolChoice === 'required' && step > 1 ? 'auto' : toolChoice;
  }
  const temperature = request.temperature ?? config.temperature;
  const maxTokens = request.maxTokens ?? config.maxTokens;
  const providerOptions = { ...config.providerOptions, ...request.providerOptions };
  return {
    parallelToolCalls: config.parallelToolCalls,
    ...(choice === undefined ? {} : { toolChoice: choice }),
    ...(temperature === undefined ? {} : { temperature }),
    ...(maxTokens === undefined ? {} : { maxTokens }),
    ...(request.topP === undefined ? {} : { topP: request.topP }),
    ...(request.seed === undefined ? {} : { seed: request.seed }),
    ...(stop === undefined ? {} : { stop: typeof stop === 'string' ? [stop] : stop }),
    ...(responseFormat === undefined
      ? {}
      : {
          responseFormat:
            responseFormat.type === 'json-schema'
              ? {
                  type: 'json-schema',
                  name: responseFormat.name ?? 'response',
                  schema: responseFormat.schema,
                  strict: responseFormat.strict ?? true,
                  ...(responseFormat.description === undefined ? {} : { description: responseFormat.description }),
                }
              : responseFormat,
        }),
    ...(Object.keys(providerOptions).length === 0 ? {} : { providerOptions }),
  };
}

/**
 * The tool loop: one model call per step, its tool calls run through the pool (all of a step's at
 * once) and their results sent back, until the model answers without tools or `maxSteps` is reached.
 * The request was validated by the caller.
 */
export async function* runToolLoop(
  context: ToolLoopContext,
  request: CheckedRequest,
  signal: AbortSignal,
  requestId: string,
  /** Sees every part before the consumer does (observability); called here, not in a wrapping generator, which would cost each part another async hop. */
  observer: LoopObserver = unobserved,
): AsyncGenerator<StreamPart, void, undefined> {
  const { config, pool } = context;
  const out = <P extends StreamPart>(part: P): P => {
    observer.part(part);
    return part;
  };
  const within = <T>(fn: () => T, toolCallId?: string) => observer.within(fn, toolCallId);
  const messages = conversation(request, config.system);
  const candidates = context.candidates(request.model);
  const first = candidates[0]!.model.modelId;
  // Backends that are down are left out: the model gets the tools of those that answered.
  const tools = await toolsFor(pool, request, signal, within);
  yield out({ type: 'start', requestId, model: first, tools: [...tools.toModel.keys()] });
  if (tools.unavailable.length > 0) yield out({ type: 'backends-unavailable', unavailable: tools.unavailable });
  const maxSteps = request.maxSteps ?? config.maxSteps;
  const usage = emptyUsage();

  for (let step = 1; step <= maxSteps; step++) {
    const settings = callSettings(request, config, tools, step);
    yield out({ type: 'step-start', step, model: first });
    let answeredBy = first;
    let text = '';
    let finishReason: string | undefined;
    let stepUsage = emptyUsage();
    let pending: { id: string; name: string; args: string }[] = [];
    // A copy (the model must not see this conversation grow after its call), tool calls under the names the model sees.
    const call = { messages: forModel(messages, tools), tools: tools.tools, settings };
    for await (const part of streamModelCall(candidates, call, signal, context.deadlines, within)) {
      switch (part.type) {
        case 'model-retry':
        case 'model-fallback':
          // Nothing of the failed attempt reached the consumer; what it collected is dropped.
          pending = [];
          finishReason = undefined;
          stepUsage = emptyUsage();
          if (part.type === 'model-retry') {
            const { modelId: model, attempt, delayMs } = part;
            const error = providerFailure(part.error, signal);
            yield out({
              type: 'retry',
              target: 'model',
              step,
              model,
              attempt,
              delayMs,
              category: error.category,
              error,
            });
          } else {
            answeredBy = part.to;
            yield out({
              type: 'model-fallback',
              step,
              from: part.from,
              to: part.to,
              error: providerFailure(part.error, signal),
            });
          }
          break;
        case 'text-delta':
          text += part.text;
          yield out({ type: 'text-delta', step, text: part.text });
          break;
        case 'tool-call-delta': {
          const entry = pending[part.index] ?? { id: '', name: '', args: '' };
          pending[part.index] = entry;
          if (part.id) entry.id = part.id;
          if (part.name) entry.name += part.name;
          if (part.argumentsDelta) entry.args += part.argumentsDelta;
          break;
        }
        case 'finish':
          finishReason = part.finishReason;
          break;
        case 'usage':
          stepUsage = part.usage;
          break;
      }
    }
    // A stream cut by the signal ends quietly: a partial answer must not look final.
    if (signal.aborted) throw providerFailure(signal.reason, signal);
    addUsage(usage, stepUsage);
    const calls = pending.filter((entry) => entry !== undefined);
    const reason: FinishReason =
      finishReason && finishReasons.has(finishReason) ? (finishReason as FinishReason) : 'unknown';
    yield out({
      type: 'step-finish',
      step,
      model: answeredBy,
      finishReason: reason,
      usage: stepUsage,
      toolCalls: calls.length,
    });
    if (calls.length === 0) {
      messages.push({ role: 'assistant', content: text });
      yield out({ type: 'finish', model: answeredBy, finishReason: reason, usage, steps: step, text, messages });
      return;
    }
    // Ids are what tie results to calls: a model that sent none gets one, in the history too.
    calls.forEach((entry, index) => {
      entry.id ||= `call_${step}_${index}`;
    });
    messages.push({
      role: 'assistant',
      content: text,
      // Pool names in the conversation (the model's names are this request's; the next may differ).
      toolCalls: calls.map((entry) => ({
        id: entry.id,
        name: tools.toPool.get(entry.name) ?? entry.name,
        arguments: entry.args,
      })),
    });
    const toRun = calls.map((entry): PendingToolCall => {
      const parsed = parseToolArguments(entry.args);
      // A name the model made up keeps its own (no backend): it is not run, the model is told (run-tools.ts).
      const name = tools.toPool.get(entry.name) ?? entry.name;
      const backend = tools.byName.get(name)?.backend;
      const transport = backend === undefined ? undefined : tools.transports.get(backend);
      const part: ToolCallPart = {
        type: 'tool-call',
        step,
        id: entry.id,
        name,
        modelToolName: entry.name,
        ...(backend === undefined ? {} : { backend }),
        ...(transport === undefined ? {} : { transport }),
        args: parsed.args,
      };
      return { part, argumentsError: parsed.error };
    });
    for (const { part } of toRun) yield out(part);
    const running = runTools(pool, toRun, signal, within);
    let next = await running.next();
    while (!next.done) {
      yield out(next.value);
      next = await running.next();
    }
    for (const result of next.value) {
      messages.push({ role: 'tool', toolCallId: result.id, content: result.content });
      yield out(result);
    }
  }
  throw new ProviderError(
    'MAX_STEPS_EXCEEDED',
    `the model was still calling tools after ${maxSteps} steps (maxSteps); raise maxSteps or narrow the tools`,
  );
}
