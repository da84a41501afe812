import { ResilienceError } from '@mcs/resilience';
import type { Usage } from '../stream-part.js';
import type { ModelStreamPart } from './language-model.js';

/** An error the API sent inside the stream (`event: error`, or a payload with `error`), as the `openai` client makes it. */
export type StreamErrorOf = (payload: unknown, headers: Headers) => Error;

const malformed = (what: string) =>
  new ResilienceError({
    code: 'MODEL_STREAM_INVALID',
    category: 'protocol',
    message: `the model's stream sent ${what}; is baseURL an OpenAI-compatible chat-completions API?`,
  });

/** How much of a body may follow `[DONE]` before it is cut (see `drain`). */
const drainReads = 16;
const drainMs = 1_000;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const count = (value: unknown) => (typeof value === 'number' ? value : 0);

/** The API's token counts in ours (cached and reasoning tokens only when the API reports them). */
export function usageOf(reported: object): Usage {
  const usage = reported as Record<string, unknown>;
  const prompt = usage.prompt_tokens_details;
  const completion = usage.completion_tokens_details;
  const cached = isObject(prompt) ? prompt.cached_tokens : undefined;
  const reasoning = isObject(completion) ? completion.reasoning_tokens : undefined;
  return {
    promptTokens: count(usage.prompt_tokens),
    completionTokens: count(usage.completion_tokens),
    totalTokens: count(usage.total_tokens),
    ...(typeof cached === 'number' ? { cachedPromptTokens: cached } : {}),
    ...(typeof reasoning === 'number' ? { reasoningTokens: reasoning } : {}),
  };
}

/**
 * What one chunk holds, as our parts (the first chunk, often role-only, also gives `stream-start`).
 * The chunk is checked as it is read, by hand: a zod parse of every chunk would cost more than the
 * rest of the part's way to the consumer.
 */
function chunkParts(chunk: unknown, first: boolean, into: ModelStreamPart[]): void {
  if (!isObject(chunk)) throw malformed(`a chunk that is not a JSON object (${JSON.stringify(chunk).slice(0, 80)})`);
  if (first)
    into.push({ type: 'stream-start', ...(typeof chunk.model === 'string' ? { responseModel: chunk.model } : {}) });
  if (isObject(chunk.usage)) into.push({ type: 'usage', usage: usageOf(chunk.usage) });
  const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
  if (!isObject(choice)) return;
  const delta = choice.delta;
  if (isObject(delta)) {
    if (typeof delta.content === 'string' && delta.content !== '')
      into.push({ type: 'text-delta', text: delta.content });
    const toolCalls = delta.tool_calls;
    if (Array.isArray(toolCalls)) {
      for (const [position, call] of toolCalls.entries()) {
        if (!isObject(call)) throw malformed('a tool call delta that is not an object');
        const fn = isObject(call.function) ? call.function : {};
        into.push({
          type: 'tool-call-delta',
          // Some compatible servers leave `index` out when they send one call at a time.
          index: typeof call.index === 'number' ? call.index : position,
          ...(typeof call.id === 'string' && call.id !== '' ? { id: call.id } : {}),
          ...(typeof fn.name === 'string' && fn.name !== '' ? { name: fn.name } : {}),
          ...(typeof fn.arguments === 'string' && fn.arguments !== '' ? { argumentsDelta: fn.arguments } : {}),
        });
      }
    }
  }
  if (typeof choice.finish_reason === 'string') into.push({ type: 'finish', finishReason: choice.finish_reason });
}

/**
 * A chat-completions response body (server-sent events) read straight into our parts: one
 * written-out iterator from the bytes to the parts. The `openai` client still makes the request
 * (headers, errors by status, `Retry-After`); its own `Stream` is four async generators per chunk
 * and was most of the CPU time per part in bench/provider-sdk generate-stream, more than all of the
 * provider's layers after it. As that `Stream` does: the events after `[DONE]` are ignored, an
 * `error` event or payload throws the client's `APIError`, and a request aborted by `signal` ends
 * the stream quietly (the deadlines and the loop say why).
 */
export function chatCompletionParts(
  response: Response,
  signal: AbortSignal,
  streamError: StreamErrorOf,
): AsyncIterableIterator<ModelStreamPart> {
  const body = response.body;
  if (!body) throw malformed('a response without a body');
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  /** Where the unread part of `buffer` starts. */
  let position = 0;
  let bodyDone = false;
  /** A `\r` ended the last read: a `\n` first in the next one belongs to it. */
  let carriageReturn = false;
  let event = '';
  let data: string[] = [];
  let queue: ModelStreamPart[] = [];
  let next = 0;
  let first = true;
  let state: 'reading' | 'done' | 'ended' = 'reading';

  const release = () => {
    state = 'ended';
    reader.cancel().catch(() => {});
  };
  /**
   * After `[DONE]`: the rest of the body (usually just its end, in this read or the next) is read in
   * the background, not cancelled, as the `openai` client's own stream does by reading to the end.
   * Cancelling a body that has not ended aborts the request (an abort and its DOMException per
   * request) and closes its connection, so the next request opened a new one. Bounded: a server that
   * sends more, or keeps the body open, is cut after `drainReads` reads or `drainMs`.
   */
  const drain = () => {
    state = 'ended';
    if (bodyDone) return;
    const cut = () => {
      clearTimeout(timer);
      reader.cancel().catch(() => {});
    };
    const timer = setTimeout(cut, drainMs);
    timer.unref();
    let reads = 0;
    const more = (): void => {
      reader.read().then(
        (read) => {
          if (read.done) clearTimeout(timer);
          else if (++reads < drainReads) more();
          else cut();
        },
        () => clearTimeout(timer),
      );
    };
    more();
  };
  /** One complete event: its data as JSON, into the queue. */
  const dispatch = () => {
    const text = data.length === 1 ? data[0]! : data.join('\n');
    const name = event;
    data = [];
    event = '';
    if (text === '[DONE]') {
      state = 'done';
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      throw malformed(`an event that is not JSON (${text.slice(0, 80)})`);
    }
    if (name === 'error')
      throw streamError(isObject(payload) && payload.error ? payload.error : payload, response.headers);
    if (isObject(payload) && payload.error) throw streamError(payload.error, response.headers);
    chunkParts(payload, first, queue);
    first = false;
  };
  /**
   * Reads lines from `position` up to the next event that gave parts (or `[DONE]`); false when the
   * buffer holds no complete line more. One event at a time, not the whole read: a read can bring
   * a hundred events, and parsing them all first delayed the first part by their JSON.parse time.
   */
  const parse = (atEnd: boolean): boolean => {
    while (state === 'reading') {
      let end = buffer.indexOf('\n', position);
      if (end === -1) {
        if (position >= buffer.length) {
          // A server that leaves out the last blank line: the event in progress still counts.
          if (!atEnd || data.length === 0) return false;
          dispatch();
          return true;
        }
        if (!atEnd) return false;
        end = buffer.length;
      }
      const line = buffer.slice(position, end);
      position = end + 1;
      if (line === '') {
        if (data.length === 0) event = '';
        else {
          dispatch();
          if (queue.length > 0) return true;
        }
        continue;
      }
      if (line.charCodeAt(0) === 58 /* ':' a comment */) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value =
        colon === -1 ? '' : line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
    }
    return true;
  };
  const append = (text: string) => {
    if (carriageReturn && text.charCodeAt(0) === 10) text = text.slice(1);
    carriageReturn = text.charCodeAt(text.length - 1) === 13;
    // Lines may end in \r\n or \r too (the SSE format allows all three).
    const lines = text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
    buffer = position >= buffer.length ? lines : buffer.slice(position) + lines;
    position = 0;
  };

  const iterator: AsyncIterableIterator<ModelStreamPart> = {
    [Symbol.asyncIterator]: () => iterator,
    async next(): Promise<IteratorResult<ModelStreamPart>> {
      while (next >= queue.length) {
        if (state !== 'reading') {
          if (state === 'done') drain();
          return { done: true, value: undefined };
        }
        queue = [];
        next = 0;
        try {
          if (parse(bodyDone)) continue;
        } catch (error) {
          release();
          throw error;
        }
        if (bodyDone) {
          state = 'ended';
          continue;
        }
        let read: Awaited<ReturnType<typeof reader.read>>;
        try {
          read = await reader.read();
        } catch (error) {
          state = 'ended';
          if (signal.aborted) return { done: true, value: undefined };
          throw error;
        }
        if (read.done) {
          bodyDone = true;
          append(decoder.decode());
        } else append(decoder.decode(read.value, { stream: true }));
      }
      return { done: false, value: queue[next++]! };
    },
    async return(): Promise<IteratorResult<ModelStreamPart>> {
      if (state === 'done') drain();
      else if (state !== 'ended') {
        state = 'ended';
        await reader.cancel().catch(() => {});
      }
      return { done: true, value: undefined };
    },
  };
  return iterator;
}
