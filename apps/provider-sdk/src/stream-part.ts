import type { ContentPart } from '@mcs/content-parser';
import type { ErrorCategory } from '@mcs/resilience';
import type { PoolUnavailable } from './mcp-client-pool.js';
import type { Message } from './model/message.js';
import type { ProviderError } from './provider-error.js';

/** Token counts of a model call, or summed over the request's calls (0 when the API sent none). */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Prompt tokens the API served from its cache (when it reports them). */
  cachedPromptTokens?: number;
  /** Completion tokens spent on reasoning (when the API reports them). */
  reasoningTokens?: number;
}

/** Why generation stopped: the model's own reason for the last step (`stop`, `length`, `content_filter`, ...). */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'function_call' | 'unknown';

/** The first part of every stream (after the request was validated). */
export interface StartPart {
  type: 'start';
  /** The request's `requestId` (or the one made for it): on its log lines and spans too. */
  requestId: string;
  /** The model asked first (the request's `model`, else the config's). */
  model: string;
  /** Pool names of the tools offered to the model. */
  tools: string[];
}

/** A model call begins (one per step). */
export interface StepStartPart {
  type: 'step-start';
  step: number;
  /** The model asked first for this step (a fallback may answer: see `step-finish`). */
  model: string;
}

/** A model call ended; its tool calls (if any) run next. */
export interface StepFinishPart {
  type: 'step-finish';
  step: number;
  /** The model that answered. */
  model: string;
  finishReason: FinishReason;
  /** This step's tokens (`finish.usage` sums every step). */
  usage: Usage;
  /** Tool calls the model asked for in this step. */
  toolCalls: number;
}

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
  /** The pool backend that serves it (absent for a name the model made up). */
  backend?: string;
  /** That backend's transport: `stdio`, `http`, `sse` or `grpc`. */
  transport?: string;
  /** Parsed arguments (`{}` when the model sent none). */
  args: Record<string, unknown>;
}

/** Progress a running tool reported (MCP `notifications/progress`); only between its call and its result. */
export interface ToolProgressPart {
  type: 'tool-progress';
  step: number;
  id: string;
  name: string;
  backend?: string;
  transport?: string;
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
  transport?: string;
}

/** `from` failed for good before any text went out (after its retries); the next model, `to`, is asked. */
export interface ModelFallbackPart {
  type: 'model-fallback';
  step: number;
  from: string;
  to: string;
  error: ProviderError;
}

/** A tool call could not be made or failed in the pool (unknown tool, bad arguments, backend down or timed out); its `tool-result` follows. */
export interface ToolErrorPart {
  type: 'tool-error';
  step: number;
  id: string;
  name: string;
  backend?: string;
  transport?: string;
  error: ProviderError;
}

/** A failed call is tried again after `delayMs`; `target` says whether the model or a tool. */
export type RetryPart = ModelRetryPart | ToolRetryPart;

export interface ToolResultPart {
  type: 'tool-result';
  step: number;
  id: string;
  name: string;
  backend?: string;
  transport?: string;
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
  /** The model that gave the final answer. */
  model: string;
  finishReason: FinishReason;
  usage: Usage;
  /** Model calls made. */
  steps: number;
  /** The final answer (text of the last step). */
  text: string;
  /** The whole conversation including the final assistant message: pass it back as `messages` to continue. */
  messages: Message[];
}

/** MCP backends left out of this request's tools (down or not answering in time); first, at most once. */
export interface BackendsUnavailablePart {
  type: 'backends-unavailable';
  unavailable: PoolUnavailable[];
}

/** The request was cancelled (the caller's signal, or the consumer left the loop); the `CANCELLED` error follows. */
export interface AbortPart {
  type: 'abort';
}

export interface ErrorPart {
  type: 'error';
  error: ProviderError;
}

/**
 * What `generateStream` yields, in order: `start`; `backends-unavailable` when some MCP backends were
 * left out; then per step `step-start`, model `retry` / `model-fallback` parts while it waits for a
 * model, text deltas, `step-finish`, its tool calls, then while the tools run their progress, `retry`
 * and `tool-error` parts, then their results; `finish` or (`abort` and) `error` last.
 */
export type StreamPart =
  | StartPart
  | BackendsUnavailablePart
  | StepStartPart
  | TextDeltaPart
  | StepFinishPart
  | ToolCallPart
  | ToolProgressPart
  | RetryPart
  | ModelFallbackPart
  | ToolErrorPart
  | ToolResultPart
  | FinishPart
  | AbortPart
  | ErrorPart;
