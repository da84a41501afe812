import type { Usage } from '../stream-part.js';
import type { Message } from './message.js';

/**
 * The model interface the tool loop talks to, versioned by `specificationVersion` (a later version
 * comes with an adapter from this one), so another API can be added without touching the loop.
 * `doStream` and `doGenerate` make one request each: no retries, no deadlines, no tool runs; the loop
 * does those, the same for every model.
 *
 * v1 carries the conversation in the SDK's own `Message`s (tool calls under the names the model
 * sees, as in `tools`); each model converts them to its API's shape at its edge.
 *
 * A failure says how to react through its category: throw (or end the stream with) an `Error` with
 * a string `code` and a `category` (an `ErrorCategory`, e.g. a `ProviderError`), or with the HTTP
 * `status` (and `headers`, for `Retry-After`) the API answered; anything else counts as `internal`.
 */
export interface LanguageModelV1 {
  readonly specificationVersion: 'v1';
  /** The API family, e.g. `openai-chat`. */
  readonly provider: string;
  /** The model name sent to the API. */
  readonly modelId: string;
  /** One request, the whole answer at once. */
  doGenerate(options: ModelCallOptions): Promise<ModelGenerateResult>;
  /**
   * One streamed request: resolves once the API accepted it (an HTTP error rejects here), then yields
   * its parts. Ends without `finish` only when `signal` aborted it.
   */
  doStream(options: ModelCallOptions): Promise<AsyncIterable<ModelStreamPart>>;
}

/** A tool offered to the model, under the name the model sees. */
export interface ModelTool {
  name: string;
  description?: string;
  /** JSON Schema of the arguments (an object schema). */
  parameters: Record<string, unknown>;
  /** Ask the API to hold the model to the schema exactly (only where the schema allows it). */
  strict?: boolean;
}

/** `auto` (default), `none`, `required` (some tool), or one tool by the name the model sees. */
export type ModelToolChoice = 'auto' | 'none' | 'required' | { type: 'tool'; name: string };

/** Plain text (default), any JSON object, or JSON matching `schema`. */
export type ModelResponseFormat =
  | { type: 'text' }
  | { type: 'json' }
  | { type: 'json-schema'; name: string; schema: Record<string, unknown>; description?: string; strict?: boolean };

export interface ModelCallSettings {
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  stop?: string[];
  seed?: number;
  toolChoice?: ModelToolChoice;
  responseFormat?: ModelResponseFormat;
  /** Let the model ask for several tool calls at once (only sent when there are tools). */
  parallelToolCalls?: boolean;
  /** Extra request-body fields for this API, sent as they are (e.g. `{ reasoning_effort: 'low' }`). */
  providerOptions?: Record<string, unknown>;
}

export interface ModelCallOptions {
  messages: Message[];
  tools: ModelTool[];
  settings: ModelCallSettings;
  signal: AbortSignal;
}

/** What a streamed answer is made of, whatever the API. */
export type ModelStreamPart =
  /** The API started answering (e.g. the role-only first chunk): no content yet. */
  | { type: 'stream-start'; responseModel?: string }
  | { type: 'text-delta'; text: string }
  /** A piece of tool call `index`: id and name come first, the arguments JSON in fragments. */
  | { type: 'tool-call-delta'; index: number; id?: string; name?: string; argumentsDelta?: string }
  | { type: 'finish'; finishReason: string }
  | { type: 'usage'; usage: Usage };

export interface ModelToolCall {
  id: string;
  name: string;
  /** The arguments as the model wrote them (JSON text). */
  arguments: string;
}

export interface ModelGenerateResult {
  text: string;
  toolCalls: ModelToolCall[];
  finishReason: string;
  usage?: Usage;
  responseModel?: string;
}
