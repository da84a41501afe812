import { RESILIENCE_ERROR_CODES, ResilienceError } from '@mcs/resilience';
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
 */
export async function* withDeadlines(
  open: (signal: AbortSignal) => Promise<AsyncIterable<ModelStreamPart>>,
  signal: AbortSignal,
  deadlines: StreamDeadlines,
  modelId: string,
): AsyncGenerator<ModelStreamPart, void, undefined> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  let expire!: (error: ResilienceError) => void;
  const expired = new Promise<never>((_, reject) => {
    expire = reject;
  });
  expired.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  let timedOut: ResilienceError | undefined;
  const arm = (ms: number, setting: keyof StreamDeadlines, what: string) => {
    timer = setTimeout(() => {
      const error = new ResilienceError({
        code: RESILIENCE_ERROR_CODES.TIMEOUT,
        category: 'timeout',
        message: `model "${modelId}" sent ${what} within ${deadlines[setting]} ms (${setting}); raise ${setting} if it legitimately needs longer`,
      });
      timedOut = error;
      controller.abort(error);
      expire(error);
    }, ms);
  };
  const firstTokenBy = Date.now() + deadlines.firstTokenTimeoutMs;
  let tokens = false;
  const rearm = () =>
    tokens
      ? arm(deadlines.idleTimeoutMs, 'idleTimeoutMs', 'nothing more')
      : arm(Math.max(0, firstTokenBy - Date.now()), 'firstTokenTimeoutMs', 'no token');
  let iterator: AsyncIterator<ModelStreamPart> | undefined;
  try {
    rearm();
    const stream = await Promise.race([open(controller.signal), expired]);
    iterator = stream[Symbol.asyncIterator]();
    for (;;) {
      const result = await Promise.race([iterator.next(), expired]);
      clearTimeout(timer);
      if (result.done) {
        if (timedOut) throw timedOut;
        break;
      }
      tokens ||= isToken(result.value);
      yield result.value;
      rearm();
    }
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    controller.abort();
    await iterator?.return?.()?.catch(() => {});
  }
}
