import { computeBackoffDelay } from '@mcs/resilience';
import type { BackendEventMap } from '../backend-connection.js';
import type { SupervisionOptions } from '../supervision-options.js';
import type { TransportError } from '../transport-error.js';
import { restartsGivenUpError } from './connection-errors.js';
import type { ConnectionStatus } from './connection-status.js';
import { toTransportError } from './to-transport-error.js';
import type { TypedEmitter } from './typed-emitter.js';

/**
 * Delay before restart attempt `attempt` (1-based): doubling from `initialDelayMs`, capped at
 * `maxDelayMs`, with the configured share randomised so that many gateways restarting one shared
 * backend do not stampede it.
 */
export function restartDelayMs(attempt: number, options: SupervisionOptions['restart']): number {
  return computeBackoffDelay(Math.max(0, attempt - 1), {
    baseDelayMs: options.initialDelayMs,
    maxDelayMs: options.maxDelayMs,
    jitterFactor: options.jitterFactor,
  });
}

export interface RestartSchedulerInit {
  backend: string;
  options: SupervisionOptions['restart'];
  events: TypedEmitter<BackendEventMap>;
  status: ConnectionStatus;
  /** The connection is being closed: nothing is (re)started any more. */
  isClosing: () => boolean;
  /** Opens the replacement session; rejects when it cannot. */
  openSession: () => Promise<unknown>;
}

/**
 * The restart/backoff policy of one backend, and the timer that carries it out. Consecutive failed
 * starts back off; the count only resets on connect() or when a session stayed up `stableAfterMs`,
 * so a backend that crashes right after every start is not restarted in a tight loop.
 */
export class RestartScheduler {
  readonly #init: RestartSchedulerInit;
  #failedAttempts = 0;
  #restarts = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(init: RestartSchedulerInit) {
    this.#init = init;
  }

  /** Restarts and reconnects so far, immediate ones included. */
  get restarts(): number {
    return this.#restarts;
  }

  /** connect() starts over with the shortest delay (also after `failed`). */
  reset(): void {
    this.#failedAttempts = 0;
  }

  /** A session ended after `uptimeMs`; a long enough life counts as a success. */
  sessionEnded(uptimeMs: number): void {
    if (uptimeMs >= this.#init.options.stableAfterMs) this.#failedAttempts = 0;
  }

  /** After a failure: the next attempt after the backoff delay, or `failed` past `maxAttempts`. */
  afterFailure(reason: TransportError): void {
    const { backend, status } = this.#init;
    if (this.#init.isClosing()) return;
    status.lastError = reason;
    this.#failedAttempts++;
    const { maxAttempts } = this.#init.options;
    if (maxAttempts !== undefined && this.#failedAttempts > maxAttempts) {
      const gaveUp = restartsGivenUpError(backend, maxAttempts, reason);
      status.lastError = gaveUp;
      status.set('failed', gaveUp);
      return;
    }
    const delayMs = restartDelayMs(this.#failedAttempts, this.#init.options);
    this.#announce(this.#failedAttempts, delayMs, reason);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#reopen();
    }, delayMs);
  }

  /** Re-initializes at once (attempt 0, no backoff): the server is up, it only forgot the session. */
  immediately(reason: TransportError): void {
    this.#announce(0, 0, reason);
    this.#reopen();
  }

  cancel(): void {
    clearTimeout(this.#timer);
  }

  #announce(attempt: number, delayMs: number, reason: TransportError): void {
    this.#restarts++;
    this.#init.status.set('restarting', reason);
    this.#init.events.emit('restart', { backend: this.#init.backend, attempt, delayMs, reason });
  }

  /** Opens the replacement session; its failure counts as one more failed restart. */
  #reopen(): void {
    this.#init
      .openSession()
      .catch((error) =>
        this.afterFailure(toTransportError(error, { backend: this.#init.backend, method: 'initialize' })),
      );
  }
}
