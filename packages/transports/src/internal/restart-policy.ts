import { computeBackoffDelay } from '@mcs/resilience';
import type { SupervisionOptions } from '../supervision-options.js';

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

/** What to do after one more failure: wait and try again, or give up (`maxAttempts` exceeded). */
export type RestartDecision = { attempt: number; delayMs: number } | { gaveUpAfter: number };

/**
 * Counts consecutive failed starts of one backend and decides when to try again. The count only
 * resets on connect() or when a session stayed up `stableAfterMs`: a backend that crashes right
 * after every start keeps backing off instead of being restarted in a tight loop.
 */
export class RestartPolicy {
  readonly #options: SupervisionOptions['restart'];
  #failedAttempts = 0;

  constructor(options: SupervisionOptions['restart']) {
    this.#options = options;
  }

  /** connect() starts over with the shortest delay (also after `failed`). */
  reset(): void {
    this.#failedAttempts = 0;
  }

  /** A session ended after `uptimeMs`; a long enough life counts as a success. */
  sessionEnded(uptimeMs: number): void {
    if (uptimeMs >= this.#options.stableAfterMs) this.#failedAttempts = 0;
  }

  /** Records one more failure and decides the next step. */
  nextAfterFailure(): RestartDecision {
    this.#failedAttempts++;
    const { maxAttempts } = this.#options;
    if (maxAttempts !== undefined && this.#failedAttempts > maxAttempts) return { gaveUpAfter: maxAttempts };
    return { attempt: this.#failedAttempts, delayMs: restartDelayMs(this.#failedAttempts, this.#options) };
  }
}
