import { type BulkheadPolicy, bulkhead } from 'cockatiel';
import type { RandomSource } from './backoff.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { classifyError } from './classify-error.js';
import { abortedError, raceAbort, sleep } from './internal/abort.js';
import { DeadlineTimer } from './internal/deadline-timer.js';
import { RetryDecider } from './internal/retry-decision.js';
import { type PolicyConfig, type PolicyConfigInput, parsePolicyConfig } from './policy-config.js';
import { RESILIENCE_ERROR_CODES, ResilienceError } from './resilience-error.js';
import { type CircuitStateName, ResilienceEventEmitter, type ResilienceListener } from './resilience-events.js';

/** What the executed function receives. */
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

/**
 * A composed policy: bulkhead -> retry -> circuit breaker -> timeout -> your function.
 *
 * - The bulkhead is outermost so a call keeps one slot through all its retries (retries cannot
 *   multiply the load on a backend) and a rejection is immediate and not retried.
 * - Retry wraps the breaker, so each attempt is counted by the breaker and an open circuit's
 *   `retryAfterMs` makes the retry wait for the half-open window.
 * - The timeout is per attempt; give `execute` an `AbortSignal.timeout(ms)` for a whole-call deadline.
 *
 * The circuit breaker and the bulkhead are cockatiel's. Retry and timeout are ours: cockatiel 4's
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
  private readonly bulkhead: BulkheadPolicy | undefined;
  private readonly deadlines: DeadlineTimer | undefined;

  constructor(config: PolicyConfig, options: CreatePolicyOptions = {}) {
    this.config = config;
    this.name = config.name;
    this.random = options.random ?? Math.random;
    if (options.onEvent) this.events.onAny(options.onEvent);
    this.retryDecider = new RetryDecider(config.retry, this.random, this.events, this.name);
    this.bulkhead = config.bulkhead.enabled
      ? bulkhead(config.bulkhead.maxConcurrent, config.bulkhead.maxQueue)
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
  execute<T>(fn: AttemptFunction<T>, options: ExecuteOptions = {}): Promise<T> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(this.cancelled(signal));
    let promise: Promise<T>;
    const slots = this.bulkhead;
    if (slots) {
      // Checked here rather than caught from cockatiel, to reject with our error and no extra await.
      if (slots.executionSlots <= 0 && slots.queueSlots <= 0) return Promise.reject(this.bulkheadRejection());
      promise = slots.execute(() => this.retried(fn, signal), signal);
    } else {
      promise = this.retried(fn, signal);
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

  /** The retry loop: attempts through breaker and timeout, waits between them, reports each decision. */
  private async retried<T>(fn: AttemptFunction<T>, callerSignal: AbortSignal | undefined): Promise<T> {
    const startedAt = this.events.hasListeners ? Date.now() : 0;
    const signal = callerSignal ?? neverAborted;
    for (let attempt = 1; ; attempt++) {
      if (this.events.hasListeners) this.events.emit({ type: 'attempt', policy: this.name, attempt });
      let error: ResilienceError;
      try {
        const value = await (this.circuitBreaker
          ? this.circuitBreaker.execute(() => this.guarded(fn, signal, attempt, callerSignal), callerSignal)
          : this.guarded(fn, signal, attempt, callerSignal));
        // A late value for a caller that already got CANCELLED is dropped, and is no success to report.
        if (this.events.hasListeners && !signal.aborted) {
          this.events.emit({ type: 'success', policy: this.name, attempt, durationMs: Date.now() - startedAt });
        }
        return value;
      } catch (thrown) {
        error = classifyError(thrown);
      }
      if (signal.aborted) throw this.retryDecider.giveUp(attempt, abortedError(signal), 'cancelled', false);
      const delayMs = this.retryDecider.nextDelay(attempt, error, false);
      if (delayMs === undefined) throw error;
      try {
        // Rejects the moment the caller aborts: nobody waits for the next attempt any more.
        await sleep(delayMs, callerSignal);
      } catch (cancelled) {
        throw this.retryDecider.giveUp(attempt, classifyError(cancelled), 'cancelled', false);
      }
    }
  }

  /** One attempt of `fn`, with its own signal that aborts on the caller's abort or on the timeout. */
  private guarded<T>(
    fn: AttemptFunction<T>,
    signal: AbortSignal,
    attempt: number,
    callerSignal: AbortSignal | undefined,
  ): PromiseLike<T> | T {
    const deadlines = this.deadlines;
    if (!deadlines) return fn({ signal, attempt });
    return this.timed(fn, deadlines, attempt, callerSignal);
  }

  private async timed<T>(
    fn: AttemptFunction<T>,
    deadlines: DeadlineTimer,
    attempt: number,
    callerSignal: AbortSignal | undefined,
  ): Promise<T> {
    const controller = new AbortController();
    const entry = deadlines.add(controller, attempt);
    const forwardAbort = callerSignal ? () => controller.abort(callerSignal.reason) : undefined;
    if (callerSignal && forwardAbort) callerSignal.addEventListener('abort', forwardAbort, { once: true });
    try {
      // Cooperative: a function that ignores the aborted signal and returns late still returns its value.
      return await fn({ signal: controller.signal, attempt });
    } catch (thrown) {
      if (!entry.timedOut) throw thrown;
      const timeoutMs = this.config.timeout.timeoutMs;
      throw new ResilienceError({
        code: RESILIENCE_ERROR_CODES.TIMEOUT,
        category: 'timeout',
        message: `Policy "${this.name}": attempt ${attempt} did not finish within ${timeoutMs} ms; raise timeout.timeoutMs if the call legitimately needs longer.`,
        cause: thrown,
      });
    } finally {
      deadlines.remove(entry);
      if (callerSignal && forwardAbort) callerSignal.removeEventListener('abort', forwardAbort);
    }
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
