import { BaseMessageBus } from './internal/base-message-bus.js';
import { resolveBusOptions } from './internal/resolve-options.js';
import type { MessageBusOptions } from './options.js';

/** Buses that share a hub see each other's messages, like processes sharing one Redis. */
export type MemoryBusHub = Map<string, Set<MemoryMessageBus>>;

/**
 * The bus of a single replica: messages reach subscribers in this process only, delivered
 * asynchronously (never inside `publish`), like Redis would.
 */
export class MemoryMessageBus extends BaseMessageBus {
  readonly kind = 'memory' as const;

  /** `hub` lets tests connect several buses as if they were replicas; leave it out otherwise. */
  constructor(
    options: MessageBusOptions = {},
    private readonly hub: MemoryBusHub = new Map(),
  ) {
    super(resolveBusOptions(options));
  }

  protected async doPublish(fullChannel: string, payload: string): Promise<number> {
    const receivers = [...(this.hub.get(fullChannel) ?? [])];
    if (receivers.length > 0) {
      setImmediate(() => {
        for (const bus of receivers) bus.deliver(fullChannel, payload);
      });
    }
    // Counted per bus, as Redis counts each bus's subscriber connection once.
    return receivers.length;
  }

  protected async doSubscribe(fullChannel: string): Promise<void> {
    const buses = this.hub.get(fullChannel) ?? new Set();
    buses.add(this);
    this.hub.set(fullChannel, buses);
  }

  protected async doUnsubscribe(fullChannel: string): Promise<void> {
    const buses = this.hub.get(fullChannel);
    buses?.delete(this);
    if (buses?.size === 0) this.hub.delete(fullChannel);
  }

  protected async doPing(): Promise<void> {}

  protected async doClose(): Promise<void> {
    for (const [channel, buses] of this.hub) {
      buses.delete(this);
      if (buses.size === 0) this.hub.delete(channel);
    }
  }
}
