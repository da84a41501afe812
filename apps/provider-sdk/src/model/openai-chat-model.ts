import type OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsBase,
  ChatCompletionFunctionTool,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import { chatCompletionParts, usageOf } from './chat-completion-stream.js';
import type { LanguageModelV1, ModelCallOptions, ModelCallSettings, ModelGenerateResult } from './language-model.js';
import { toOpenAIMessages } from './message.js';

export interface OpenAIChatModelOptions {
  modelId: string;
  apiKey: string;
  /** OpenAI-compatible API root; default OpenAI's. */
  baseURL?: string;
  /** The `openai` client's timeout of one request, ms. */
  requestTimeoutMs: number;
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

/**
 * An OpenAI-compatible chat-completions model (OpenAI, Ollama, vLLM, llama.cpp server, ...) through
 * the official `openai` client, whose own retries are off: the tool loop's policy retries, and the
 * client's would multiply them and ignore our categories.
 */
export function createOpenAIChatModel(options: OpenAIChatModelOptions): LanguageModelV1 {
  // `openai` is about 800 modules: loaded at the first model call, not when the package is imported,
  // so a program that starts, connects its MCP servers and waits for input (mcs-chat) does not pay it.
  let client: Promise<OpenAI> | undefined;
  let APIError: typeof OpenAI.APIError | undefined;
  const clientOf = () =>
    (client ??= import('openai').then(({ default: OpenAI }) => {
      APIError = OpenAI.APIError;
      return new OpenAI({
        apiKey: options.apiKey,
        ...(options.baseURL ? { baseURL: options.baseURL } : {}),
        maxRetries: 0,
        timeout: options.requestTimeoutMs,
      });
    }));
  // What the client's own stream throws for an error sent inside the stream (classified alike).
  const streamError = (payload: unknown, headers: Headers): Error =>
    new APIError!(undefined, payload as object | undefined, undefined, headers);
  const { modelId } = options;

  return {
    specificationVersion: 'v1',
    provider: 'openai-chat',
    modelId,
    async doStream(call) {
      // The client makes the request (an HTTP error rejects here); the body is read by our own
      // reader (chat-completion-stream.ts: the client's stream costs more CPU per part than the rest).
      const response = await (await clientOf()).chat.completions
        .create(
          { ...requestBody(modelId, call), stream: true, stream_options: { include_usage: true } },
          { signal: call.signal },
        )
        .asResponse();
      return chatCompletionParts(response, call.signal, streamError);
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
