/**
 * A minimal typed event emitter. Unlike node:events, a throwing listener cannot break the emitter's
 * caller (here: the MCP SDK's message dispatch); its error becomes a process warning instead.
 */
export class TypedEmitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<(event: never) => void>>();

  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): void {
    this.#listeners.get(event)?.delete(listener);
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set] as ((payload: Events[E]) => void)[]) {
      try {
        listener(payload);
      } catch (error) {
        process.emitWarning(error instanceof Error ? error : new Error(String(error)), {
          type: 'ListenerError',
          detail: `a listener of the "${String(event)}" event threw`,
        });
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
