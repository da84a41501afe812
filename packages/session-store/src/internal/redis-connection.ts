import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { SessionStoreError } from '../session-store-error.js';
import type { ResolvedRedisOptions } from './resolve-options.js';

export type RedisClient = Redis | Cluster;

/** Reconnect quickly at first, then every 2 s, for as long as the process runs. */
const retryStrategy = (attempt: number): number => Math.min(50 * 2 ** attempt, 2_000);

function address(node: string | { host: string; port: number }): { host: string; port: number } {
  if (typeof node !== 'string') return node;
  const at = node.lastIndexOf(':');
  return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
}

/**
 * One ioredis connection (standalone, Sentinel or Cluster) with bounded waits: commands time out after
 * `commandTimeoutMs` and give up after `maxRetriesPerRequest` reconnections, so a Redis outage turns
 * into `STORE_UNAVAILABLE` errors instead of requests that hang.
 */
export function connectRedis(
  options: ResolvedRedisOptions,
  onError: (error: Error) => void,
  { shardedSubscriber = false, subscriber = false } = {},
): RedisClient {
  const url = options.url;
  const tls = options.tls ?? url?.protocol === 'rediss:';
  const db = options.db ?? (url && url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined);
  if (db !== undefined && !Number.isInteger(db)) {
    throw new SessionStoreError(
      'INVALID_CONFIG',
      `The database in the Redis URL must be a number, got "${url?.pathname}".`,
    );
  }
  const common: RedisOptions = {
    username: options.username ?? (url?.username ? decodeURIComponent(url.username) : undefined),
    password: options.password ?? (url?.password ? decodeURIComponent(url.password) : undefined),
    connectTimeout: options.connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs,
    maxRetriesPerRequest: options.maxRetriesPerRequest,
    retryStrategy,
    // Commands issued in the same tick (concurrent requests touching their sessions) leave in one
    // write: one syscall and one Redis read for the batch instead of one each. Not for the subscriber
    // connection, whose (UN)SUBSCRIBE commands must not wait behind anything.
    enableAutoPipelining: !subscriber,
    ...(tls ? { tls: {} } : {}),
  };
  let client: RedisClient;
  if (options.cluster) {
    client = new Cluster(options.cluster.nodes.map(address), {
      redisOptions: common,
      clusterRetryStrategy: retryStrategy,
      slotsRefreshTimeout: options.connectTimeoutMs,
      // SSUBSCRIBE needs one subscriber connection per master, made by ioredis on demand.
      shardedSubscribers: shardedSubscriber,
    });
  } else if (options.sentinel) {
    client = new Redis({
      ...common,
      sentinels: options.sentinel.sentinels.map(address),
      name: options.sentinel.name,
      sentinelUsername: options.sentinel.sentinelUsername,
      sentinelPassword: options.sentinel.sentinelPassword,
      sentinelRetryStrategy: retryStrategy,
      enableTLSForSentinelMode: tls,
      ...(db === undefined ? {} : { db }),
    });
  } else if (url) {
    client = new Redis({
      ...common,
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port ? Number(url.port) : 6379,
      ...(db === undefined ? {} : { db }),
    });
  } else {
    throw new SessionStoreError('INVALID_CONFIG', 'Redis needs redisUrl, redis.cluster or redis.sentinel.');
  }
  // Without a listener ioredis prints every failed reconnection; route them to metrics instead.
  client.on('error', onError);
  return client;
}

/** Waits at most `timeoutMs` for `promise`; a stuck connection must not stall /readyz. */
export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves once `client` has finished its handshake ("ready"); rejects after `timeoutMs` or when the
 * client has ended. A subscriber must wait for this: ioredis writes SUBSCRIBE already while the
 * handshake runs ("connect"), the reply switches the connection to subscriber mode, the ready check's
 * INFO is then refused, and ioredis reconnects WITHOUT resubscribing (it only restores the channels of
 * a connection that had been ready), so the subscription would be silently lost.
 */
export async function whenReady(client: RedisClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // Loop: a connection that was ready when the event fired can be reconnecting again when we resume.
  while (client.status !== 'ready') {
    if (client.status === 'end') throw new Error('the connection is closed');
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`the connection was not ready within ${timeoutMs} ms`);
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        client.off('ready', done);
        client.off('end', done);
        resolve();
      };
      const timer = setTimeout(done, remaining);
      client.on('ready', done);
      client.on('end', done);
    });
  }
}

/** QUIT when connected (flushes pending replies), otherwise drop the socket and stop reconnecting. */
export async function disconnectRedis(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') {
    try {
      await withTimeout(client.quit(), timeoutMs, 'QUIT');
      return;
    } catch {
      // Fall through: the connection is going away either way.
    }
  }
  client.disconnect();
}
