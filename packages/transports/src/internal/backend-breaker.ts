import { CircuitBreaker, type CircuitStateName, ResilienceError } from '@mcs/resilience';
import type { BackendEventMap, CircuitBreakerState } from '../backend-connection.js';
import type { SupervisionOptions } from '../supervision-options.js';
import type { TransportError } from '../transport-error.js';
import type { TypedEmitter } from './typed-emitter.js';

/**
 * Failures that count toward the breaker: the backend is there but does not answer. A crashed
 * process is not one of them (the supervisor restarts it, and the calls it took down should not keep
 * the breaker open against the fresh process), nor are tool errors or the caller's cancellations.
 */
const breakerFailureCodes: ReadonlySet<string> = new Set([
  'BACKEND_UNAVAILABLE',
  'REQUEST_TIMEOUT',
  'SESSION_EXPIRED',
  'CONNECT_FAILED',
]);

/** The resilience breaker's states in the names of our public `CircuitBreakerState`. */
const breakerStates: Record<CircuitStateName, CircuitBreakerState> = {
  closed: 'closed',
  open: 'open',
  'half-open': 'half_open',
  isolated: 'open',
};

export type BreakerPermit = ReturnType<CircuitBreaker['admit']>;

/** The breaker judges by category; this carries a counted failure through it and back out. */
class BreakerFailure extends ResilienceError {
  readonly failure: TransportError;
  constructor(failure: TransportError) {
    super({ code: failure.code, category: 'unavailable', message: failure.message, cause: failure });
    this.failure = failure;
  }
}

/**
 * Asks the backend whether it answers (an MCP `ping`): resolves when it does, rejects when it does
 * not, resolves `'closed'` once the connection is closing (no more pings).
 */
export type RecoveryPing = () => Promise<unknown>;

/**
 * One `@mcs/resilience` CircuitBreaker per backend, fed only with outages (see
 * `breakerFailureCodes`); its state changes become `breaker` events. While it is open, recovery
 * pings (`recoveryPingIntervalMs`, see `useRecoveryPing`) half-open it as soon as the backend answers
 * again: a stalled backend that resumes is served again within a ping, not after the rest of
 * `recoveryTimeoutMs` (issue #16: calls were refused ~10 s after a 3 s stall had ended).
 */
export class BackendBreaker {
  readonly #breaker: CircuitBreaker;
  readonly #pingIntervalMs: number;
  #ping: RecoveryPing | undefined;
  #state: CircuitBreakerState = 'closed';
  #pingTimer: NodeJS.Timeout | undefined;

  constructor(backend: string, options: SupervisionOptions['breaker'], events: TypedEmitter<BackendEventMap>) {
    const { failureThreshold, recoveryTimeoutMs, halfOpenMaxCalls, recoveryPingIntervalMs } = options;
    this.#pingIntervalMs = recoveryPingIntervalMs;
    this.#breaker = new CircuitBreaker(
      { failureThreshold, recoveryTimeoutMs, halfOpenMaxCalls, failureCategories: ['unavailable'] },
      { name: `backend:${backend}` },
    );
    this.#breaker.events.on('circuit-state-change', ({ to }) => {
      this.#state = breakerStates[to];
      events.emit('breaker', { backend, state: this.#state });
      if (to === 'open') this.#schedulePing();
    });
  }

  /** How to ping the backend while the breaker is open (set by whoever holds its sessions). */
  useRecoveryPing(ping: RecoveryPing): void {
    this.#ping = ping;
  }

  #schedulePing(): void {
    if (this.#ping === undefined || this.#pingIntervalMs === 0) return;
    clearTimeout(this.#pingTimer);
    this.#pingTimer = setTimeout(() => void this.#pingOnce(), this.#pingIntervalMs);
    this.#pingTimer.unref();
  }

  async #pingOnce(): Promise<void> {
    if (this.#breaker.state !== 'open') return;
    let answer: unknown;
    try {
      answer = await this.#ping?.();
    } catch {
      // Still down (or restarting): the next ping decides.
      if (this.#breaker.state === 'open') this.#schedulePing();
      return;
    }
    // The next call is the half-open probe; a failed one reopens the breaker (and pings resume).
    if (answer !== 'closed') this.#breaker.halfOpen();
  }

  get state(): CircuitBreakerState {
    return this.#state;
  }

  /**
   * Lets one request through, or throws the breaker's `CIRCUIT_OPEN` error (a ResilienceError) while
   * it is open. Report how the request ended with `succeeded` or `failed`, exactly once. (Synchronous
   * halves rather than an `execute(fn)`: no extra promise per request.)
   */
  admit(): BreakerPermit {
    return this.#breaker.admit();
  }

  succeeded(permit: BreakerPermit): void {
    this.#breaker.recordSuccess(permit);
  }

  /** Only outages count; any other failure is, to the breaker, a request that got through. */
  failed(permit: BreakerPermit, failure: TransportError): void {
    if (breakerFailureCodes.has(failure.code)) this.#breaker.recordFailure(permit, new BreakerFailure(failure));
    else this.#breaker.recordSuccess(permit);
  }
}
