import type { RandomSource } from './backoff.js';
import { CircuitBreaker, type CircuitPermit } from './circuit-breaker.js';
import { classifyError } from './classify-error.js';
import { abortedError, raceAbort, sleep } from './internal/abort.js';
import { Bulkhead } from './internal/bulkhead.js';
import { type DeadlineEntry, DeadlineTimer } from './internal/deadline-timer.js';
import { RetryDecider } from './internal/retry-decision.js';
import { type PolicyConfig, type PolicyConfigInput, parsePolicyConfig } from './policy-config.js';
import { RESILIENCE_ERROR_CODES, ResilienceError } from './resilience-error.js';
import { type CircuitStateName, ResilienceEventEmitter, type ResilienceListener } from './resilience-events.js';

/**
 * What the executed function receives. With a timeout, `signal` is an accessor that makes the
 * attempt's AbortController on first read: read it or destructure it (`({ signal }) => ...`); a
 * spread copy (`{ ...context }`) does not carry it.
 */
export interface AttemptContext {
  /** Aborts when the caller aborts or the attempt times out. Pass it to fetch, the MCP client, ... */
  signal: AbortSignal;
  /** 1 for the first call, 2 for the first retry, ... */
  attempt: number;
}

export interface ExecuteOptions {
  /** The caller's signal: aborting it rejects the call at once with `CANCELLED` (or `TIMEOUT` for `AbortSignal.timeout`). */
  signal?: AbortSignal;
  /**
   * `false`: one attempt only, whatever the error's category (a call that is not safe to repeat, such
   * as a tool call with side effects); the give-up event says `not-retryable`. Default `true`.
   */
  retry?: boolean;
  /** This call's retries, each before its wait (the policy's `retry` events hear every call's). */
  onRetry?: (retry: RetryNotice) => void;
}

/** One retry of one call: the attempt that failed, its error and the wait before the next attempt. */
export interface RetryNotice {
  attempt: number;
  delayMs: number;
  error: ResilienceError;
}

export interface CreatePolicyOptions {
  /** Uniform [0, 1) source for backoff jitter. Default `Math.random`; inject a seeded one in tests. */
  random?: RandomSource;
  /** Subscribed to `events` before anything runs. */
  onEvent?: ResilienceListener;
}

type AttemptFunction<T> = (context: AttemptContext) => PromiseLike<T> | T;

const neverAborted = new AbortController().signal;

/**
 * One attempt: the context `fn` receives, and what the attempt holds until it settles (its breaker
 * admission and its deadline), kept in private fields so that `fn` sees only `signal` and `attempt`.
 * With a timeout, `signal` makes the attempt's AbortController on first read (see
 * `DeadlineEntry.controller`): most functions never read it, and the controller was the largest
 * single cost of a call.
 */
class Attempt implements AttemptContext {
  readonly attempt: number;
  readonly #callerSignal: AbortSignal | undefined;
  #permit: CircuitPermit | undefined = undefined;
  #entry: DeadlineEntry | undefined = undefined;

  constructor(attempt: number, callerSignal: AbortSignal | undefined) {
    this.attempt = attempt;
    this.#callerSignal = callerSignal;
  }

  get signal(): AbortSignal {
    return this.#entry ? this.#entry.controller.signal : (this.#callerSignal ?? neverAborted);
  }

  /** Passes the breaker (throws `CIRCUIT_OPEN` when it refuses) and starts the deadline. */
  enter(breaker: CircuitBreaker | undefined, deadlines: DeadlineTimer | undefined): void {
    if (breaker) this.#permit = breaker.admit();
    if (deadlines) this.#entry = deadlines.add(undefined, this.attempt, this.#callerSignal);
  }

  /** Stops the deadline; true when it had passed (a failure is then a timeout). */
  leave(deadlines: DeadlineTimer | undefined): boolean {
    const entry = this.#entry;
    if (!entry || !deadlines) return false;
    deadlines.remove(entry);
    return entry.timedOut;
  }

  /** Tells the breaker how the attempt ended (if the breaker let it through). */
  report(breaker: CircuitBreaker | undefined, failed: boolean, error: unknown): void {
    const permit = this.#permit;
    if (!permit || !breaker) return;
    if (failed) breaker.recordFailure(permit, error);
    else breaker.recordSuccess(permit);
  }
}

/**
 * A composed policy: bulkhead -> retry -> circuit breaker -> timeout -> your function.
 *
 * - The bulkhead is outermost so a call keeps one slot through all its retries (retries cannot
 *   multiply the load on a backend) and a rejection is immediate and not retried.
 * - Retry wraps the breaker, so each attempt is counted by the breaker and an open circuit's
 *   `retryAfterMs` makes the retry wait for the half-open window.
 * - The timeout is per attempt; give `execute` an `AbortSignal.timeout(ms)` for a whole-call deadline.
 *
 * The success path is kept to one promise reaction on top of the function's own promise: the
 * bulkhead slot (`Bulkhead`), the breaker admission (`CircuitBreaker.admit`) and the deadline
 * (`DeadlineTimer`) are taken synchronously, the first attempt runs at once, and its success
 * releases them all in a single `then`. Only a failure enters the async retry loop. (bench/resilience
 * measures what each layer cost.)
 *
 * The breaker decides with cockatiel's breakers. Retry and timeout are ours: cockatiel 4's
 * `RetryPolicy` waits out its backoff with a timer that ignores the AbortSignal (a cancelled call
 * would hold the process for up to `maxDelayMs`, or, unref'd, let it exit in the middle of a live
 * call's backoff) and its backoff cannot see per-call facts such as `Retry-After`; its
 * `TimeoutPolicy` arms one timer per call, which costs more than everything else here together
 * (see `DeadlineTimer`).
 */
export class ResiliencePolicy {
  readonly name: string;
  readonly config: PolicyConfig;
  readonly events = new ResilienceEventEmitter();
  /** The breaker, to share with `retryAsyncIterable` or to read its state; undefined when disabled. */
  readonly circuitBreaker: CircuitBreaker | undefined;
  /** The jitter source, shared with `retryAsyncIterable`. */
  readonly random: RandomSource;
  /** @internal the retry decisions, shared with `retryAsyncIterable`. */
  readonly retryDecider: RetryDecider;
  private readonly bulkhead: Bulkhead | undefined;
  private readonly deadlines: DeadlineTimer | undefined;

  constructor(config: PolicyConfig, options: CreatePolicyOptions = {}) {
    this.config = config;
    this.name = config.name;
    this.random = options.random ?? Math.random;
    if (options.onEvent) this.events.onAny(options.onEvent);
    this.retryDecider = new RetryDecider(config.retry, this.random, this.events, this.name);
    this.bulkhead = config.bulkhead.enabled
      ? new Bulkhead(config.bulkhead.maxConcurrent, config.bulkhead.maxQueue)
      : undefined;
    this.circuitBreaker = config.circuitBreaker.enabled
      ? new CircuitBreaker(config.circuitBreaker, { name: this.name, events: this.events })
      : undefined;
    const timeoutMs = config.timeout.timeoutMs;
    this.deadlines = config.timeout.enabled
      ? new DeadlineTimer(timeoutMs, ({ attempt }) => {
          this.events.emit({ type: 'timeout', policy: this.name, attempt, timeoutMs });
        })
      : undefined;
  }

  /** The breaker's state, or `closed` when the breaker is disabled. */
  get circuitState(): CircuitStateName {
    return this.circuitBreaker?.state ?? 'closed';
  }

  /**
   * Runs `fn` under the policy. Resolves with its value; rejects with a `ResilienceError`: the last
   * attempt's error, classified, with the original as `cause`; or `CIRCUIT_OPEN`, `BULKHEAD_REJECTED`,
   * `TIMEOUT`, `CANCELLED`.
   */
  execute<T>(fn: AttemptFunction<T>, options?: ExecuteOptions): Promise<T> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(this.cancelled(signal));
    let promise: Promise<T>;
    const slots = this.bulkhead;
    if (!slots || slots.tryAcquire()) {
      promise = this.call(fn, signal, options);
    } else if (slots.isFull) {
      return Promise.reject(this.bulkheadRejection());
    } else {
      promise = slots.acquire(signal).then(() => {
        // Handed a slot in the same tick as the caller aborted: give it back, never start the call.
        if (signal?.aborted) {
          slots.release();
          throw abortedError(signal);
        }
        return this.call(fn, signal, options);
      });
    }
    return signal ? raceAbort(promise, signal, () => this.cancelled(signal)) : promise;
  }

  private cancelled(signal: AbortSignal): ResilienceError {
    this.events.emit({ type: 'cancelled', policy: this.name });
    return abortedError(signal);
  }

  private bulkheadRejection(): ResilienceError {
    const { maxConcurrent, maxQueue } = this.config.bulkhead;
    this.events.emit({ type: 'bulkhead-rejected', policy: this.name, maxConcurrent, maxQueue });
    return new ResilienceError({
      code: RESILIENCE_ERROR_CODES.BULKHEAD_REJECTED,
      category: 'unavailable',
      message: `Policy "${this.name}" is at capacity (${maxConcurrent} running, ${maxQueue} queued). Try again later or raise bulkhead.maxConcurrent/maxQueue.`,
      details: { maxConcurrent, maxQueue },
    });
  }

  /**
   * One call, holding its bulkhead slot (when there is a bulkhead) until it settles. The first attempt
   * starts synchronously and its success settles the whole call in the same promise reaction; a
   * failure continues in `retryAfter`.
   */
  private call<T>(
    fn: AttemptFunction<T>,
    callerSignal: AbortSignal | undefined,
    options: ExecuteOptions | undefined,
  ): Promise<T> {
    const startedAt = this.events.hasListeners ? Date.now() : 0;
    const first = new Attempt(1, callerSignal);
    let result: PromiseLike<T> | T;
    try {
      result = this.begin(fn, first);
    } catch (thrown) {
      return this.retryAfter(fn, callerSignal, startedAt, this.failed(first, thrown), options);
    }
    return Promise.resolve(result).then(
      (value) => {
        this.succeeded(first, startedAt, callerSignal);
        this.bulkhead?.release();
        return value;
      },
      (thrown: unknown) => this.retryAfter(fn, callerSignal, startedAt, this.failed(first, thrown), options),
    );
  }

  /** After attempt 1 failed with `error`: the retry loop, then the bulkhead slot goes back. */
  private async retryAfter<T>(
    fn: AttemptFunction<T>,
    callerSignal: AbortSignal | undefined,
    startedAt: number,
    error: ResilienceError,
    options: ExecuteOptions | undefined,
  ): Promise<T> {
    try {
      return await this.retried(fn, callerSignal, startedAt, error, options);
    } finally {
      this.bulkhead?.release();
    }
  }

  /** The retry loop: waits, attempts again through breaker and timeout, reports each decision. */
  private async retried<T>(
    fn: AttemptFunction<T>,
    callerSignal: AbortSignal | undefined,
    startedAt: number,
    firstError: ResilienceError,
    options: ExecuteOptions | undefined,
  ): Promise<T> {
    const signal = callerSignal ?? neverAborted;
    let error = firstError;
    for (let number = 1; ; number++) {
      if (signal.aborted) throw this.retryDecider.giveUp(number, abortedError(signal), 'cancelled', false);
      if (options?.retry === false) throw this.retryDecider.giveUp(number, error, 'not-retryable', false);
      const delayMs = this.retryDecider.nextDelay(number, error, false);
      if (delayMs === undefined) throw error;
      options?.onRetry?.({ attempt: number, delayMs, error });
      try {
        // Rejects the moment the caller aborts: nobody waits for the next attempt any more.
        await sleep(delayMs, callerSignal);
      } catch (cancelled) {
        throw this.retryDecider.giveUp(number, classifyError(cancelled), 'cancelled', false);
      }
      const attempt = new Attempt(number + 1, callerSignal);
      try {
        const value = await this.begin(fn, attempt);
        this.succeeded(attempt, startedAt, callerSignal);
        return value;
      } catch (thrown) {
        error = this.failed(attempt, thrown);
      }
    }
  }

  /** Starts an attempt: reports it, passes the breaker (throws `CIRCUIT_OPEN`), starts its deadline, calls `fn`. */
  private begin<T>(fn: AttemptFunction<T>, attempt: Attempt): PromiseLike<T> | T {
    if (this.events.hasListeners) this.events.emit({ type: 'attempt', policy: this.name, attempt: attempt.attempt });
    attempt.enter(this.circuitBreaker, this.deadlines);
    return fn(attempt);
  }

  private succeeded(attempt: Attempt, startedAt: number, callerSignal: AbortSignal | undefined): void {
    attempt.leave(this.deadlines);
    attempt.report(this.circuitBreaker, false, undefined);
    // A late value for a caller that already got CANCELLED is dropped, and is no success to report.
    if (this.events.hasListeners && !callerSignal?.aborted) {
      this.events.emit({
        type: 'success',
        policy: this.name,
        attempt: attempt.attempt,
        durationMs: Date.now() - startedAt,
      });
    }
  }

  /** Ends a failed attempt: a timed-out one becomes `TIMEOUT`; the breaker hears it; returns it classified. */
  private failed(attempt: Attempt, thrown: unknown): ResilienceError {
    let error = thrown;
    if (attempt.leave(this.deadlines)) {
      const timeoutMs = this.config.timeout.timeoutMs;
      error = new ResilienceError({
        code: RESILIENCE_ERROR_CODES.TIMEOUT,
        category: 'timeout',
        message: `Policy "${this.name}": attempt ${attempt.attempt} did not finish within ${timeoutMs} ms; raise timeout.timeoutMs if the call legitimately needs longer.`,
        cause: thrown,
      });
    }
    attempt.report(this.circuitBreaker, true, error);
    return classifyError(error);
  }
}

/**
 * Builds a composed policy (bulkhead -> retry -> circuit breaker -> timeout) from a config validated
 * with zod; every field has a documented default, so `createPolicy({})` works. Throws
 * `INVALID_CONFIG` with every problem listed. Create one policy per backend and reuse it: the
 * breaker and the bulkhead only work when shared by all calls to that backend.
 */
export function createPolicy(
  config: PolicyConfigInput | undefined = {},
  options: CreatePolicyOptions = {},
): ResiliencePolicy {
  return new ResiliencePolicy(parsePolicyConfig(config), options);
}
