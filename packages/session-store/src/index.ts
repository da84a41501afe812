// Every export here is public API; named exports only.
export { createMessageBus, createSessionStore } from './create-session-store.js';
export { createEventStore, type EventStoreOptions, type McpEventStore } from './event-store.js';
export { type ParsedEventId, parseEventId } from './internal/event-id.js';
export { DEFAULT_TTLS } from './internal/resolve-options.js';
export type { JsonObject, JsonValue } from './json.js';
export { MemoryMessageBus } from './memory-message-bus.js';
export { MemorySessionStore } from './memory-session-store.js';
export type { MessageBus, MessageHandler } from './message-bus.js';
export type {
  MessageBusOptions,
  RedisConnectionOptions,
  RedisNodeAddress,
  SessionStoreOptions,
  SessionStoreTtls,
} from './options.js';
export { RedisMessageBus } from './redis-message-bus.js';
export { RedisSessionStore } from './redis-session-store.js';
export type {
  EventReplay,
  NewProtocolSession,
  ProtocolSession,
  ProtocolSessionPatch,
  PutRecordOptions,
  SessionStore,
  SessionTransportKind,
  StoredEvent,
  StreamClaim,
  StreamHolder,
  TouchOptions,
} from './session-store.js';
export { SessionStoreError, type SessionStoreErrorCode } from './session-store-error.js';
