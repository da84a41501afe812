import type { Client, LoggingLevel } from '@modelcontextprotocol/client';
import type { BackendEventMap } from '../backend-connection.js';
import { toTransportError } from './to-transport-error.js';
import type { TypedEmitter } from './typed-emitter.js';

/**
 * What callers asked of the backend's session: the log level and the resource subscriptions. A
 * restart opens a session the backend knows nothing about, so they are re-applied to every new one.
 */
export class SessionSettings {
  loggingLevel: LoggingLevel | undefined;
  readonly subscriptions = new Set<string>();
  readonly #backend: string;
  readonly #events: TypedEmitter<BackendEventMap>;

  constructor(backend: string, events: TypedEmitter<BackendEventMap>) {
    this.#backend = backend;
    this.#events = events;
  }

  /**
   * Re-applies the settings on `client`. A setting the new session refuses does not fail the
   * connect (the backend is up and serves calls); it becomes a `log` warning event instead.
   */
  async reapply(client: Client, timeout: number): Promise<void> {
    const backend = this.#backend;
    const restore = async (what: string, action: () => Promise<unknown>) => {
      try {
        await action();
      } catch (error) {
        const failure = toTransportError(error, { backend, method: what });
        this.#events.emit('log', {
          backend,
          level: 'warning',
          logger: 'mcs-transports',
          data: `could not restore ${what} after reconnecting: ${failure.message}`,
        });
      }
    };
    if (this.loggingLevel) {
      const level = this.loggingLevel;
      await restore('logging/setLevel', () => client.setLoggingLevel(level, { timeout }));
    }
    for (const uri of this.subscriptions) {
      await restore(`resources/subscribe ${uri}`, () => client.subscribeResource({ uri }, { timeout }));
    }
  }
}
