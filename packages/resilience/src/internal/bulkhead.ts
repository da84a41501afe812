import { abortedError } from './abort.js';

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * At most `maxConcurrent` calls at once, and at most `maxQueue` calls waiting for a slot (FIFO).
 *
 * Why not cockatiel's `BulkheadPolicy`: its `execute` wraps every call in an async function (two
 * extra promise hops and an awaited frame) even when a slot is free, which is nearly always. Here a
 * free slot is a counter increment (`tryAcquire`, synchronous); only a call that finds every slot
 * taken gets a promise (`acquire`). A released slot goes straight to the oldest waiter, so a new call
 * cannot overtake the queue, and a waiter whose caller aborts leaves the queue at once (its place is
 * free again) and never runs.
 */
export class Bulkhead {
  private running = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly maxConcurrent: number,
    readonly maxQueue: number,
  ) {}

  /** Takes a free slot, if any. The caller must `release()` it when its call settles. */
  tryAcquire(): boolean {
    if (this.running >= this.maxConcurrent) return false;
    this.running++;
    return true;
  }

  /** True when no slot is free and the queue has no room: a new call is to be rejected. */
  get isFull(): boolean {
    return this.running >= this.maxConcurrent && this.waiters.length >= this.maxQueue;
  }

  /**
   * Waits in the queue for a slot (call it only when `tryAcquire` failed and the bulkhead is not
   * full). Resolves holding the slot; rejects with `abortedError(signal)` if the signal aborts first.
   */
  acquire(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(abortedError(signal));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  /** Gives a slot back: to the oldest waiter if there is one, else to the pool. */
  release(): void {
    // Checked first: shift() on the (nearly always) empty queue is a call the success path can skip.
    const next = this.waiters.length === 0 ? undefined : this.waiters.shift();
    if (!next) {
      this.running--;
      return;
    }
    if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
    next.resolve();
  }
}
