import { CircuitState, ConsecutiveBreaker, type IBreaker, SamplingBreaker } from 'cockatiel';
import { classifyError } from './classify-error.js';
import type { ErrorCategory } from './error-category-table.js';
import { type CircuitBreakerConfig, CircuitBreakerConfigSchema, parseConfig } from './policy-config.js';
import { RESILIENCE_ERROR_CODES, ResilienceError } from './resilience-error.js';
import { type CircuitStateName, ResilienceEventEmitter } from './resilience-events.js';

export interface CircuitBreakerOptions {
  /** Labels events. Default `default`. */
  name?: string;
  /** Where state changes and rejections are reported. Default: a new emitter (see `events`). */
  events?: ResilienceEventEmitter;
}

type BreakerState =
  | { readonly name: 'closed' }
  | { readonly name: 'open'; readonly openedAt: number }
  /** `admitted` probes let through in this round, `succeeded` of them succeeded (one failure reopens). */
  | { readonly name: 'half-open'; admitted: number; succeeded: number }
  | { readonly name: 'isolated'; holds: number };

/**
 * A call's admission, given by `admit()` and handed back to `recordSuccess` / `recordFailure`: the
 * state it was admitted in, so that a probe finishing after its half-open round ended changes nothing.
 */
export type CircuitPermit = { readonly name: CircuitStateName };

/** Each closed period is its own object, so a call admitted in an earlier one is recognised (see recordFailure). */
const closed = (): BreakerState => ({ name: 'closed' });
const neverAborted = new AbortController().signal;

/**
 * A circuit breaker: closed -> open after failures -> half-open after `recoveryTimeoutMs` -> closed
 * when every probe succeeds (or open again when one fails); `isolate()` holds it open.
 *
 * When to open is decided by cockatiel's breakers (`ConsecutiveBreaker`, `SamplingBreaker` with its
 * sliding windows), told about each outcome exactly as cockatiel's `CircuitBreakerPolicy` tells them.
 * The state machine around them is ours, for three reasons:
 * - it is synchronous: `admit()` and `record*()` are plain calls, so a policy checks the breaker
 *   without the async frame and extra promise hops cockatiel's `execute` adds to every call;
 * - half-open probes are limited to `halfOpenMaxCalls` and the calls beyond are rejected at once;
 *   cockatiel parks them until the probes decide, which would hold callers for a whole probe
 *   round-trip against a backend we believe is down;
 * - a rejection says when to come back (`retryAfterMs` = time left until probing), so a retry
 *   policy outside the breaker waits for the half-open window instead of hammering the open circuit.
 *
 * Outcomes follow cockatiel's rules: an error outside `failureCategories` is no failure (while
 * closed it counts for nothing, while half-open it counts as a successful probe); a call admitted
 * while closed reports to the breaker whenever it ends, but its failure is ignored once the circuit
 * has opened since (it belongs to the outage already counted); a probe of a round that already ended
 * is ignored.
 */
export class CircuitBreaker {
  readonly events: ResilienceEventEmitter;
  readonly name: string;
  readonly config: CircuitBreakerConfig;
  private readonly breaker: IBreaker;
  private readonly failureCategories: ReadonlySet<ErrorCategory>;
  private current: BreakerState = closed();

  /** @throws ResilienceError `INVALID_CONFIG` when `config` breaks the schema (see `CircuitBreakerConfigSchema`). */
  constructor(config: Partial<CircuitBreakerConfig> = {}, options: CircuitBreakerOptions = {}) {
    this.config = parseConfig(CircuitBreakerConfigSchema, config, 'circuit breaker');
    this.name = options.name ?? 'default';
    this.events = options.events ?? new ResilienceEventEmitter();
    this.failureCategories = new Set(this.config.failureCategories);
    this.breaker =
      this.config.strategy === 'consecutive'
        ? new ConsecutiveBreaker(this.config.failureThreshold)
        : new SamplingBreaker({
            threshold: this.config.failureRateThreshold,
            duration: this.config.samplingDurationMs,
            ...(this.config.minimumRps === undefined ? {} : { minimumRps: this.config.minimumRps }),
          });
  }

  /** The current state. An open circuit whose recovery timeout passed turns half-open on the next call. */
  get state(): CircuitStateName {
    return this.current.name;
  }

  /** Holds the circuit open (e.g. during maintenance) until the returned handle is disposed. */
  isolate(): { dispose(): void } {
    let state = this.current;
    if (state.name !== 'isolated') {
      state = { name: 'isolated', holds: 0 };
      this.moveTo(state);
    }
    state.holds++;
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        const now = this.current;
        if (now.name === 'isolated' && --now.holds === 0) this.moveTo(closed());
      },
    };
  }

  /**
   * Ends an open circuit's wait now, e.g. because a health check saw the backend answer again: the
   * next calls are let through as half-open probes instead of being refused for the rest of
   * `recoveryTimeoutMs`. Does nothing (returns false) unless the circuit is open; an isolated one stays held.
   */
  halfOpen(): boolean {
    if (this.current.name !== 'open') return false;
    this.moveTo({ name: 'half-open', admitted: 0, succeeded: 0 });
    return true;
  }

  /**
   * Runs `fn` through the breaker. Errors whose category is in `failureCategories` count as failures.
   * Rejects with `CIRCUIT_OPEN` (category `unavailable`) while open, isolated, or half-open with every
   * probe slot taken.
   */
  execute<T>(fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
    let permit: CircuitPermit;
    let result: PromiseLike<T> | T;
    try {
      permit = this.admit();
    } catch (rejection) {
      return Promise.reject(rejection);
    }
    try {
      result = fn({ signal: signal ?? neverAborted });
    } catch (thrown) {
      this.recordFailure(permit, thrown);
      return Promise.reject(thrown);
    }
    return Promise.resolve(result).then(
      (value) => {
        this.recordSuccess(permit);
        return value;
      },
      (thrown: unknown) => {
        this.recordFailure(permit, thrown);
        throw thrown;
      },
    );
  }

  /**
   * The synchronous half of `execute`, for wrappers with their own promise handling: lets one call
   * through, or throws `CIRCUIT_OPEN`. Report the call's outcome with `recordSuccess` or
   * `recordFailure`, exactly once.
   */
  admit(): CircuitPermit {
    let state = this.current;
    if (state.name === 'closed') return state;
    if (state.name === 'isolated') throw this.rejection(0);
    if (state.name === 'open') {
      const remaining = state.openedAt + this.config.recoveryTimeoutMs - Date.now();
      if (remaining > 0) throw this.rejection(remaining);
      state = { name: 'half-open', admitted: 0, succeeded: 0 };
      this.moveTo(state);
    }
    if (state.admitted >= this.config.halfOpenMaxCalls) throw this.rejection(0);
    state.admitted++;
    return state;
  }

  /** The call admitted with `permit` succeeded. */
  recordSuccess(permit: CircuitPermit): void {
    const state = permit as BreakerState;
    if (state.name === 'closed') {
      this.breaker.success(CircuitState.Closed);
    } else if (state.name === 'half-open' && state === this.current) {
      // All probes of the round succeeded (a failed one would have reopened the circuit): close.
      if (++state.succeeded >= this.config.halfOpenMaxCalls) {
        this.breaker.success(CircuitState.HalfOpen);
        this.moveTo(closed());
      }
    }
  }

  /** The call admitted with `permit` failed with `error` (anything thrown; it is classified here). */
  recordFailure(permit: CircuitPermit, error: unknown): void {
    if (!this.failureCategories.has(classifyError(error).category)) {
      // An error the breaker does not judge: nothing while closed, a successful probe while half-open.
      if (permit.name === 'half-open') this.recordSuccess(permit);
      return;
    }
    const state = permit as BreakerState;
    if (state.name === 'closed') {
      // Admitted before the circuit last opened: that outage is already counted, and a call that
      // hung through it must not reopen the circuit a probe has just closed.
      if (state !== this.current) return;
      if (this.breaker.failure(CircuitState.Closed)) this.open();
    } else if (state.name === 'half-open' && state === this.current) {
      this.breaker.failure(CircuitState.HalfOpen);
      this.open();
    }
  }

  private open(): void {
    const name = this.current.name;
    if (name === 'open' || name === 'isolated') return;
    this.moveTo({ name: 'open', openedAt: Date.now() });
  }

  private moveTo(state: BreakerState): void {
    const from = this.current.name;
    this.current = state;
    this.events.emit({ type: 'circuit-state-change', policy: this.name, from, to: state.name });
  }

  private rejection(retryAfterMs: number): ResilienceError {
    const state = this.current.name;
    this.events.emit({ type: 'circuit-rejected', policy: this.name, state, retryAfterMs });
    const why =
      state === 'half-open'
        ? `is half-open and its ${this.config.halfOpenMaxCalls} probe call(s) are in flight`
        : state === 'isolated'
          ? 'is held open (isolated)'
          : `is open after repeated failures; it lets a probe through in ${retryAfterMs} ms`;
    return new ResilienceError({
      code: RESILIENCE_ERROR_CODES.CIRCUIT_OPEN,
      category: 'unavailable',
      message: `Circuit "${this.name}" ${why}. Try again later.`,
      retryAfterMs,
      details: { circuitState: state },
    });
  }
}
