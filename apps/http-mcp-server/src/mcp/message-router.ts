import { randomUUID } from 'node:crypto';
import type { JsonObject, JsonValue, MessageBus } from '@mcs/session-store';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';

/** What travels on a session channel to the replica holding the session's open stream. */
export type SessionChannelMessage =
  | { kind: 'message'; message: JsonObject; eventId?: string }
  | { kind: 'close'; reason: string };

type ReplicaChannelMessage = { kind: 'response'; exchangeId: string; message: JsonObject };

const ROUTED_ID_PREFIX = 'mcs~';

export interface RoutedId {
  replicaId: string;
  exchangeId: string;
  originalId: string | number;
}

/**
 * Routes messages between replicas over the MessageBus:
 * - the response to a server-to-client request (sampling, elicitation, ping) goes back to the
 *   replica and exchange that sent the request: its JSON-RPC id is rewritten on the way out to
 *   carry both (`mcs~<replica>~<exchange>~<original id>`), so any replica can route the answer;
 * - a message for a session's standalone stream (GET /mcp, or the legacy /sse stream) goes to the
 *   session channel, which the replica holding that stream listens to.
 */
export class MessageRouter {
  readonly replicaId: string;
  readonly #bus: MessageBus;
  readonly #log: Logger;
  readonly #exchanges = new Map<string, (message: JSONRPCMessage) => void>();
  #unsubscribe: (() => Promise<void>) | undefined;
  #nextExchange = 0;

  constructor(bus: MessageBus, log: Logger, replicaId: string = randomUUID().slice(0, 8)) {
    this.#bus = bus;
    this.#log = log;
    this.replicaId = replicaId;
  }

  async start(): Promise<void> {
    this.#unsubscribe = await this.#bus.subscribe(`replica:${this.replicaId}`, (payload) => {
      const routed = payload as unknown as ReplicaChannelMessage;
      if (routed?.kind === 'response') this.#deliverLocal(routed.exchangeId, routed.message);
    });
  }

  async stop(): Promise<void> {
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /** Registers an in-flight exchange; returns its id and the function that removes it. */
  registerExchange(deliver: (message: JSONRPCMessage) => void): { exchangeId: string; unregister: () => void } {
    this.#nextExchange += 1;
    const exchangeId = this.#nextExchange.toString(36);
    this.#exchanges.set(exchangeId, deliver);
    return { exchangeId, unregister: () => this.#exchanges.delete(exchangeId) };
  }

  get liveExchanges(): number {
    return this.#exchanges.size;
  }

  encodeId(exchangeId: string, originalId: string | number): string {
    return `${ROUTED_ID_PREFIX}${this.replicaId}~${exchangeId}~${JSON.stringify(originalId)}`;
  }

  static decodeId(id: unknown): RoutedId | undefined {
    if (typeof id !== 'string' || !id.startsWith(ROUTED_ID_PREFIX)) return undefined;
    const [replicaId, exchangeId, ...rest] = id.slice(ROUTED_ID_PREFIX.length).split('~');
    if (!replicaId || !exchangeId || rest.length === 0) return undefined;
    try {
      const originalId: unknown = JSON.parse(rest.join('~'));
      if (typeof originalId !== 'string' && typeof originalId !== 'number') return undefined;
      return { replicaId, exchangeId, originalId };
    } catch {
      return undefined;
    }
  }

  /**
   * Delivers a client's response to a server-to-client request to the exchange waiting for it,
   * here or on another replica. Returns false when the id was not minted by any replica.
   */
  async routeClientResponse(message: JsonObject): Promise<boolean> {
    const routed = MessageRouter.decodeId(message.id);
    if (!routed) return false;
    const restored: JsonObject = { ...message, id: routed.originalId };
    if (routed.replicaId === this.replicaId) {
      this.#deliverLocal(routed.exchangeId, restored);
      return true;
    }
    const payload: ReplicaChannelMessage = { kind: 'response', exchangeId: routed.exchangeId, message: restored };
    const receivers = await this.#bus.publish(`replica:${routed.replicaId}`, plainJson(payload));
    if (receivers === 0) this.#log.warn({ replica: routed.replicaId }, 'response for a replica that is gone: dropped');
    return true;
  }

  publishToSession(sessionId: string, message: SessionChannelMessage): Promise<number> {
    return this.#bus.publish(sessionChannel(sessionId), plainJson(message));
  }

  subscribeToSession(
    sessionId: string,
    handler: (message: SessionChannelMessage) => void,
  ): Promise<() => Promise<void>> {
    return this.#bus.subscribe(sessionChannel(sessionId), (payload) =>
      handler(payload as unknown as SessionChannelMessage),
    );
  }

  #deliverLocal(exchangeId: string, message: JsonObject): void {
    const deliver = this.#exchanges.get(exchangeId);
    if (!deliver) {
      this.#log.debug({ exchangeId }, 'response for a finished exchange: dropped');
      return;
    }
    deliver(message as unknown as JSONRPCMessage);
  }
}

/** SDK messages may hold `undefined` properties (dropped on the wire); the bus wants plain JSON. */
export function plainJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

function sessionChannel(sessionId: string): string {
  return `session:${sessionId}`;
}
