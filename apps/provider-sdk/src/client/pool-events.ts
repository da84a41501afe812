import type { BackendStatus, ListChangedKind, LoggingLevel, ProgressUpdate } from '@mcs/transports';

/** What the pool reports besides request results; every payload names the backend. */
export interface PoolEventMap {
  /** A log message (`notifications/message`) of a backend; MCP does not tie these to requests. */
  log: { backend: string; level: LoggingLevel; logger?: string; data: unknown };
  /** Progress of a running tool call (the same updates a call's own `onProgress` gets). */
  progress: ProgressUpdate & { backend: string; tool: string };
  /** A backend's tools, resources or prompts changed (its cached list is dropped; the next listing asks again). */
  list_changed: { backend: string; kind: ListChangedKind };
  /** A resource subscribed with `subscribeResource` changed: read it again. */
  resource_updated: { backend: string; uri: string };
  /**
   * A backend's connection changed status: `ready` at its first connect and again after every
   * restart or reconnect (a new session: what was asked of the old one, e.g. a log level, is gone
   * unless the pool keeps it). `serverCapabilities()` answers for the new session by then.
   */
  status: {
    backend: string;
    status: BackendStatus;
    previous: BackendStatus;
    /** Why it left `ready` or did not reach it (a restart's or failed connect's cause), when known. */
    error?: { code: string; message: string };
  };
}

export type PoolEventName = keyof PoolEventMap;
export type PoolEventListener<E extends PoolEventName> = (event: PoolEventMap[E]) => void;

/**
 * Listeners per event. A listener that throws is the application's bug, but must not break the
 * notification handling of the backend that delivered the event, nor the other listeners.
 */
export class PoolEvents {
  readonly #listeners = new Map<PoolEventName, Set<(event: never) => void>>();

  on<E extends PoolEventName>(event: E, listener: PoolEventListener<E>): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  has(event: PoolEventName): boolean {
    return (this.#listeners.get(event)?.size ?? 0) > 0;
  }

  emit<E extends PoolEventName>(event: E, payload: PoolEventMap[E]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as PoolEventListener<E>)(payload);
      } catch {
        // See the class comment: one listener's failure stays its own.
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
