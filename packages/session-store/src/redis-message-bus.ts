import { BaseMessageBus } from './internal/base-message-bus.js';
import { toSessionStoreError } from './internal/error-reporter.js';
import { connectRedis, disconnectRedis, type RedisClient, withTimeout } from './internal/redis-connection.js';
import { type ResolvedRedisOptions, resolveBusOptions } from './internal/resolve-options.js';
import type { MessageBusOptions } from './options.js';
import { SessionStoreError } from './session-store-error.js';

/**
 * Redis pub/sub between replicas. Publishing uses a normal connection; receiving uses a dedicated
 * subscriber connection (a subscribed connection can run nothing else), which ioredis resubscribes
 * to every channel after a reconnect. Messages published while it is disconnected are lost (at most
 * once), as with any Redis pub/sub.
 */
export class RedisMessageBus extends BaseMessageBus {
  readonly kind = 'redis' as const;
  readonly publisher: RedisClient;
  readonly subscriber: RedisClient;
  private readonly redis: ResolvedRedisOptions;

  constructor(options: MessageBusOptions) {
    const resolved = resolveBusOptions(options);
    super(resolved);
    if (!resolved.redis) {
      throw new SessionStoreError('INVALID_CONFIG', 'RedisMessageBus needs redisUrl, redis.cluster or redis.sentinel.');
    }
    this.redis = resolved.redis;
    const report = (error: Error) => this.reporter.report(toSessionStoreError(error));
    this.publisher = connectRedis(this.redis, report);
    this.subscriber = connectRedis(this.redis, report);
    this.subscriber.on('message', (channel: string, payload: string) => this.deliver(channel, payload));
  }

  protected async doPublish(fullChannel: string, payload: string): Promise<number> {
    return this.publisher.publish(fullChannel, payload);
  }

  protected async doSubscribe(fullChannel: string): Promise<void> {
    await this.subscriber.subscribe(fullChannel);
  }

  protected async doUnsubscribe(fullChannel: string): Promise<void> {
    await this.subscriber.unsubscribe(fullChannel);
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
