import { resolveBusOptions, resolveStoreOptions } from './internal/resolve-options.js';
import { MemoryMessageBus } from './memory-message-bus.js';
import { MemorySessionStore } from './memory-session-store.js';
import type { MessageBus } from './message-bus.js';
import type { MessageBusOptions, SessionStoreOptions } from './options.js';
import type { SessionStore } from './session-store.js';
import { SessionStoreError } from './session-store-error.js';

/**
 * Redis when `redisUrl` (or `redis.cluster` / `redis.sentinel`) is given, in-memory otherwise.
 * Throws `INVALID_CONFIG` for bad options. Connecting happens in the background: call `ping()` to wait.
 */
export function createSessionStore(options: SessionStoreOptions = {}): SessionStore {
  if (resolveStoreOptions(options).redis) {
    throw new SessionStoreError('INVALID_CONFIG', 'The Redis session store is not built yet; leave REDIS_URL unset.');
  }
  return new MemorySessionStore(options);
}

/** Redis pub/sub when Redis is configured (same rules as `createSessionStore`), in-process otherwise. */
export function createMessageBus(options: MessageBusOptions = {}): MessageBus {
  if (resolveBusOptions(options).redis) {
    throw new SessionStoreError('INVALID_CONFIG', 'The Redis message bus is not built yet; leave REDIS_URL unset.');
  }
  return new MemoryMessageBus(options);
}
