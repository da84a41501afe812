import type { RandomSource } from './backoff.js';
import { classifyError } from './classify-error.js';
import { type AttemptContext, ResiliencePolicy, type RetryNotice } from './create-policy.js';
import { abortedError, sleep } from './internal/abort.js';
import { type GiveUpReason, RetryDecider } from './internal/retry-decision.js';
import { parseConfig, type RetryConfig, RetryConfigSchema } from './policy-config.js';
import type { ResilienceError } from './resilience-error.js';
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
const IDLE = 0;
/** Between attempts: the next one opens a stream (after `waitMs` when it is a retry). */
const BETWEEN = 1;
/** An attempt's stream is open and has passed on items. */
const OPEN = 2;
const DONE = 3;

/**
 * Retries opening a stream: `factory` is called again while the stream has failed before delivering
 * its first item. Once an item reached the consumer, a failure ends the stream (replaying would
 * duplicate what the consumer already saw). Every attempt, retry and give-up is reported as an event
 * with `stream: true`. With a policy, the first item of each attempt also passes through the policy's
 * circuit breaker, so failing streams open the circuit as failing calls do. Errors are `ResilienceError`s.
 *
 * Nothing runs before the first `next()` (as with a generator: settings are checked there). `return()`
 * closes the open source; `throw(error)` does too, then rejects with `error` (it is not retried).
 */
export function retryAsyncIterable<T>(
  factory: (context: AttemptContext) => AsyncIterable<T> | Promise<AsyncIterable<T>>,
  options: RetryAsyncIterableOptions<T> | ResiliencePolicy = {},
): AsyncGenerator<T, void, undefined> {
  return new RetryingStream(factory, options);
}

const done: IteratorReturnResult<void> = Object.freeze({ done: true, value: undefined });

/**
 * The stream retry as a written-out iterator rather than an async generator: every item of every
 * model stream passes through it, and a generator's resumption per item cost about 0.5 µs
 * (bench/provider-sdk generate-stream). Calls to `next()` made while one runs are queued, as a
 * generator queues them.
 */
class RetryingStream<T> implements AsyncGenerator<T, void, undefined> {
  readonly #factory: (context: AttemptContext) => AsyncIterable<T> | Promise<AsyncIterable<T>>;
  readonly #options: RetryAsyncIterableOptions<T> | ResiliencePolicy;
  #settings!: RetryAsyncIterableOptions<T>;
  #name!: string;
  #events!: ResilienceEventEmitter;
  #decider!: RetryDecider;
  #ownEvents: (() => void) | undefined;
  #state = IDLE;
  #attempt = 0;
  #iterator: AsyncIterator<T> | undefined;
  #delivered = false;
  #waitMs: number | undefined;
  #running = false;
  #last: Promise<unknown> = Promise.resolve();

  constructor(
    factory: (context: AttemptContext) => AsyncIterable<T> | Promise<AsyncIterable<T>>,
    options: RetryAsyncIterableOptions<T> | ResiliencePolicy,
  ) {
    this.#factory = factory;
    this.#options = options;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T, void>> {
    const result = this.#running ? this.#after(() => this.#advance()) : this.#advance();
    this.#last = result;
    return result;
  }

  return(): Promise<IteratorResult<T, void>> {
    const result = this.#running ? this.#after(() => this.#close()) : this.#close();
    this.#last = result;
    return result;
  }

  throw(error?: unknown): Promise<IteratorResult<T, void>> {
    const result = this.return().then(() => Promise.reject(error));
    this.#last = result;
    return result;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  #after<R>(step: () => Promise<R>): Promise<R> {
    return this.#last.then(step, step);
  }

  #start(): void {
    const options = this.#options;
    const settings: RetryAsyncIterableOptions<T> = options instanceof ResiliencePolicy ? { policy: options } : options;
    const { policy } = settings;
    this.#settings = settings;
    this.#name = policy?.name ?? settings.name ?? 'default';
    this.#events = policy?.events ?? new ResilienceEventEmitter();
    this.#decider =
      policy?.retryDecider ??
      new RetryDecider(
        parseConfig(RetryConfigSchema, settings.retry, 'stream retry'),
        settings.random ?? Math.random,
        this.#events,
        this.#name,
      );
    // Only stream events: `onEvent` must not hear the policy's `execute` calls (with a shared policy it
    // does hear its other streams; tell them apart by time or give each stream its own listener there).
    const listener = settings.onEvent;
    const name = this.#name;
    this.#ownEvents = listener
      ? this.#events.onAny((event) => event.stream && event.policy === name && listener(event))
      : undefined;
    this.#state = BETWEEN;
  }

  async #advance(): Promise<IteratorResult<T, void>> {
    this.#running = true;
    try {
      if (this.#state === DONE) return done;
      if (this.#state === IDLE) {
        try {
          this.#start();
        } catch (error) {
          this.#finish();
          throw error;
        }
      }
      for (;;) {
        try {
          let result: IteratorResult<T>;
          if (this.#state === OPEN) result = await (this.#iterator as AsyncIterator<T>).next();
          else {
            await this.#wait();
            result = await this.#open();
            this.#state = OPEN;
          }
          if (result.done) {
            this.#finish();
            return done;
          }
          if (!this.#delivered) this.#delivered = this.#settings.delivers?.(result.value) ?? true;
          return result;
        } catch (thrown) {
          if (this.#state === DONE) throw thrown;
          const notice = this.#failed(thrown);
          if (notice !== undefined) return { done: false, value: notice };
        }
      }
    } finally {
      this.#running = false;
    }
  }

  /** The backoff wait before a retry (none before the first attempt). */
  async #wait(): Promise<void> {
    const delayMs = this.#waitMs;
    if (delayMs === undefined) return;
    this.#waitMs = undefined;
    const signal = this.#settings.signal;
    try {
      await sleep(delayMs, signal);
    } catch (cancelled) {
      throw this.#fail(this.#attempt, classifyError(cancelled), 'cancelled');
    }
  }

  /** Starts the next attempt: opens the source and reads its first item (through the breaker). */
  #open(): Promise<IteratorResult<T>> {
    const { policy, signal } = this.#settings;
    if (signal?.aborted) {
      throw this.#fail(this.#attempt, abortedError(signal), 'cancelled');
    }
    const attempt = ++this.#attempt;
    this.#events.emit({ type: 'attempt', policy: this.#name, stream: true, attempt });
    const context: AttemptContext = { signal: signal ?? neverAborted, attempt };
    this.#iterator = undefined;
    this.#delivered = false;
    const openAndReadFirst = async (): Promise<IteratorResult<T>> => {
      const iterator = (await this.#factory(context))[Symbol.asyncIterator]();
      this.#iterator = iterator;
      return iterator.next();
    };
    const breaker = policy?.circuitBreaker;
    return breaker ? breaker.execute(openAndReadFirst, signal) : openAndReadFirst();
  }

  /** An attempt failed: throws the final error, or schedules the retry and answers its notice item. */
  #failed(thrown: unknown): T | undefined {
    // The failed source is left as it is (it ended by failing), as it was by the generator.
    this.#iterator = undefined;
    this.#state = BETWEEN;
    const attempt = this.#attempt;
    const error = classifyError(thrown);
    const { signal } = this.#settings;
    if (signal?.aborted) {
      throw this.#fail(attempt, abortedError(signal), 'cancelled');
    }
    if (this.#delivered) {
      throw this.#fail(attempt, error, 'item-delivered');
    }
    const delayMs = this.#decider.nextDelay(attempt, error, true);
    if (delayMs === undefined) {
      this.#finish();
      throw error;
    }
    this.#waitMs = delayMs;
    return this.#settings.retryItem?.({ attempt, delayMs, error });
  }

  /** The consumer stopped early (return/throw): close an open source so it releases its connection. */
  async #close(): Promise<IteratorResult<T, void>> {
    const iterator = this.#state === OPEN ? this.#iterator : undefined;
    this.#finish();
    await iterator?.return?.();
    return done;
  }

  /** Gives up (the give-up event still reaches `onEvent`), then ends the stream. */
  #fail(attempt: number, error: ResilienceError, reason: GiveUpReason): ResilienceError {
    const final = this.#decider.giveUp(attempt, error, reason, true);
    this.#finish();
    return final;
  }

  #finish(): void {
    this.#state = DONE;
    this.#iterator = undefined;
    this.#waitMs = undefined;
    this.#ownEvents?.();
    this.#ownEvents = undefined;
  }
}
