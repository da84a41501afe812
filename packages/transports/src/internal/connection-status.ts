import type { BackendEventMap, BackendStatus } from '../backend-connection.js';
import type { TransportError } from '../transport-error.js';
import type { TypedEmitter } from './typed-emitter.js';

/**
 * The connection's status, the failure behind it, and the callers waiting for it to change.
 * Requests made while the backend (re)starts park here instead of polling, and wake on every
 * change to look again.
 */
export class ConnectionStatus {
  readonly #backend: string;
  readonly #events: TypedEmitter<BackendEventMap>;
  readonly #waiters = new Set<() => void>();
  #current: BackendStatus = 'idle';
  /** The latest failure; later messages (not ready, restarts given up, session lost) name it. */
  lastError: TransportError | undefined;

  constructor(backend: string, events: TypedEmitter<BackendEventMap>) {
    this.#backend = backend;
    this.#events = events;
  }

  get current(): BackendStatus {
    return this.#current;
  }

  /** Moves to `status` (a `status` event) and wakes every waiter; `closed` is final. */
  set(status: BackendStatus, error?: TransportError): void {
    const previous = this.#current;
    if (previous === status || previous === 'closed') return;
    this.#current = status;
    this.#events.emit('status', { backend: this.#backend, status, previous, ...(error ? { error } : {}) });
    this.wakeAll();
  }

  /** Wakes every waiter without a change: close() does, so that they notice at once. */
  wakeAll(): void {
    for (const done of [...this.#waiters]) done();
  }

  /** Resolves on the next wake-up, when `signal` aborts, or after `timeoutMs`, whichever is first. */
  nextChange(signal: AbortSignal | undefined, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      this.#waiters.add(done);
    });
  }
}
