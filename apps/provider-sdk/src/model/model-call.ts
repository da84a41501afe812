import { RESILIENCE_ERROR_CODES, ResilienceError, type ResiliencePolicy, retryAsyncIterable } from '@mcs/resilience';
import { toResilienceError } from '../to-resilience-error.js';
import type { LanguageModelV1, ModelCallOptions, ModelStreamPart } from './language-model.js';
import { type StreamDeadlines, withDeadlines } from './stream-deadlines.js';

/** A model the loop may ask, with its own policy (retries, and a breaker whose open time is its cooldown). */
export interface ModelCandidate {
  model: LanguageModelV1;
  policy: ResiliencePolicy;
  /** Its breaker opened less than `recoveryTimeoutMs` ago: skip it while a later model can answer. */
  coolingDown(): boolean;
}

/**
 * A candidate for `model` under `policy`. The breaker's state reads `open` until its next call
 * after the cooldown (only a call turns it half-open), so the cooldown is timed here, from the
 * breaker's opening: skipping every model whose state reads `open` never asked it again.
 */
export function modelCandidate(model: LanguageModelV1, policy: ResiliencePolicy): ModelCandidate {
  let openedAt = 0;
  policy.events.on('circuit-state-change', ({ to }) => {
    if (to === 'open') openedAt = performance.now();
  });
  return {
    model,
    policy,
    coolingDown: () =>
      policy.circuitState === 'open' && performance.now() - openedAt < policy.config.circuitBreaker.recoveryTimeoutMs,
  };
}

/** What one model call yields: the model's parts, and the decisions taken on the way. */
export type ModelCallPart =
  | ModelStreamPart
  /** An attempt failed before any text went out; the same model is asked again after `delayMs`. */
  | { type: 'model-retry'; modelId: string; attempt: number; delayMs: number; error: ResilienceError }
  /** `from` failed for good before any text went out; `to` is asked next. */
  | { type: 'model-fallback'; from: string; to: string; error: ResilienceError };

/**
 * One model call of a step. Each candidate in turn is streamed through its policy's stream retry,
 * under the deadlines; a retry is possible until text has reached the consumer (tool-call pieces
 * are only collected, and a role-only first chunk carries nothing). When a candidate fails for good
 * with a category its policy retries (rate limited, unavailable or open circuit, timeout, 5xx) and
 * nothing went out, the next candidate is asked; any other failure ends the call.
 */
export function streamModelCall(
  candidates: readonly ModelCandidate[],
  call: Omit<ModelCallOptions, 'signal'>,
  signal: AbortSignal,
  deadlines: StreamDeadlines,
  /** Opens each request in the model call's span context (observability). */
  within: <T>(fn: () => T) => T = (fn) => fn(),
): AsyncIterable<ModelCallPart> {
  // With one model there is nothing to fall over to: its stream retry is the whole call, without a
  // generator around it that every part would pass through.
  if (candidates.length === 1) return attempts(candidates[0]!, call, signal, deadlines, within, { delivered() {} });
  return withFallbacks(candidates, call, signal, deadlines, within);
}

/** What a model call's attempts tell the fallback logic; the one-model call needs none of it. */
interface AttemptHooks {
  /** Text first reached the consumer. */
  delivered(): void;
  /** An attempt opens its request. */
  opened?(): void;
  /** An attempt failed with `error` (before the policy decides on a retry). */
  failed?(error: ResilienceError): void;
}

/** One model's stream retry under the deadlines. */
function attempts(
  { model, policy }: ModelCandidate,
  call: Omit<ModelCallOptions, 'signal'>,
  signal: AbortSignal,
  deadlines: StreamDeadlines,
  within: <T>(fn: () => T) => T,
  hooks: AttemptHooks,
): AsyncIterable<ModelCallPart> {
  return retryAsyncIterable<ModelCallPart>(
    ({ signal: attemptSignal }) => {
      hooks.opened?.();
      return withDeadlines(
        (requestSignal) => within(() => model.doStream({ ...call, signal: requestSignal })),
        attemptSignal,
        deadlines,
        model.modelId,
        hooks.failed,
      );
    },
    {
      policy,
      signal,
      // Asked of each part until one delivers.
      delivers: (part) => {
        if (part.type !== 'text-delta') return false;
        hooks.delivered();
        return true;
      },
      retryItem: ({ attempt, delayMs, error }) => ({
        type: 'model-retry',
        modelId: model.modelId,
        attempt,
        delayMs,
        error,
      }),
    },
  );
}

async function* withFallbacks(
  candidates: readonly ModelCandidate[],
  call: Omit<ModelCallOptions, 'signal'>,
  signal: AbortSignal,
  deadlines: StreamDeadlines,
  within: <T>(fn: () => T) => T,
): AsyncGenerator<ModelCallPart, void, undefined> {
  for (const [index, candidate] of candidates.entries()) {
    const { model, policy } = candidate;
    const next = candidates[index + 1];
    // An open breaker is the model's cooldown: while a later model can answer, do not wait for it.
    if (next && candidate.coolingDown()) {
      const error = new ResilienceError({
        code: RESILIENCE_ERROR_CODES.CIRCUIT_OPEN,
        category: 'unavailable',
        message: `model "${model.modelId}" is cooling down after repeated failures (its circuit is open)`,
      });
      yield { type: 'model-fallback', from: model.modelId, to: next.model.modelId, error };
      continue;
    }
    let delivered = false;
    /** An attempt's request is open (from the factory's call to its failure or the stream's end). */
    let inFlight = false;
    /** The failure of the attempt that ran last, until the next one opens. */
    let failure: ResilienceError | undefined;
    // The breaker opening while this model's retries wait (after its own failure, another request's,
    // or a refusal while another request probed it) starts its cooldown: the next attempt would be
    // refused and wait it out (Retry-After up to maxDelayMs), so the retries stop here and the next
    // model is asked with the last failure. A request in flight is left to finish.
    const fallOver = next ? new AbortController() : undefined;
    const onAbort = () => fallOver?.abort(signal.reason);
    let stopWatching = () => {};
    if (fallOver) {
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      const off = policy.events.on('circuit-state-change', ({ to }) => {
        if (to !== 'open' || inFlight || delivered) return;
        fallOver.abort(
          failure ??
            new ResilienceError({
              code: RESILIENCE_ERROR_CODES.CIRCUIT_OPEN,
              category: 'unavailable',
              message: `model "${model.modelId}" is cooling down: its circuit opened while this request waited to ask it again`,
            }),
        );
      });
      stopWatching = () => {
        off();
        signal.removeEventListener('abort', onAbort);
      };
    }
    const parts = attempts(candidate, call, fallOver?.signal ?? signal, deadlines, within, {
      delivered: () => {
        delivered = true;
      },
      opened: () => {
        inFlight = true;
        failure = undefined;
      },
      failed: (error) => {
        inFlight = false;
        failure = error;
        // Opened by another request while this attempt ran: this failure changes nothing in it.
        if (fallOver && !delivered && policy.circuitState === 'open') fallOver.abort(error);
      },
    });
    try {
      // Delegated, not re-yielded: one async hop less for every part.
      yield* parts;
      return;
    } catch (thrown) {
      const fellOver = fallOver?.signal.aborted === true && !signal.aborted;
      const error = fellOver ? (fallOver!.signal.reason as ResilienceError) : toResilienceError(thrown);
      const fallsOver = policy.config.retry.retryCategories.includes(error.category);
      // (After a stop for the breaker, `thrown` says "cancelled": the failure is what happened.)
      if (!next || delivered || signal.aborted || !fallsOver) throw fellOver ? error : thrown;
      yield { type: 'model-fallback', from: model.modelId, to: next.model.modelId, error };
    } finally {
      stopWatching();
    }
  }
}
