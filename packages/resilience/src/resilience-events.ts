import type { ErrorCategory } from './error-category-table.js';
import type { ResilienceError } from './resilience-error.js';

export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'isolated';

interface EventBase {
  /** The policy's `name` from its config, to label metrics and logs. */
  policy: string;
  /** True when the event comes from `retryAsyncIterable` rather than `execute`. */
  stream?: boolean;
}

/** Every decision a policy takes, as one discriminated union (`type`). */
export type ResilienceEvent =
  /** An attempt starts (1 = first call, 2 = first retry, ...). */
  | (EventBase & { type: 'attempt'; attempt: number })
  /** An attempt succeeded; `durationMs` is the whole call including earlier attempts and waits. */
  | (EventBase & { type: 'success'; attempt: number; durationMs: number })
  /** An attempt failed and will be retried after `delayMs`. */
  | (EventBase & {
      type: 'retry';
      attempt: number;
      delayMs: number;
      category: ErrorCategory;
      error: ResilienceError;
      retryAfterMs?: number;
    })
  /** The call failed for good. */
  | (EventBase & {
      type: 'give-up';
      attempt: number;
      category: ErrorCategory;
      error: ResilienceError;
      reason: 'not-retryable' | 'retries-exhausted' | 'cancelled' | 'item-delivered';
    })
  | (EventBase & { type: 'circuit-state-change'; from: CircuitStateName; to: CircuitStateName })
  /** The circuit refused a call (open, or half-open with all probe slots taken). */
  | (EventBase & { type: 'circuit-rejected'; state: CircuitStateName; retryAfterMs: number })
  | (EventBase & { type: 'bulkhead-rejected'; maxConcurrent: number; maxQueue: number })
  /** An attempt's signal was aborted because it ran longer than `timeoutMs`. */
  | (EventBase & { type: 'timeout'; attempt: number; timeoutMs: number })
  /** The caller's signal aborted the call (during an attempt, a backoff wait or in the bulkhead queue). */
  | (EventBase & { type: 'cancelled' });

export type ResilienceEventType = ResilienceEvent['type'];
export type ResilienceEventOf<K extends ResilienceEventType> = Extract<ResilienceEvent, { type: K }>;
export type ResilienceListener<E = ResilienceEvent> = (event: E) => void;

/**
 * A small typed emitter. Listeners run synchronously, in subscription order. Like `EventTarget`, a
 * throwing listener does not disturb the call nor the other listeners: its exception is rethrown on a
 * later tick, where the process's `uncaughtException` handling sees it.
 */
export class ResilienceEventEmitter {
  private readonly listeners = new Set<ResilienceListener>();

  /** True when someone listens; callers skip building events nobody reads. */
  get hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  /** Subscribes to every event. Returns the function that unsubscribes. */
  onAny(listener: ResilienceListener): () => void {
    // Wrap so that subscribing the same function twice gives two subscriptions, as with `on`.
    const entry: ResilienceListener = (event) => listener(event);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** Subscribes to one event type. Returns the function that unsubscribes. */
  on<K extends ResilienceEventType>(type: K, listener: ResilienceListener<ResilienceEventOf<K>>): () => void {
    return this.onAny((event) => {
      if (event.type === type) listener(event as ResilienceEventOf<K>);
    });
  }

  emit(event: ResilienceEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        process.nextTick(() => {
          throw error;
        });
      }
    }
  }
}
