import type { ClientRequestHandlers, CreateMessageRequestParams, CreateMessageResult } from '@mcs/transports';
import { ProtocolError, ProtocolErrorCode, type SamplingMessageContentBlock } from '@modelcontextprotocol/client';
import type { ChatCompletionContentPart, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { GenerateRequest } from '../model/generate-request.js';

/** A backend asks the client's model for a completion (`sampling/createMessage`). */
export interface SamplingRequest {
  backend: string;
  /** As the backend sent them: `messages`, `systemPrompt`, `maxTokens`, `temperature`, `stopSequences`, ... */
  params: CreateMessageRequestParams;
  /** Aborted when the backend cancels the request or its session ends. */
  signal: AbortSignal;
}

/** Answers a backend's sampling request; a rejection goes back to the backend as a JSON-RPC error. */
export type SamplingHandler = (request: SamplingRequest) => Promise<CreateMessageResult>;

/** What the model is asked: the backend's messages as OpenAI chat messages. */
export interface SamplingModelInput {
  /** The backend's `systemPrompt`, when it sent one. */
  system?: string;
  messages: ChatCompletionMessageParam[];
  maxTokens: number;
  temperature?: number;
  stop?: string[];
  signal: AbortSignal;
}

/** The model's answer: its text, the model that wrote it, and why it stopped (chat-completions names). */
export interface SamplingModelOutput {
  text: string;
  model: string;
  finishReason?: string;
}

export interface SamplingHandlerOptions {
  /**
   * Asked before the model runs (MCP wants a human in the loop for sampling): `false` refuses the
   * request (the backend gets error -1, "user rejected"). The request is as the backend sent it.
   */
  approve: (request: SamplingRequest) => boolean | Promise<boolean>;
  /** Runs the model (for instance the provider's own). */
  callModel: (input: SamplingModelInput) => Promise<SamplingModelOutput>;
  /** Upper bound of `maxTokens`, whatever the backend asks (default 4096). */
  maxTokensLimit?: number;
}

/** The error code MCP's sampling spec gives a request the user rejected. */
const userRejectedCode = -1;

const stopReasons: Record<string, string> = { stop: 'endTurn', length: 'maxTokens' };

function toPart(block: SamplingMessageContentBlock): ChatCompletionContentPart {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'image':
      return { type: 'image_url', image_url: { url: `data:${block.mimeType};base64,${block.data}` } };
    case 'audio': {
      const format = block.mimeType.includes('wav') ? 'wav' : block.mimeType.includes('mp3') ? 'mp3' : undefined;
      if (format) return { type: 'input_audio', input_audio: { data: block.data, format } };
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `audio ${block.mimeType} is not supported (wav, mp3)`);
    }
    default:
      // tool_use / tool_result: sampling with tools is not offered (the capability says so).
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `sampling content "${block.type}" is not supported`);
  }
}

/** The backend's sampling messages as chat-completions messages (images and audio only from the user). */
export function toChatMessages(params: CreateMessageRequestParams): ChatCompletionMessageParam[] {
  return params.messages.map((message): ChatCompletionMessageParam => {
    const blocks = Array.isArray(message.content) ? message.content : [message.content];
    const parts = blocks.map(toPart);
    if (message.role === 'user') return { role: 'user', content: parts };
    const text = parts.map((part) => {
      if (part.type !== 'text')
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'an assistant message may only hold text');
      return part.text;
    });
    return { role: 'assistant', content: text.join('\n') };
  });
}

/**
 * A sampling handler that asks `approve` and then runs `callModel`. Give it to the pool's
 * `onSampling`; `createProvider({ approveSampling })` builds one over the provider's model.
 */
export function createSamplingHandler(options: SamplingHandlerOptions): SamplingHandler {
  const maxTokensLimit = options.maxTokensLimit ?? 4096;
  return async (request) => {
    const { params, signal } = request;
    const messages = toChatMessages(params);
    if (!(await options.approve(request))) {
      throw new ProtocolError(userRejectedCode, 'the user rejected the sampling request');
    }
    const answer = await options.callModel({
      ...(params.systemPrompt ? { system: params.systemPrompt } : {}),
      messages,
      maxTokens: Math.min(params.maxTokens, maxTokensLimit),
      ...(params.temperature === undefined ? {} : { temperature: params.temperature }),
      // Chat-completions APIs take at most 4.
      ...(params.stopSequences?.length ? { stop: params.stopSequences.slice(0, 4) } : {}),
      signal,
    });
    const stopReason = answer.finishReason ? (stopReasons[answer.finishReason] ?? answer.finishReason) : undefined;
    return {
      role: 'assistant',
      content: { type: 'text', text: answer.text },
      model: answer.model,
      ...(stopReason ? { stopReason } : {}),
    };
  };
}

/**
 * The provider request that answers a sampling call (`callModel`'s input, given to `generate`): the
 * backend's messages and limits, as a completion, not an agent (no tools, one step).
 */
export function samplingGenerateRequest(input: SamplingModelInput): GenerateRequest {
  const { system, messages, maxTokens, temperature, stop, signal } = input;
  return {
    messages,
    ...(system === undefined ? {} : { system }),
    maxTokens,
    ...(temperature === undefined ? {} : { temperature }),
    ...(stop === undefined ? {} : { stop }),
    tools: [],
    maxSteps: 1,
    signal,
  };
}

/** The transports-level handler around the application's. */
export function createSamplingResponder(handler: SamplingHandler): ClientRequestHandlers['sampling/createMessage'] {
  return (params, { backend, signal }) => handler({ backend, params, signal });
}
