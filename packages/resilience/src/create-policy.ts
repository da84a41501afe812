import { type BulkheadPolicy, bulkhead, TimeoutPolicy, TimeoutStrategy } from 'cockatiel';
import type { RandomSource } from './backoff.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { classifyError } from './classify-error.js';
import { abortedError, raceAbort, sleep } from './internal/abort.js';
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
 * Bulkhead, breaker and timeout are cockatiel's policies. The retry loop is ours: cockatiel 4's
 * `RetryPolicy` waits out its backoff with a timer that ignores the AbortSignal, so a cancelled call
 * would keep the process alive for up to `maxDelayMs` (or, unref'd, let it exit in the middle of a
 * live call's backoff), and its backoff cannot see per-call facts such as `Retry-After`.
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
  private readonly timeout: TimeoutPolicy | undefined;

  constructor(config: PolicyConfig, options: CreatePolicyOptions = {}) {
    this.config = config;
    this.name = config.name;
    this.random = options.random ?? Math.random;
    if (options.onEvent) this.events.onAny(options.onEvent);
    this.retryDecider = new RetryDecider(config.retry, this.random, this.events, this.name);

    if (config.bulkhead.enabled) {
      this.bulkhead = bulkhead(config.bulkhead.maxConcurrent, config.bulkhead.maxQueue);
      this.bulkhead.onReject(() => {
        const { maxConcurrent, maxQueue } = config.bulkhead;
        this.events.emit({ type: 'bulkhead-rejected', policy: this.name, maxConcurrent, maxQueue });
      });
    }
    this.circuitBreaker = config.circuitBreaker.enabled
      ? new CircuitBreaker(config.circuitBreaker, { name: this.name, events: this.events })
      : undefined;
    if (config.timeout.enabled) {
      // Cooperative: the function gets an aborted signal and decides; a result that arrives late is
      // still returned. abortOnReturn off: aborting every finished call's signal costs an event
      // dispatch per call and nothing here keeps work running past the call.
      this.timeout = new TimeoutPolicy(config.timeout.timeoutMs, {
        strategy: TimeoutStrategy.Cooperative,
        abortOnReturn: false,
      });
    }
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
  async execute<T>(fn: AttemptFunction<T>, options: ExecuteOptions = {}): Promise<T> {
    const signal = options.signal;
    if (signal?.aborted) throw this.cancelled(signal);
    let promise = this.bulkhead
      ? this.bulkhead.execute((context) => this.retried(fn, context.signal, signal), signal)
      : this.retried(fn, signal ?? neverAborted, signal);
    if (signal) promise = raceAbort(promise, signal, () => this.cancelled(signal));
    try {
      return await promise;
    } catch (thrown) {
      const error = classifyError(thrown);
      if (error.code !== RESILIENCE_ERROR_CODES.BULKHEAD_REJECTED) throw error;
      throw new ResilienceError({
        code: RESILIENCE_ERROR_CODES.BULKHEAD_REJECTED,
        category: 'unavailable',
        message: `Policy "${this.name}" is at capacity (${this.config.bulkhead.maxConcurrent} running, ${this.config.bulkhead.maxQueue} queued). Try again later or raise bulkhead.maxConcurrent/maxQueue.`,
        cause: thrown,
      });
    }
  }

  private cancelled(signal: AbortSignal): ResilienceError {
    this.events.emit({ type: 'cancelled', policy: this.name });
    return abortedError(signal);
  }

  /** The retry loop: attempts through breaker and timeout, waits between them, reports each decision. */
  private async retried<T>(
    fn: AttemptFunction<T>,
    signal: AbortSignal,
    callerSignal: AbortSignal | undefined,
  ): Promise<T> {
    const startedAt = this.events.hasListeners ? Date.now() : 0;
    for (let attempt = 1; ; attempt++) {
      if (this.events.hasListeners) this.events.emit({ type: 'attempt', policy: this.name, attempt });
      let error: ResilienceError;
      try {
        const value = await (this.circuitBreaker
          ? this.circuitBreaker.execute((inner) => this.guarded(fn, inner.signal, attempt, callerSignal), signal)
          : this.guarded(fn, signal, attempt, callerSignal));
        if (this.events.hasListeners) {
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
        await sleep(delayMs, signal);
      } catch (cancelled) {
        throw this.retryDecider.giveUp(attempt, classifyError(cancelled), 'cancelled', false);
      }
    }
  }

  /** Timeout (when enabled) and classification around one attempt of `fn`. */
  private guarded<T>(
    fn: AttemptFunction<T>,
    signal: AbortSignal,
    attempt: number,
    callerSignal: AbortSignal | undefined,
  ): Promise<T> {
    const timeout = this.timeout;
    if (!timeout) return invokeClassified(fn, { signal, attempt });
    const timeoutMs = this.config.timeout.timeoutMs;
    return timeout.execute(async (context) => {
      const attemptSignal = context.signal;
      const timedOut = () => attemptSignal.aborted && !callerSignal?.aborted;
      try {
        const value = await fn({ signal: attemptSignal, attempt });
        if (timedOut()) this.events.emit({ type: 'timeout', policy: this.name, attempt, timeoutMs });
        return value;
      } catch (thrown) {
        if (!timedOut()) throw classifyError(thrown);
        this.events.emit({ type: 'timeout', policy: this.name, attempt, timeoutMs });
        throw new ResilienceError({
          code: RESILIENCE_ERROR_CODES.TIMEOUT,
          category: 'timeout',
          message: `Policy "${this.name}": attempt ${attempt} did not finish within ${timeoutMs} ms; raise timeout.timeoutMs if the call legitimately needs longer.`,
          cause: thrown,
        });
      }
    }, signal);
  }
}

async function invokeClassified<T>(fn: AttemptFunction<T>, context: AttemptContext): Promise<T> {
  try {
    return await fn(context);
  } catch (thrown) {
    throw classifyError(thrown);
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
