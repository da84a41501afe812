import {
  CircuitState,
  type CircuitBreakerPolicy as CockatielCircuitBreaker,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  SamplingBreaker,
} from 'cockatiel';
import { classifyError } from './classify-error.js';
import { type CircuitBreakerConfig, CircuitBreakerConfigSchema, parseConfig } from './policy-config.js';
import { RESILIENCE_ERROR_CODES, ResilienceError } from './resilience-error.js';
import { type CircuitStateName, ResilienceEventEmitter } from './resilience-events.js';

const STATE_NAMES: Readonly<Record<CircuitState, CircuitStateName>> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

export interface CircuitBreakerOptions {
  /** Labels events. Default `default`. */
  name?: string;
  /** Where state changes and rejections are reported. Default: a new emitter (see `events`). */
  events?: ResilienceEventEmitter;
}

/**
 * A circuit breaker on cockatiel's `CircuitBreakerPolicy` (consecutive or sampling breaker), with
 * two things cockatiel 4 does not do:
 * - half-open probes are limited to `halfOpenMaxCalls` and the calls beyond are rejected at once;
 *   cockatiel parks them until the probes decide, which would hold callers for a whole probe
 *   round-trip against a backend we believe is down;
 * - a rejection says when to come back (`retryAfterMs` = time left until probing), so a retry
 *   policy outside the breaker waits for the half-open window instead of hammering the open circuit.
 */
export class CircuitBreaker {
  readonly events: ResilienceEventEmitter;
  readonly name: string;
  readonly config: CircuitBreakerConfig;
  private readonly policy: CockatielCircuitBreaker;
  private halfOpenAdmitted = 0;
  private openedAt = 0;
  private stateName: CircuitStateName = 'closed';

  /** @throws ResilienceError `INVALID_CONFIG` when `config` breaks the schema (see `CircuitBreakerConfigSchema`). */
  constructor(config: Partial<CircuitBreakerConfig> = {}, options: CircuitBreakerOptions = {}) {
    this.config = parseConfig(CircuitBreakerConfigSchema, config, 'circuit breaker');
    this.name = options.name ?? 'default';
    this.events = options.events ?? new ResilienceEventEmitter();
    const failureCategories = new Set(this.config.failureCategories);
    const breaker =
      this.config.strategy === 'consecutive'
        ? new ConsecutiveBreaker(this.config.failureThreshold)
        : new SamplingBreaker({
            threshold: this.config.failureRateThreshold,
            duration: this.config.samplingDurationMs,
            ...(this.config.minimumRps === undefined ? {} : { minimumRps: this.config.minimumRps }),
          });
    this.policy = circuitBreaker(
      handleWhen((error) => failureCategories.has(classifyError(error).category)),
      {
        halfOpenAfter: this.config.recoveryTimeoutMs,
        breaker,
        // threshold 0: one failed probe reopens the circuit; all `calls` probes must succeed to close it.
        halfOpenSampling: { calls: this.config.halfOpenMaxCalls, threshold: 0 },
      },
    );
    this.policy.onHalfOpen(() => {
      this.halfOpenAdmitted = 0;
    });
    this.policy.onBreak(() => {
      this.openedAt = Date.now();
    });
    this.policy.onStateChange((state) => {
      const from = this.stateName;
      this.stateName = STATE_NAMES[state];
      this.events.emit({ type: 'circuit-state-change', policy: this.name, from, to: this.stateName });
    });
  }

  /** The current state. An open circuit whose recovery timeout passed turns half-open on the next call. */
  get state(): CircuitStateName {
    return this.stateName;
  }

  /** Holds the circuit open (e.g. during maintenance) until the returned handle is disposed. */
  isolate(): { dispose(): void } {
    return this.policy.isolate();
  }

  /**
   * Runs `fn` through the breaker. Errors whose category is in `failureCategories` count as failures.
   * Rejects with `CIRCUIT_OPEN` (category `unavailable`) while open, isolated, or half-open with every
   * probe slot taken.
   */
  execute<T>(fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
    const state = this.policy.state;
    if (state === CircuitState.Isolated) return Promise.reject(this.rejection(0));
    if (state === CircuitState.Open) {
      const remaining = this.openedAt + this.config.recoveryTimeoutMs - Date.now();
      if (remaining > 0) return Promise.reject(this.rejection(remaining));
    }
    if (state === CircuitState.HalfOpen && this.halfOpenAdmitted >= this.config.halfOpenMaxCalls) {
      return Promise.reject(this.rejection(0));
    }
    const promise = this.policy.execute(fn, signal);
    // cockatiel moves Open -> HalfOpen and admits the probe synchronously inside execute().
    if (this.policy.state === CircuitState.HalfOpen) this.halfOpenAdmitted++;
    return promise;
  }

  private rejection(retryAfterMs: number): ResilienceError {
    const state = this.stateName;
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
