import type { SessionStoreError } from './session-store-error.js';

/** Lifetimes in milliseconds. Every one has a default; pass only what you change. */
export interface SessionStoreTtls {
  /** Protocol session idle timeout, sliding: every touch/update restarts it. Default 3_600_000 (1 h). */
  protocolSessionIdleMs: number;
  /** Application session lifetime, restarted by `setApplicationSession`/`touchApplicationSession`. Default 86_400_000 (24 h). */
  applicationSessionMs: number;
  /** Default lifetime of `putRecord` records (auth codes). Default 600_000 (10 min). */
  recordMs: number;
  /** Event stream lifetime after its last append, sliding. Default 3_600_000 (1 h). */
  eventStreamMs: number;
}

export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** How to reach Redis beyond a single `redis://` URL, plus timeouts. */
export interface RedisConnectionOptions {
  /** Redis Cluster: seed nodes (`host:port` strings or objects). `redisUrl`, if also given, only supplies credentials/TLS. */
  cluster?: { nodes: Array<string | RedisNodeAddress> };
  /** Redis Sentinel: the sentinels and the monitored master's name. */
  sentinel?: {
    sentinels: Array<string | RedisNodeAddress>;
    name: string;
    sentinelUsername?: string;
    sentinelPassword?: string;
  };
  username?: string;
  password?: string;
  /** Use TLS (implied by a `rediss://` URL). */
  tls?: boolean;
  /** Database index (standalone and Sentinel only). */
  db?: number;
  /** TCP connect timeout. Default 5_000. */
  connectTimeoutMs?: number;
  /** Per-command timeout: a command not answered in time fails with `STORE_UNAVAILABLE`. Default 2_000. */
  commandTimeoutMs?: number;
  /** Reconnection attempts a queued command waits through before failing. Default 1. */
  maxRetriesPerRequest?: number;
}

export interface SessionStoreOptions {
  /** `redis://` or `rediss://` URL (usually `process.env.REDIS_URL`). Unset and no `redis.cluster`/`redis.sentinel`: in-memory. */
  redisUrl?: string | undefined;
  redis?: RedisConnectionOptions | undefined;
  /** Prefix of every key and channel. Default `mcs:`. */
  keyPrefix?: string | undefined;
  ttls?: Partial<SessionStoreTtls> | undefined;
  /** Events kept per stream (oldest dropped first). Default 1_000. */
  eventLogMaxLength?: number | undefined;
  /** Called once for every error a store operation throws or a background task meets (for metrics/logs). */
  onError?: ((error: SessionStoreError) => void) | undefined;
  /** In-memory only: how often expired entries are swept (they are also dropped when read). Default 30_000. */
  sweepIntervalMs?: number | undefined;
}

export interface MessageBusOptions {
  redisUrl?: string | undefined;
  redis?: RedisConnectionOptions | undefined;
  /** Channels are `<keyPrefix>bus:<channel>`. Default `mcs:`. */
  keyPrefix?: string | undefined;
  onError?: ((error: SessionStoreError) => void) | undefined;
}
