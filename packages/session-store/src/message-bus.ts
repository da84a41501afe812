import type { JsonValue } from './json.js';

/** May be async: a rejected promise is reported like a throw (`HANDLER_FAILED`), never left unhandled. */
export type MessageHandler = (message: JsonValue, channel: string) => unknown;

/**
 * Fire-and-forget messages between replicas (at most once: a replica that is not subscribed at the
 * moment of `publish` never sees the message). The http server uses one channel per replica or per
 * stream to route server-to-client messages to the replica holding the stream.
 *
 * Channel names are 1..512 characters without control characters; they are namespaced under the
 * key prefix on Redis (`<prefix>bus:<channel>`).
 */
export interface MessageBus {
  readonly kind: 'redis' | 'memory';
  /**
   * Delivers `message` to every current subscriber of `channel` on any replica. Resolves to the number
   * of subscribed connections that received it (Redis counts connections, not handlers; in Cluster only
   * the node's own), so 0 means "nobody is listening".
   */
  publish(channel: string, message: JsonValue): Promise<number>;
  /**
   * Resolves once the subscription is active (messages published after that are delivered). Handlers
   * run in order of arrival; a throwing handler is reported through `onError`, not to the publisher.
   * Returns the function that removes this handler (the channel is released when its last handler goes).
   */
  subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>>;
  /** Resolves when the backend answers; throws `STORE_UNAVAILABLE` otherwise. */
  ping(): Promise<void>;
  errorCounts(): Readonly<Record<string, number>>;
  /** Drops all subscriptions and connections. Later calls throw `CLOSED`. Idempotent. */
  close(): Promise<void>;
}
