import { type RandomSource, retryDelayFor } from '../backoff.js';
import type { ErrorCategory } from '../error-category-table.js';
import type { RetryConfig } from '../policy-config.js';
import type { ResilienceError } from '../resilience-error.js';
import type { ResilienceEventEmitter } from '../resilience-events.js';

export type GiveUpReason = 'not-retryable' | 'retries-exhausted' | 'cancelled' | 'item-delivered';

/** What `execute` and `retryAsyncIterable` share: the retry settings and where decisions are reported. */
export class RetryDecider {
  private readonly categories: ReadonlySet<ErrorCategory>;
  private readonly maxRetries: number;

  constructor(
    private readonly config: RetryConfig,
    private readonly random: RandomSource,
    private readonly events: ResilienceEventEmitter,
    private readonly name: string,
  ) {
    this.categories = new Set(config.retryCategories);
    this.maxRetries = config.enabled ? config.maxRetries : 0;
  }

  isRetryCategory(category: ErrorCategory): boolean {
    return this.categories.has(category);
  }

  /**
   * After attempt `attempt` failed with `error`: the wait before the next attempt (reported as a
   * `retry` event), or undefined when the call gives up (reported as `give-up`).
   */
  nextDelay(attempt: number, error: ResilienceError, stream: boolean): number | undefined {
    const reason = !this.categories.has(error.category)
      ? 'not-retryable'
      : attempt > this.maxRetries
        ? 'retries-exhausted'
        : undefined;
    if (reason) {
      this.giveUp(attempt, error, reason, stream);
      return undefined;
    }
    const delayMs = retryDelayFor(attempt - 1, error, this.config, this.random);
    if (this.events.hasListeners) {
      this.events.emit({
        type: 'retry',
        policy: this.name,
        ...(stream ? { stream } : {}),
        attempt,
        delayMs,
        category: error.category,
        error,
        ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      });
    }
    return delayMs;
  }

  giveUp(attempt: number, error: ResilienceError, reason: GiveUpReason, stream: boolean): ResilienceError {
    if (this.events.hasListeners) {
      this.events.emit({
        type: 'give-up',
        policy: this.name,
        ...(stream ? { stream } : {}),
        attempt,
        category: error.category,
        error,
        reason,
      });
    }
    return error;
  }
}
