import type OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsBase,
  ChatCompletionFunctionTool,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { Usage } from '../stream-part.js';
import type {
  LanguageModelV1,
  ModelCallOptions,
  ModelCallSettings,
  ModelGenerateResult,
  ModelStreamPart,
} from './language-model.js';
import { toOpenAIMessages } from './message.js';

export interface OpenAIChatModelOptions {
  modelId: string;
  apiKey: string;
  /** OpenAI-compatible API root; default OpenAI's. */
  baseURL?: string;
  /** The `openai` client's timeout of one request, ms. */
  requestTimeoutMs: number;
}

/** The API's token counts in ours (cached and reasoning tokens only when the API reports them). */
export function usageOf(usage: CompletionUsage): Usage {
  const cached = usage.prompt_tokens_details?.cached_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  return {
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    totalTokens: usage.total_tokens,
    ...(cached === undefined ? {} : { cachedPromptTokens: cached }),
    ...(reasoning === undefined ? {} : { reasoningTokens: reasoning }),
  };
}

function toolChoiceOf(choice: ModelCallSettings['toolChoice']): ChatCompletionToolChoiceOption | undefined {
  if (choice === undefined || typeof choice === 'string') return choice;
  return { type: 'function', function: { name: choice.name } };
}

function responseFormatOf(
  format: ModelCallSettings['responseFormat'],
): ChatCompletionCreateParamsBase['response_format'] {
  if (format === undefined) return undefined;
  if (format.type === 'text') return { type: 'text' };
  if (format.type === 'json') return { type: 'json_object' };
  const { name, schema, description, strict } = format;
  return {
    type: 'json_schema',
    json_schema: {
      name,
      schema,
      ...(description === undefined ? {} : { description }),
      ...(strict === undefined ? {} : { strict }),
    },
  };
}

/** The request body without `stream`: our settings win over `providerOptions` (extra fields). */
function requestBody(modelId: string, { messages, tools, settings }: ModelCallOptions) {
  const { temperature, topP, maxTokens, stop, seed, parallelToolCalls, providerOptions } = settings;
  const toolChoice = toolChoiceOf(settings.toolChoice);
  const responseFormat = responseFormatOf(settings.responseFormat);
  const functions = tools.map(
    (tool): ChatCompletionFunctionTool => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        parameters: tool.parameters,
        ...(tool.strict === undefined ? {} : { strict: tool.strict }),
      },
    }),
  );
  return {
    ...providerOptions,
    model: modelId,
    messages: toOpenAIMessages(messages),
    ...(functions.length > 0
      ? {
          tools: functions,
          ...(parallelToolCalls === undefined ? {} : { parallel_tool_calls: parallelToolCalls }),
        }
      : {}),
    ...(toolChoice === undefined || functions.length === 0 ? {} : { tool_choice: toolChoice }),
    ...(responseFormat === undefined ? {} : { response_format: responseFormat }),
    ...(temperature === undefined ? {} : { temperature }),
    ...(topP === undefined ? {} : { top_p: topP }),
    ...(maxTokens === undefined ? {} : { max_completion_tokens: maxTokens }),
    ...(stop === undefined ? {} : { stop }),
    ...(seed === undefined ? {} : { seed }),
  };
}

/** What one chunk holds, as our parts (the role-only first chunk becomes `stream-start`). */
function chunkParts(chunk: OpenAI.Chat.Completions.ChatCompletionChunk, first: boolean, into: ModelStreamPart[]): void {
  if (first) into.push({ type: 'stream-start', ...(chunk.model ? { responseModel: chunk.model } : {}) });
  if (chunk.usage) into.push({ type: 'usage', usage: usageOf(chunk.usage) });
  const choice = chunk.choices[0];
  if (!choice) return;
  if (choice.delta.content) into.push({ type: 'text-delta', text: choice.delta.content });
  for (const delta of choice.delta.tool_calls ?? []) {
    into.push({
      type: 'tool-call-delta',
      index: delta.index,
      ...(delta.id ? { id: delta.id } : {}),
      ...(delta.function?.name ? { name: delta.function.name } : {}),
      ...(delta.function?.arguments ? { argumentsDelta: delta.function.arguments } : {}),
    });
  }
  if (choice.finish_reason) into.push({ type: 'finish', finishReason: choice.finish_reason });
}

/**
 * The chunk stream as our parts. An iterator written out rather than an async generator: every part
 * of every answer passes here, and a generator's machinery per part was a measurable share of the
 * provider's CPU time in bench/provider-sdk generate-stream.
 */
function streamParts(
  stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>,
): AsyncIterableIterator<ModelStreamPart> {
  const chunks = stream[Symbol.asyncIterator]();
  let queue: ModelStreamPart[] = [];
  let next = 0;
  let first = true;
  const iterator: AsyncIterableIterator<ModelStreamPart> = {
    [Symbol.asyncIterator]: () => iterator,
    async next(): Promise<IteratorResult<ModelStreamPart>> {
      while (next >= queue.length) {
        const result = await chunks.next();
        if (result.done) return { done: true, value: undefined };
        queue = [];
        next = 0;
        chunkParts(result.value, first, queue);
        first = false;
      }
      return { done: false, value: queue[next++]! };
    },
    async return(): Promise<IteratorResult<ModelStreamPart>> {
      await chunks.return?.();
      return { done: true, value: undefined };
    },
  };
  return iterator;
}

/**
 * An OpenAI-compatible chat-completions model (OpenAI, Ollama, vLLM, llama.cpp server, ...) through
 * the official `openai` client, whose own retries are off: the tool loop's policy retries, and the
 * client's would multiply them and ignore our categories.
 */
export function createOpenAIChatModel(options: OpenAIChatModelOptions): LanguageModelV1 {
  // `openai` is about 800 modules: loaded at the first model call, not when the package is imported,
  // so a program that starts, connects its MCP servers and waits for input (mcs-chat) does not pay it.
  let client: Promise<OpenAI> | undefined;
  const clientOf = () =>
    (client ??= import('openai').then(
      ({ default: OpenAI }) =>
        new OpenAI({
          apiKey: options.apiKey,
          ...(options.baseURL ? { baseURL: options.baseURL } : {}),
          maxRetries: 0,
          timeout: options.requestTimeoutMs,
        }),
    ));
  const { modelId } = options;

  return {
    specificationVersion: 'v1',
    provider: 'openai-chat',
    modelId,
    async doStream(call) {
      const stream = await (await clientOf()).chat.completions.create(
        { ...requestBody(modelId, call), stream: true, stream_options: { include_usage: true } },
        { signal: call.signal },
      );
      return streamParts(stream);
    },
    async doGenerate(call): Promise<ModelGenerateResult> {
      const completion = await (await clientOf()).chat.completions.create(
        { ...requestBody(modelId, call), stream: false },
        { signal: call.signal },
      );
      const choice = completion.choices[0];
      const toolCalls = (choice?.message.tool_calls ?? []).flatMap((toolCall) =>
        toolCall.type === 'function'
          ? [{ id: toolCall.id, name: toolCall.function.name, arguments: toolCall.function.arguments }]
          : [],
      );
      return {
        text: choice?.message.content ?? '',
        toolCalls,
        finishReason: choice?.finish_reason ?? 'unknown',
        ...(completion.usage ? { usage: usageOf(completion.usage) } : {}),
        ...(completion.model ? { responseModel: completion.model } : {}),
      };
    },
  };
}
