import { z } from 'zod';
import { ProviderError } from '../provider-error.js';
import { type Message, type MessageInput, MessageInputSchema } from './message.js';

/** `auto` (default), `none`, `required` (some tool), or `{ tool: '<backend>.<tool>' }`: that one. */
export type ToolChoice = 'auto' | 'none' | 'required' | { tool: string };

/** `text` (default), any JSON object, or JSON matching `schema` (a JSON Schema object). */
export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json' }
  | {
      type: 'json-schema';
      schema: Record<string, unknown>;
      /** Name of the schema for the API (`[A-Za-z0-9_-]`, default `response`). */
      name?: string;
      description?: string;
      /** Hold the model to the schema exactly (OpenAI structured outputs); default true. */
      strict?: boolean;
    };

/** One request: a `prompt` (one user message) or a whole conversation in `messages`. */
export interface GenerateRequest {
  prompt?: string;
  /**
   * The conversation, e.g. a previous result's `messages` plus the next user message: our `Message`s,
   * or OpenAI chat messages (converted). A leading system message is kept; without one the config's
   * `system` goes first.
   */
  messages?: MessageInput[];
  /** Replaces the config's system message (and the conversation's leading one) for this request. */
  system?: string;
  /** Correlation id on this request's log lines, spans and `start` part; default a random UUID. */
  requestId?: string;
  /** Stops the model request, running MCP calls and retry waits; the result is a `CANCELLED` error. */
  signal?: AbortSignal;
  /** Overrides the config's `maxSteps`. */
  maxSteps?: number;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  /** Up to 4 sequences where the model stops. */
  stop?: string | string[];
  /** Ask for reproducible sampling (where the API supports it). */
  seed?: number;
  /** Pool tool names (`<backend>.<tool>`) the model may use; default every tool; `[]` none. */
  tools?: string[];
  toolChoice?: ToolChoice;
  responseFormat?: ResponseFormat;
  /** Another model of the same API for this request (the config's `fallbackModels` still follow it). */
  model?: string;
  /** Extra request-body fields sent to the API as they are (e.g. `{ reasoning_effort: 'low' }`). */
  providerOptions?: Record<string, unknown>;
}

const schemaName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'use 1-64 letters, digits, _ or -')
  .optional();

export const GenerateRequestSchema = z
  .object({
    prompt: z.string().optional(),
    messages: z.array(MessageInputSchema).optional(),
    system: z.string().optional(),
    requestId: z
      .string()
      .regex(/^[\x21-\x7e]{1,128}$/, 'use 1-128 printable ASCII characters without spaces')
      .optional(),
    signal: z.instanceof(AbortSignal).optional(),
    maxSteps: z.number().int().min(1).max(100).optional(),
    temperature: z.number().min(0).max(2).optional(),
    topP: z.number().gt(0).max(1).optional(),
    maxTokens: z.number().int().positive().optional(),
    stop: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(4)]).optional(),
    seed: z.number().int().optional(),
    tools: z.array(z.string()).optional(),
    toolChoice: z
      .union([z.enum(['auto', 'none', 'required']), z.object({ tool: z.string().min(1) }).strict()])
      .optional(),
    responseFormat: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('text') }).strict(),
        z.object({ type: z.literal('json') }).strict(),
        z
          .object({
            type: z.literal('json-schema'),
            schema: z.record(z.string(), z.unknown()),
            name: schemaName,
            description: z.string().optional(),
            strict: z.boolean().optional(),
          })
          .strict(),
      ])
      .optional(),
    model: z.string().trim().min(1).optional(),
    providerOptions: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .refine((request) => request.prompt !== undefined || (request.messages?.length ?? 0) > 0, {
    message: 'give a prompt or at least one message',
  });

/** A validated request: its messages in our shape. */
export type CheckedRequest = Omit<GenerateRequest, 'messages'> & { messages?: Message[] };

/** Validates a request at the edge; a bad one is `CONFIG_INVALID` naming every bad field. */
export function checkRequest(request: GenerateRequest): CheckedRequest {
  const checked = GenerateRequestSchema.safeParse(request);
  // The caller's own object (and signal) stays; only the messages are the converted ones.
  if (checked.success)
    return checked.data.messages === undefined
      ? (request as CheckedRequest)
      : { ...request, messages: checked.data.messages };
  const problems = checked.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new ProviderError('CONFIG_INVALID', `invalid request: ${problems.join('; ')}`, { cause: checked.error });
}

/**
 * The messages of one request with exactly one system message first. A continued conversation (a
 * previous result's `messages`) already starts with one: it is kept, unless the request's own
 * `system` replaces it; the config's `system` goes only before a conversation without one.
 */
export function conversation(request: CheckedRequest, configSystem: string | undefined): Message[] {
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
