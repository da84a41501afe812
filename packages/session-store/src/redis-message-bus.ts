import { BaseMessageBus } from './internal/base-message-bus.js';
import { toSessionStoreError } from './internal/error-reporter.js';
import {
  connectRedis,
  disconnectRedis,
  type RedisClient,
  whenReady,
  withTimeout,
} from './internal/redis-connection.js';
import { type ResolvedRedisOptions, resolveBusOptions } from './internal/resolve-options.js';
import type { MessageBusOptions } from './options.js';
import { SessionStoreError } from './session-store-error.js';

/**
 * Redis pub/sub between replicas. Publishing uses a normal connection; receiving uses a dedicated
 * subscriber connection (a subscribed connection can run nothing else), which ioredis resubscribes
 * to every channel after a reconnect. Messages published while it is disconnected are lost (at most
 * once), as with any Redis pub/sub.
 *
 * On Cluster it uses sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis >= 7): a channel lives on the shard
 * owning its slot, so messages of one channel keep their order (classic PUBLISH goes to a random node
 * per call and can overtake itself) and receiver counts are exact.
 */
export class RedisMessageBus extends BaseMessageBus {
  readonly kind = 'redis' as const;
  readonly publisher: RedisClient;
  readonly subscriber: RedisClient;
  private readonly redis: ResolvedRedisOptions;
  private readonly sharded: boolean;

  constructor(options: MessageBusOptions) {
    const resolved = resolveBusOptions(options);
    super(resolved);
    if (!resolved.redis) {
      throw new SessionStoreError('INVALID_CONFIG', 'RedisMessageBus needs redisUrl, redis.cluster or redis.sentinel.');
    }
    this.redis = resolved.redis;
    this.sharded = this.redis.cluster !== undefined;
    const report = (error: Error) => this.reporter.report(toSessionStoreError(error));
    this.publisher = connectRedis(this.redis, report);
    this.subscriber = connectRedis(this.redis, report, { shardedSubscriber: this.sharded, subscriber: true });
    const deliver = (channel: string, payload: string) => this.deliver(channel, payload);
    this.subscriber.on(this.sharded ? 'smessage' : 'message', deliver);
  }

  protected async doPublish(fullChannel: string, payload: string): Promise<number> {
    if (this.sharded) return Number(await this.publisher.spublish(fullChannel, payload));
    return this.publisher.publish(fullChannel, payload);
  }

  protected async doSubscribe(fullChannel: string): Promise<void> {
    // Only on a ready connection: ioredis restores (after a reconnect) just the channels of a
    // connection that had been ready; see whenReady.
    await whenReady(this.subscriber, this.redis.commandTimeoutMs);
    await (this.sharded ? this.subscriber.ssubscribe(fullChannel) : this.subscriber.subscribe(fullChannel));
  }

  protected async doUnsubscribe(fullChannel: string): Promise<void> {
    // During a reconnect's handshake an UNSUBSCRIBE would be undone by ioredis' resubscribe at "ready".
    await whenReady(this.subscriber, this.redis.commandTimeoutMs);
    await (this.sharded ? this.subscriber.sunsubscribe(fullChannel) : this.subscriber.unsubscribe(fullChannel));
  }

  protected async doPing(): Promise<void> {
    await withTimeout(this.publisher.ping(), this.redis.commandTimeoutMs, 'PING');
  }

  protected async doClose(): Promise<void> {
    await Promise.all([
      disconnectRedis(this.publisher, this.redis.commandTimeoutMs),
      disconnectRedis(this.subscriber, this.redis.commandTimeoutMs),
    ]);
  }
}
