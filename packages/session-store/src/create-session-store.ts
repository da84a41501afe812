import { resolveBusOptions, resolveStoreOptions } from './internal/resolve-options.js';
import { MemoryMessageBus } from './memory-message-bus.js';
import { MemorySessionStore } from './memory-session-store.js';
import type { MessageBus } from './message-bus.js';
import type { MessageBusOptions, SessionStoreOptions } from './options.js';
import { RedisMessageBus } from './redis-message-bus.js';
import { RedisSessionStore } from './redis-session-store.js';
import type { SessionStore } from './session-store.js';

/**
 * Redis when `redisUrl` (or `redis.cluster` / `redis.sentinel`) is given, in-memory otherwise.
 * Throws `INVALID_CONFIG` for bad options. Connecting happens in the background: call `ping()` to wait.
 */
export function createSessionStore(options: SessionStoreOptions = {}): SessionStore {
  return resolveStoreOptions(options).redis ? new RedisSessionStore(options) : new MemorySessionStore(options);
}

/** Redis pub/sub when Redis is configured (same rules as `createSessionStore`), in-process otherwise. */
export function createMessageBus(options: MessageBusOptions = {}): MessageBus {
  return resolveBusOptions(options).redis ? new RedisMessageBus(options) : new MemoryMessageBus(options);
}
