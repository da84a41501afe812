import type { RandomSource } from './backoff.js';
import { classifyError } from './classify-error.js';
import { type AttemptContext, ResiliencePolicy, type RetryNotice } from './create-policy.js';
import { abortedError, sleep } from './internal/abort.js';
import { RetryDecider } from './internal/retry-decision.js';
import { parseConfig, type RetryConfig, RetryConfigSchema } from './policy-config.js';
import { ResilienceEventEmitter, type ResilienceListener } from './resilience-events.js';

export interface RetryAsyncIterableOptions<T = unknown> {
  /** Take retry settings, jitter source, events and circuit breaker from this policy. */
  policy?: ResiliencePolicy;
  /** Retry settings when no policy is given (same schema and defaults as a policy's `retry`). */
  retry?: Partial<RetryConfig>;
  /** Stops the stream: before an attempt, during a backoff wait, and inside the source (passed to the factory). */
  signal?: AbortSignal;
  /** Labels events when no policy is given. Default `default`. */
  name?: string;
  /** Jitter source when no policy is given. Default `Math.random`. */
  random?: RandomSource;
  /** Receives attempt, retry and give-up events of streams (with a policy: all of that policy's streams). */
  onEvent?: ResilienceListener;
  /**
   * Whether an item ends the retrying: once one has reached the consumer, a failure is final. Default:
   * every item. Items before it are passed on but a failure still retries, so they must be safe to see
   * twice (a chunk that only announces the answer, with no content in it).
   */
  delivers?: (item: T) => boolean;
  /**
   * An item to pass to the consumer before each backoff wait (to say a retry is coming, and how long
   * it waits); it does not count as delivered.
   */
  retryItem?: (retry: RetryNotice) => T | undefined;
}

const neverAborted = new AbortController().signal;

/**
 * Retries opening a stream: `factory` is called again while the stream has failed before delivering
 * its first item. Once an item reached the consumer, a failure ends the stream (replaying would
 * duplicate what the consumer already saw). Every attempt, retry and give-up is reported as an event
 * with `stream: true`. With a policy, the first item of each attempt also passes through the policy's
 * circuit breaker, so failing streams open the circuit as failing calls do. Errors are `ResilienceError`s.
 */
export async function* retryAsyncIterable<T>(
  factory: (context: AttemptContext) => AsyncIterable<T> | Promise<AsyncIterable<T>>,
  options: RetryAsyncIterableOptions<T> | ResiliencePolicy = {},
): AsyncGenerator<T, void, undefined> {
  const settings: RetryAsyncIterableOptions<T> = options instanceof ResiliencePolicy ? { policy: options } : options;
  const { policy, signal } = settings;
  const name = policy?.name ?? settings.name ?? 'default';
  const events = policy?.events ?? new ResilienceEventEmitter();
  const decider =
    policy?.retryDecider ??
    new RetryDecider(
      parseConfig(RetryConfigSchema, settings.retry, 'stream retry'),
      settings.random ?? Math.random,
      events,
      name,
    );
  const breaker = policy?.circuitBreaker;
  // Only stream events: `onEvent` must not hear the policy's `execute` calls (with a shared policy it
  // does hear its other streams; tell them apart by time or give each stream its own listener there).
  const listener = settings.onEvent;
  const ownEvents = listener
    ? events.onAny((event) => event.stream && event.policy === name && listener(event))
    : undefined;

  try {
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw decider.giveUp(attempt - 1, abortedError(signal), 'cancelled', true);
      events.emit({ type: 'attempt', policy: name, stream: true, attempt });
      const context: AttemptContext = { signal: signal ?? neverAborted, attempt };
      let iterator: AsyncIterator<T> | undefined;
      let delivered = false;
      let settled = false;
      try {
        const openAndReadFirst = async (): Promise<IteratorResult<T>> => {
          iterator = (await factory(context))[Symbol.asyncIterator]();
          return iterator.next();
        };
        let result = breaker ? await breaker.execute(openAndReadFirst, signal) : await openAndReadFirst();
        while (!result.done) {
          if (!delivered) delivered = settings.delivers?.(result.value) ?? true;
          yield result.value;
          result = await (iterator as AsyncIterator<T>).next();
        }
        settled = true;
        return;
      } catch (thrown) {
        settled = true;
        const error = classifyError(thrown);
        if (signal?.aborted) throw decider.giveUp(attempt, abortedError(signal), 'cancelled', true);
        if (delivered) throw decider.giveUp(attempt, error, 'item-delivered', true);
        const delayMs = decider.nextDelay(attempt, error, true);
        if (delayMs === undefined) throw error;
        const notice = settings.retryItem?.({ attempt, delayMs, error });
        if (notice !== undefined) yield notice;
        try {
          await sleep(delayMs, signal);
        } catch (cancelled) {
          throw decider.giveUp(attempt, classifyError(cancelled), 'cancelled', true);
        }
      } finally {
        // The consumer stopped early (break/return): close the source so it releases its connection.
        if (!settled) await iterator?.return?.();
      }
    }
  } finally {
    ownEvents?.();
  }
}
