import type { JsonObject, JsonValue } from './json.js';

/** Which HTTP transport opened a protocol session. */
export type SessionTransportKind = 'streamable-http' | 'sse';

/** The replica (process) that holds the live server-to-client stream of a session, if any. */
export interface StreamHolder {
  /** Stable id of the replica process; the message bus channel to reach it is derived from it. */
  replicaId: string;
  /** The transport's stream id (for Streamable HTTP the standalone GET stream). */
  streamId: string;
  /** When the stream was claimed (epoch ms). */
  sinceMs: number;
}

/** State of one 2025-era `Mcp-Session-Id` session (or one legacy HTTP+SSE session). */
export interface ProtocolSession {
  id: string;
  transport: SessionTransportKind;
  /** The protocol revision negotiated at `initialize`, e.g. `2025-11-25`. */
  protocolVersion: string;
  /** `clientInfo` from `initialize` (`name`, `version`, ...), as sent. */
  clientInfo: JsonObject | undefined;
  /** `capabilities` from `initialize`, as sent. */
  clientCapabilities: JsonObject;
  createdAtMs: number;
  /**
   * Last time the session was created, touched or updated (epoch ms), to within 1 s: touches rewrite it
   * only once it is that old (a tenth of the idle TTL if shorter). The idle TTL itself slides on every touch.
   */
  lastSeenAtMs: number;
  streamHolder: StreamHolder | undefined;
  /**
   * The principal (e.g. the token's `sub`) the session was created for, if any. Set only at creation and
   * never patched: a session id is not a credential (MCP security best practices), so requests of anyone
   * else are refused (see `touchProtocolSession`'s `owner`).
   */
  owner: string | undefined;
  /**
   * Free per-session protocol state (log level, resource subscriptions, the authenticated subject...).
   * Each key is stored separately, so two replicas updating different keys never overwrite each other.
   */
  attributes: JsonObject;
}

export interface NewProtocolSession {
  id: string;
  transport?: SessionTransportKind;
  protocolVersion: string;
  clientInfo?: JsonObject;
  clientCapabilities?: JsonObject;
  attributes?: JsonObject;
  /** The principal the session belongs to (1..512 characters); immutable afterwards. */
  owner?: string;
}

/** Options of `touchProtocolSession`. */
export interface TouchOptions {
  /**
   * Only a session created for exactly this owner counts: another owner's session (or one created
   * without an owner) is neither touched nor returned, as if it did not exist. Checked and touched in
   * one atomic step, so no request can use a session it does not own, not even once.
   */
  owner?: string;
}

export interface ProtocolSessionPatch {
  protocolVersion?: string;
  clientInfo?: JsonObject;
  clientCapabilities?: JsonObject;
  /** Sets the holder unconditionally (`null` clears it). Prefer `claimStream`/`releaseStream` between replicas. */
  streamHolder?: Omit<StreamHolder, 'sinceMs'> | null;
  /** Merged key by key into `attributes`; a `null` value deletes that key. */
  attributes?: { [key: string]: JsonValue };
}

export interface StreamClaim {
  /** True when this replica now holds the stream (it was free, or already held by the same replica). */
  claimed: boolean;
  /** The session after the attempt: when `claimed` is false, `streamHolder` says who holds it. */
  session: ProtocolSession;
}

/** One event of a stream's log, as replayed for `Last-Event-ID` resumption. */
export interface StoredEvent {
  /** Opaque id; encodes the stream id, so any replica can resume from the id alone. */
  eventId: string;
  message: JsonObject;
}

export interface EventReplay {
  /** The stream the given event id belongs to. */
  streamId: string;
  /** Events strictly after the given id, oldest first. */
  events: StoredEvent[];
  /**
   * True when the given id is no longer in the log (trimmed by `eventLogMaxLength`, expired, or never
   * stored): events between it and `events[0]` may have been lost.
   */
  gap: boolean;
}

export interface PutRecordOptions {
  /** Lifetime in ms (default `ttls.recordMs`, 10 min). */
  ttlMs?: number;
  /** Store only if no live record has this id (SET NX); `putRecord` then returns false when one exists. */
  onlyIfAbsent?: boolean;
}

/**
 * Everything an MCS server replica keeps outside its own memory, so that any replica can serve any
 * request. Two implementations behave the same (one contract test suite): Redis and in-memory.
 *
 * Ids (session ids, jti, record ids, stream ids) are 1..512 characters without control characters;
 * anything else throws `INVALID_ARGUMENT`. Values are JSON. Reads validate what they find and throw
 * `CORRUPT_VALUE` (never crash) on a broken value. Backend failures throw `STORE_UNAVAILABLE`.
 */
export interface SessionStore {
  readonly kind: 'redis' | 'memory';

  // --- protocol sessions (sliding idle TTL: `ttls.protocolSessionIdleMs`, default 1 h) ---
  /** Creates (or replaces) a session; returns it as stored. */
  createProtocolSession(session: NewProtocolSession): Promise<ProtocolSession>;
  /** Reads without extending the TTL; `undefined` when unknown or expired. */
  getProtocolSession(id: string): Promise<ProtocolSession | undefined>;
  /**
   * Marks activity and reads the session in one round trip: restarts the idle TTL (and refreshes
   * `lastSeenAtMs`, see there). `undefined` when unknown or expired.
   */
  touchProtocolSession(id: string, options?: TouchOptions): Promise<ProtocolSession | undefined>;
  /** Applies a patch atomically (and touches). `undefined` when unknown or expired (nothing is created). */
  updateProtocolSession(id: string, patch: ProtocolSessionPatch): Promise<ProtocolSession | undefined>;
  /** Atomically takes the session's stream for `replicaId` unless another replica holds it (and touches). */
  claimStream(sessionId: string, holder: Omit<StreamHolder, 'sinceMs'>): Promise<StreamClaim | undefined>;
  /** Clears the holder only if `replicaId` holds it; returns whether it did. */
  releaseStream(sessionId: string, replicaId: string): Promise<boolean>;
  /** Returns whether a session was deleted. */
  deleteProtocolSession(id: string): Promise<boolean>;

  // --- application sessions: opaque per-user JSON (encrypt secrets before storing) ---
  /** Stores `value` for `ttlMs` (default `ttls.applicationSessionMs`, 24 h). */
  setApplicationSession(id: string, value: JsonValue, options?: { ttlMs?: number }): Promise<void>;
  getApplicationSession(id: string): Promise<JsonValue | undefined>;
  /** Restarts the TTL (`ttlMs` or the default); returns false when unknown or expired. */
  touchApplicationSession(id: string, options?: { ttlMs?: number }): Promise<boolean>;
  deleteApplicationSession(id: string): Promise<boolean>;

  // --- short-lived records (auth codes, PKCE state, nonces) in namespaces like `authcode` ---
  /** Returns false only when `onlyIfAbsent` is set and a live record exists. */
  putRecord(namespace: string, id: string, value: JsonValue, options?: PutRecordOptions): Promise<boolean>;
  getRecord(namespace: string, id: string): Promise<JsonValue | undefined>;
  /** Reads and deletes in one atomic step: of concurrent takers (on any replica) exactly one gets the value. */
  takeRecord(namespace: string, id: string): Promise<JsonValue | undefined>;
  deleteRecord(namespace: string, id: string): Promise<boolean>;

  // --- tokens by `jti` ---
  /** Stores metadata about an issued token until it expires (`expiresAtMs`, epoch ms). */
  putTokenMetadata(jti: string, metadata: JsonObject, expiresAtMs: number): Promise<void>;
  getTokenMetadata(jti: string): Promise<JsonObject | undefined>;
  /** Marks the token revoked until `untilEpochMs` (normally its `exp`); a past time is a no-op. */
  revokeToken(jti: string, untilEpochMs: number): Promise<void>;
  isTokenRevoked(jti: string): Promise<boolean>;

  // --- per-stream event log for SSE resumption (max `eventLogMaxLength` events, TTL `ttls.eventStreamMs`) ---
  /**
   * Appends and returns the new event's id; restarts the stream's TTL (`ttlMs`, default
   * `ttls.eventStreamMs`); drops the oldest events beyond `eventLogMaxLength`. The message is stored as
   * `JSON.stringify` writes it (no schema walk: `INVALID_ARGUMENT` only if that throws, or for a non-object).
   */
  appendEvent(streamId: string, message: JsonObject, options?: { ttlMs?: number }): Promise<string>;
  /**
   * Events after `lastEventId` (a stream's priming id, entry `0-0`, means the whole stream); throws
   * `INVALID_EVENT_ID` for an id this store cannot have produced.
   */
  replayEventsAfter(lastEventId: string): Promise<EventReplay>;
  deleteEventStream(streamId: string): Promise<boolean>;

  // --- expiring sets: members with their own TTL (e.g. the sessions subscribed to one resource URI) ---
  /**
   * Adds `member` to the set `setId`, or refreshes it: it lives `ttlMs` from now (default
   * `ttls.protocolSessionIdleMs`, because members are usually session ids and should not outlive
   * them). Atomic; drops members already expired; the set itself expires with its last member.
   */
  addToSet(setId: string, member: string, options?: { ttlMs?: number }): Promise<void>;
  /** Removes `member` (a no-op when it is not there). */
  removeFromSet(setId: string, member: string): Promise<void>;
  /** The live members, in no particular order; `[]` for an unknown or expired set. */
  getSetMembers(setId: string): Promise<string[]>;

  // --- lifecycle ---
  /** Resolves when the backend answers; throws `STORE_UNAVAILABLE` otherwise (bounded by the command timeout). */
  ping(): Promise<void>;
  /** Counts of errors reported so far, by code (for /metrics). */
  errorCounts(): Readonly<Record<string, number>>;
  /** Releases connections and timers. Later calls throw `CLOSED`. Idempotent. */
  close(): Promise<void>;
}
