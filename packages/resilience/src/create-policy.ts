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
}

export interface CreatePolicyOptions {
  /** Uniform [0, 1) source for backoff jitter. Default `Math.random`; inject a seeded one in tests. */
  random?: RandomSource;
  /** Subscribed to `events` before anything runs. */
  onEvent?: ResilienceListener;
}

type AttemptFunction<T> = (context: AttemptContext) => PromiseLike<T> | T;

const neverAborted = new AbortController().signal;

/** An attempt with a timeout: its signal (and AbortController) exists only once the function reads it. */
class TimedAttemptContext implements AttemptContext {
  readonly attempt: number;
  readonly #entry: DeadlineEntry;

  constructor(entry: DeadlineEntry) {
    this.attempt = entry.attempt;
    this.#entry = entry;
  }

  get signal(): AbortSignal {
    return this.#entry.controller.signal;
  }
}

/** What a running attempt holds until it settles: its breaker admission and its deadline. */
interface AttemptHold {
  permit: CircuitPermit | undefined;
  entry: DeadlineEntry | undefined;
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
      promise = this.call(fn, signal);
    } else if (slots.isFull) {
      return Promise.reject(this.bulkheadRejection());
    } else {
      promise = slots.acquire(signal).then(() => {
        // Handed a slot in the same tick as the caller aborted: give it back, never start the call.
        if (signal?.aborted) {
          slots.release();
          throw abortedError(signal);
        }
        return this.call(fn, signal);
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
  private call<T>(fn: AttemptFunction<T>, callerSignal: AbortSignal | undefined): Promise<T> {
    const startedAt = this.events.hasListeners ? Date.now() : 0;
    const hold: AttemptHold = { permit: undefined, entry: undefined };
    let result: PromiseLike<T> | T;
    try {
      result = this.begin(fn, 1, callerSignal, hold);
    } catch (thrown) {
      return this.retryAfter(fn, callerSignal, startedAt, hold, thrown);
    }
    return Promise.resolve(result).then(
      (value) => {
        this.succeeded(hold, 1, startedAt, callerSignal);
        this.bulkhead?.release();
        return value;
      },
      (thrown: unknown) => this.retryAfter(fn, callerSignal, startedAt, hold, thrown),
    );
  }

  /** After attempt 1 failed with `thrown`: the retry loop, then the bulkhead slot goes back. */
  private async retryAfter<T>(
    fn: AttemptFunction<T>,
    callerSignal: AbortSignal | undefined,
    startedAt: number,
    hold: AttemptHold,
    thrown: unknown,
  ): Promise<T> {
    try {
      return await this.retried(fn, callerSignal, startedAt, hold, this.failed(hold, thrown));
    } finally {
      this.bulkhead?.release();
    }
  }

  /** The retry loop: waits, attempts again through breaker and timeout, reports each decision. */
  private async retried<T>(
    fn: AttemptFunction<T>,
    callerSignal: AbortSignal | undefined,
    startedAt: number,
    hold: AttemptHold,
    firstError: ResilienceError,
  ): Promise<T> {
    const signal = callerSignal ?? neverAborted;
    let error = firstError;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw this.retryDecider.giveUp(attempt, abortedError(signal), 'cancelled', false);
      const delayMs = this.retryDecider.nextDelay(attempt, error, false);
      if (delayMs === undefined) throw error;
      try {
        // Rejects the moment the caller aborts: nobody waits for the next attempt any more.
        await sleep(delayMs, callerSignal);
      } catch (cancelled) {
        throw this.retryDecider.giveUp(attempt, classifyError(cancelled), 'cancelled', false);
      }
      try {
        const value = await this.begin(fn, attempt + 1, callerSignal, hold);
        this.succeeded(hold, attempt + 1, startedAt, callerSignal);
        return value;
      } catch (thrown) {
        error = this.failed(hold, thrown);
      }
    }
  }

  /**
   * Starts an attempt: passes the breaker (throws `CIRCUIT_OPEN`), starts its deadline, calls `fn`.
   * What it takes is kept in `hold` until `succeeded` or `failed` gives it back.
   */
  private begin<T>(
    fn: AttemptFunction<T>,
    attempt: number,
    callerSignal: AbortSignal | undefined,
    hold: AttemptHold,
  ): PromiseLike<T> | T {
    if (this.events.hasListeners) this.events.emit({ type: 'attempt', policy: this.name, attempt });
    hold.permit = this.circuitBreaker?.admit();
    const deadlines = this.deadlines;
    if (!deadlines) return fn({ signal: callerSignal ?? neverAborted, attempt });
    // No AbortController yet: the context makes it when `fn` reads its signal (see DeadlineEntry).
    const entry = deadlines.add(undefined, attempt, callerSignal);
    hold.entry = entry;
    return fn(new TimedAttemptContext(entry));
  }

  private succeeded(hold: AttemptHold, attempt: number, startedAt: number, callerSignal: AbortSignal | undefined) {
    if (hold.entry) this.deadlines?.remove(hold.entry);
    if (hold.permit) this.circuitBreaker?.recordSuccess(hold.permit);
    hold.entry = undefined;
    hold.permit = undefined;
    // A late value for a caller that already got CANCELLED is dropped, and is no success to report.
    if (this.events.hasListeners && !callerSignal?.aborted) {
      this.events.emit({ type: 'success', policy: this.name, attempt, durationMs: Date.now() - startedAt });
    }
  }

  /** Ends a failed attempt: a timed-out one becomes `TIMEOUT`; the breaker hears it; returns it classified. */
  private failed(hold: AttemptHold, thrown: unknown): ResilienceError {
    const { entry, permit } = hold;
    hold.entry = undefined;
    hold.permit = undefined;
    let error = thrown;
    if (entry) {
      this.deadlines?.remove(entry);
      if (entry.timedOut) {
        const timeoutMs = this.config.timeout.timeoutMs;
        error = new ResilienceError({
          code: RESILIENCE_ERROR_CODES.TIMEOUT,
          category: 'timeout',
          message: `Policy "${this.name}": attempt ${entry.attempt} did not finish within ${timeoutMs} ms; raise timeout.timeoutMs if the call legitimately needs longer.`,
          cause: thrown,
        });
      }
    }
    if (permit) this.circuitBreaker?.recordFailure(permit, error);
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
