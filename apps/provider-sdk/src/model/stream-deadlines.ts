import { RESILIENCE_ERROR_CODES, ResilienceError } from '@mcs/resilience';
import { toResilienceError } from '../to-resilience-error.js';
import type { ModelStreamPart } from './language-model.js';

/** How long a model stream may stay silent, ms. */
export interface StreamDeadlines {
  /** From the request until its first token (text or a tool call). */
  firstTokenTimeoutMs: number;
  /** Between two parts once the first token came. */
  idleTimeoutMs: number;
}

const isToken = (part: ModelStreamPart) => part.type === 'text-delta' || part.type === 'tool-call-delta';

/**
 * Opens a model stream and reads it under the two deadlines. A deadline that passes aborts the
 * request and throws a `timeout` error naming the setting, so the stream retry can ask again (nothing
 * reached the consumer yet) or end with it. The clock stops while the consumer holds a part: a slow
 * reader is not a silent model. (The `openai` stream ends quietly when aborted, so the error is ours.)
 *
 * One timer per deadline period, not one per part: each part only notes the time, and a timer that
 * fires early (parts came meanwhile, or the consumer held one) is set again for what is left. A
 * stream answers hundreds of parts a second, and a timer per part was a measurable share of the
 * provider's CPU time per part (bench/provider-sdk generate-stream).
 */
export function withDeadlines(
  open: (signal: AbortSignal) => Promise<AsyncIterable<ModelStreamPart>>,
  signal: AbortSignal,
  deadlines: StreamDeadlines,
  modelId: string,
  /** Hears the error an attempt fails with (the request, the stream or a deadline). */
  onFailure?: (error: ResilienceError) => void,
): AsyncIterableIterator<ModelStreamPart> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  let timedOut: ResilienceError | undefined;
  let started = 0;
  let tokens = false;
  /** When the model last sent something (or the consumer handed control back). */
  let lastActivity = 0;
  let holding = false;
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    timer = undefined;
    if (timedOut) return;
    const now = performance.now();
    const setting: keyof StreamDeadlines = tokens ? 'idleTimeoutMs' : 'firstTokenTimeoutMs';
    // Idle time counts from the last part; the first token's deadline from the request.
    const left = holding
      ? deadlines[setting]
      : tokens
        ? lastActivity + deadlines.idleTimeoutMs - now
        : started + deadlines.firstTokenTimeoutMs - now;
    if (left > 0) {
      timer = setTimeout(check, Math.ceil(left));
      return;
    }
    const what = tokens ? 'nothing more' : 'no token';
    const error = new ResilienceError({
      code: RESILIENCE_ERROR_CODES.TIMEOUT,
      category: 'timeout',
      message: `model "${modelId}" sent ${what} within ${deadlines[setting]} ms (${setting}); raise ${setting} if it legitimately needs longer`,
    });
    timedOut = error;
    controller.abort(error);
    // A model that ignores the abort must not hold the reader: the read waiting now fails at once.
    waiting?.(error);
  };
  /** Rejects the read in progress (set while one waits). */
  let waiting: ((error: ResilienceError) => void) | undefined;
  /** `promise`, or the timeout error once a deadline passes: one promise per read (Promise.race made several). */
  const untilDeadline = <T>(promise: Promise<T>): Promise<T> => {
    if (timedOut) return Promise.reject(timedOut);
    return new Promise<T>((resolve, reject) => {
      waiting = reject;
      promise.then(resolve, reject);
    });
  };
  let source: AsyncIterator<ModelStreamPart> | undefined;
  let state: 'new' | 'reading' | 'ended' = 'new';
  /** Stops the clock; a stream not read to its end is aborted and closed. */
  const finish = async (completed: boolean) => {
    if (state === 'ended') return;
    state = 'ended';
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    // A stream read to its end has released its request: aborting it then is pure cost (the openai
    // client's abort handling took ~0.35 ms of CPU per request in bench/provider-sdk generate-stream).
    if (!completed) {
      controller.abort();
      await source?.return?.()?.catch(() => {});
    }
  };
  // Written out rather than as an async generator: every part passes here (see streamParts).
  const iterator: AsyncIterableIterator<ModelStreamPart> = {
    [Symbol.asyncIterator]: () => iterator,
    async next(): Promise<IteratorResult<ModelStreamPart>> {
      if (state === 'ended') return { done: true, value: undefined };
      try {
        if (state === 'new') {
          state = 'reading';
          if (signal.aborted) onAbort();
          signal.addEventListener('abort', onAbort, { once: true });
          started = performance.now();
          timer = setTimeout(check, deadlines.firstTokenTimeoutMs);
          const stream = await untilDeadline(open(controller.signal));
          source = stream[Symbol.asyncIterator]();
        } else {
          holding = false;
          lastActivity = performance.now();
        }
        const result = await untilDeadline(source!.next());
        waiting = undefined;
        if (result.done) {
          if (timedOut) throw timedOut;
          await finish(true);
          return result;
        }
        if (!tokens && isToken(result.value)) {
          tokens = true;
          // From the first token on, the idle deadline applies: re-aim the timer at it.
          clearTimeout(timer);
          timer = setTimeout(check, deadlines.idleTimeoutMs);
        }
        holding = true;
        return result;
      } catch (error) {
        await finish(false);
        // Classified here, where the model's own errors pass: one that says its `code` and
        // `category` (another model's, see LanguageModelV1) keeps them for the retry decision.
        const failure = toResilienceError(error);
        onFailure?.(failure);
        throw failure;
      }
    },
    async return(): Promise<IteratorResult<ModelStreamPart>> {
      await finish(false);
      return { done: true, value: undefined };
    },
  };
  return iterator;
}
