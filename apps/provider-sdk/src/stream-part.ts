import type { ContentPart } from '@mcs/content-parser';
import type { ErrorCategory } from '@mcs/resilience';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { PoolUnavailable } from './mcp-client-pool.js';
import type { ProviderError } from './provider-error.js';

/** Token counts summed over every model call of the request (0 when the API sent none). */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** Why generation stopped: the model's own reason for the last step (`stop`, `length`, `content_filter`, ...). */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'function_call' | 'unknown';

export interface TextDeltaPart {
  type: 'text-delta';
  step: number;
  text: string;
}

export interface ToolCallPart {
  type: 'tool-call';
  step: number;
  /** The model's id of the call (the tool result answers it). */
  id: string;
  /** Pool name `<backend>.<tool>`. */
  name: string;
  /** The function name the model used (pool names are made API-safe: `.` -> `__`). */
  modelToolName: string;
  /** Parsed arguments (`{}` when the model sent none). */
  args: Record<string, unknown>;
}

/** Progress a running tool reported (MCP `notifications/progress`); only between its call and its result. */
export interface ToolProgressPart {
  type: 'tool-progress';
  step: number;
  id: string;
  name: string;
  progress: number;
  total?: number;
  message?: string;
}

interface RetryPartBase {
  type: 'retry';
  step: number;
  /** The attempt that failed (1 = the first). */
  attempt: number;
  /** The wait before the next attempt (raised to a `Retry-After`, capped by `maxDelayMs`). */
  delayMs: number;
  category: ErrorCategory;
  /** Why the attempt failed. */
  error: ProviderError;
}

/** The model request of this step failed before any content reached the stream and is sent again. */
export interface ModelRetryPart extends RetryPartBase {
  target: 'model';
  /** The model that was asked. */
  model: string;
}

/** A tool call failed and is started again: only a tool that is safe to repeat (see `retryToolCalls`). */
export interface ToolRetryPart extends RetryPartBase {
  target: 'tool';
  /** The call's id, as in its `tool-call` part. */
  id: string;
  /** Pool name `<backend>.<tool>`. */
  name: string;
  backend: string;
}

/** A failed call is tried again after `delayMs`; `target` says whether the model or a tool. */
export type RetryPart = ModelRetryPart | ToolRetryPart;

export interface ToolResultPart {
  type: 'tool-result';
  step: number;
  id: string;
  name: string;
  /** The tool failed (its own `isError`, or the call could not be made): the model was told so. */
  isError: boolean;
  /** Typed parts of the result (empty when the call itself failed). */
  parts: ContentPart[];
  /** What was sent back to the model as the tool message. */
  content: string;
  /** When the call itself failed (unknown tool, bad arguments JSON, backend down). */
  error?: ProviderError;
}

export interface FinishPart {
  type: 'finish';
  finishReason: FinishReason;
  usage: Usage;
  /** Model calls made. */
  steps: number;
  /** The final answer (text of the last step). */
  text: string;
  /** The whole conversation including the final assistant message: pass it back as `messages` to continue. */
  messages: ChatCompletionMessageParam[];
}

/** MCP backends left out of this request's tools (down or not answering in time); first, at most once. */
export interface BackendsUnavailablePart {
  type: 'backends-unavailable';
  unavailable: PoolUnavailable[];
}

export interface ErrorPart {
  type: 'error';
  error: ProviderError;
}

/**
 * What `generateStream` yields, in order: `backends-unavailable` when some MCP backends were left out, then per step text deltas and tool calls, then tool progress
 * (and tool `retry` parts) while the tools run, then their results; `finish` or `error` last. A model
 * `retry` part comes before the step's content, while the stream waits to ask again.
 */
export type StreamPart =
  | BackendsUnavailablePart
  | TextDeltaPart
  | ToolCallPart
  | ToolProgressPart
  | RetryPart
  | ToolResultPart
  | FinishPart
  | ErrorPart;
