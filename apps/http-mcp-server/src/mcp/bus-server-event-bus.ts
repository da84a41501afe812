import type { JsonValue, MessageBus } from '@mcs/session-store';
import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';

const CHANNEL = 'server-events';

/**
 * The SDK's `subscriptions/listen` change-event seam (revision 2026-07-28) over the MessageBus, so a
 * change published on any replica reaches the listen streams held by every replica.
 */
export class BusServerEventBus implements ServerEventBus {
  readonly #bus: MessageBus;
  readonly #log: Logger;
  readonly #listeners = new Set<(event: ServerEvent) => void>();
  #unsubscribe: (() => Promise<void>) | undefined;

  constructor(bus: MessageBus, log: Logger) {
    this.#bus = bus;
    this.#log = log;
  }

  async start(): Promise<void> {
    this.#unsubscribe = await this.#bus.subscribe(CHANNEL, (payload) => {
      for (const listener of [...this.#listeners]) {
        try {
          listener(payload as unknown as ServerEvent);
        } catch (error) {
          this.#log.warn({ err: error }, 'listen stream listener failed');
        }
      }
    });
  }

  async stop(): Promise<void> {
    await this.#unsubscribe?.();
  }

  publish(event: ServerEvent): void {
    this.#bus.publish(CHANNEL, event as unknown as JsonValue).catch((error: unknown) => {
      this.#log.error({ err: error, event: event.kind }, 'could not publish a server event');
    });
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }
}
