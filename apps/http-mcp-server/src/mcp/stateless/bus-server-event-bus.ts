import type { JsonValue, MessageBus } from '@mcs/session-store';
import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import { z } from 'zod';

const CHANNEL = 'server-events';

const params = z.record(z.string(), z.unknown()).optional();

/** The SDK's {@link ServerEvent}, checked when it arrives from the bus (another process wrote it). */
const ServerEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tools_list_changed'), params }),
  z.object({ kind: z.literal('prompts_list_changed'), params }),
  z.object({ kind: z.literal('resources_list_changed'), params }),
  z.object({ kind: z.literal('resource_updated'), uri: z.string().min(1), params }),
]);

/**
 * The SDK's `subscriptions/listen` change-event seam (revision 2026-07-28) over the MessageBus, so a
 * change published on any replica reaches the listen streams held by every replica.
 *
 * Publish through the handler's typed facade (`createMcpHandler(...).notify`, which the app hands to
 * tools as `PackContext.changes`) rather than calling {@link publish} directly. The SDK's listen
 * router registers one listener per open listen stream and removes it when the stream closes, so
 * {@link listenerCount} is the number of listen streams this replica holds.
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
      const parsed = ServerEventSchema.safeParse(payload);
      if (!parsed.success) {
        // A foreign or newer publisher on the channel: listen streams must never carry what the SDK cannot map.
        this.#log.warn({ issues: parsed.error.issues }, 'dropped a malformed server event from the message bus');
        return;
      }
      const event = parsed.data as ServerEvent;
      for (const listener of [...this.#listeners]) {
        try {
          listener(event);
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
    // A wrapper per call: the same function subscribed twice gets two independent, idempotent removals.
    const entry = (event: ServerEvent) => listener(event);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /** Listeners registered now: one per `subscriptions/listen` stream open on this replica. */
  get listenerCount(): number {
    return this.#listeners.size;
  }
}
