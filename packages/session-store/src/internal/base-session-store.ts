import type { z } from 'zod';
import type { JsonObject, JsonValue } from '../json.js';
import type {
  EventReplay,
  NewProtocolSession,
  ProtocolSession,
  ProtocolSessionPatch,
  PutRecordOptions,
  SessionStore,
  StoredEvent,
  StreamClaim,
  StreamHolder,
  TouchOptions,
} from '../session-store.js';
import {
  decodeJson,
  encodeEventMessage,
  encodeJson,
  encodeJsonObject,
  jsonObjectSchema,
  jsonValueSchema,
} from './codec.js';
import { closedError, ErrorReporter } from './error-reporter.js';
import { formatEventId, PRIMING_ENTRY_ID, parseEventId } from './event-id.js';
import { type Keyspace, keyspace } from './keys.js';
import {
  decodeSession,
  encodeHolder,
  encodeNewSession,
  encodePatch,
  type SessionHash,
} from './protocol-session-codec.js';
import type { ResolvedStoreOptions } from './resolve-options.js';
import { assertEpochMs, assertId, assertNamespace, assertTtl } from './validate.js';

export interface RawEvent {
  entryId: string;
  data: string;
}

export interface SetStringOptions {
  ttlMs?: number;
  expiresAtMs?: number;
  onlyIfAbsent?: boolean;
}

/**
 * How stale `lastSeenAtMs` may get before a touch rewrites it: 1 s, or a tenth of the idle TTL when
 * that is shorter. Nothing needs it finer, and skipping the write on most touches keeps a busy
 * session's hash (and its replication / AOF traffic) unchanged; the TTL itself slides on every touch.
 */
function lastSeenResolutionMs(idleTtlMs: number): number {
  return Math.min(1_000, Math.floor(idleTtlMs / 10));
}

/**
 * The behaviour both stores share (validation, encoding, decoding, error reporting, event ids),
 * written once. Implementations supply only the storage primitives (`do*`), which mirror Redis
 * commands so that the in-memory store behaves like Redis by construction.
 */
export abstract class BaseSessionStore implements SessionStore {
  abstract readonly kind: 'redis' | 'memory';
  protected readonly keys: Keyspace;
  protected readonly reporter: ErrorReporter;
  private closed = false;

  constructor(protected readonly options: ResolvedStoreOptions) {
    this.keys = keyspace(options.keyPrefix);
    this.reporter = new ErrorReporter(options.onError);
  }

  protected abstract doReplaceHash(key: string, hash: SessionHash, ttlMs: number): Promise<void>;
  protected abstract doGetHash(key: string): Promise<SessionHash | undefined>;
  /**
   * Sets/deletes fields, restarts the TTL, and stamps `lastSeenAtMs` when the stored one is at least
   * `lastSeenResolutionMs` old; only if the key exists and, when `owner` is given, its `owner` field
   * equals it (checked in the same atomic step; a mismatch answers `undefined` and changes nothing).
   */
  protected abstract doUpdateHash(
    key: string,
    set: SessionHash,
    del: string[],
    nowMs: number,
    ttlMs: number,
    lastSeenResolutionMs: number,
    owner: string | undefined,
  ): Promise<SessionHash | undefined>;
  /** Sets the holder fields unless another replica's id is in `holderReplicaId`; touches like update. */
  protected abstract doClaimHolder(
    key: string,
    holder: SessionHash,
    nowMs: number,
    ttlMs: number,
  ): Promise<{ claimed: boolean; hash: SessionHash } | undefined>;
  protected abstract doReleaseHolder(key: string, replicaId: string): Promise<boolean>;
  protected abstract doSetString(key: string, value: string, options: SetStringOptions): Promise<boolean>;
  protected abstract doGetString(key: string): Promise<string | undefined>;
  protected abstract doTakeString(key: string): Promise<string | undefined>;
  protected abstract doExpire(key: string, ttlMs: number): Promise<boolean>;
  protected abstract doExists(key: string): Promise<boolean>;
  protected abstract doDelete(key: string): Promise<boolean>;
  /** Appends, trims to `maxLength`, restarts the TTL; returns the entry id ("ms-seq"). */
  protected abstract doAppendEvent(key: string, data: string, maxLength: number, ttlMs: number): Promise<string>;
  /** Entries with id >= `fromEntryId`, oldest first. */
  protected abstract doReadEventsFrom(key: string, fromEntryId: string): Promise<RawEvent[]>;
  /**
   * Expiring set (sorted set, score = expiry): drops members expired at `nowMs`, sets the member's
   * expiry, makes the key expire with its latest member; atomically.
   */
  protected abstract doAddToSet(key: string, member: string, nowMs: number, expiresAtMs: number): Promise<void>;
  protected abstract doRemoveFromSet(key: string, member: string): Promise<void>;
  /** Members whose expiry is after `nowMs`. */
  protected abstract doGetSetMembers(key: string, nowMs: number): Promise<string[]>;
  protected abstract doPing(): Promise<void>;
  protected abstract doClose(): Promise<void>;

  private run<T>(operation: () => Promise<T>): Promise<T> {
    return this.reporter.run(() => {
      if (this.closed) throw closedError('session store');
      return operation();
    });
  }

  private decode(id: string, key: string, hash: SessionHash | undefined): ProtocolSession | undefined {
    return hash === undefined ? undefined : decodeSession(id, hash, key);
  }

  // --- protocol sessions ---

  createProtocolSession(session: NewProtocolSession): Promise<ProtocolSession> {
    return this.run(async () => {
      const hash = encodeNewSession(session, Date.now());
      const key = this.keys.protocolSession(session.id);
      await this.doReplaceHash(key, hash, this.options.ttls.protocolSessionIdleMs);
      return decodeSession(session.id, hash, key);
    });
  }

  getProtocolSession(id: string): Promise<ProtocolSession | undefined> {
    return this.run(async () => {
      assertId(id, 'A protocol session id');
      const key = this.keys.protocolSession(id);
      return this.decode(id, key, await this.doGetHash(key));
    });
  }

  touchProtocolSession(id: string, options: TouchOptions = {}): Promise<ProtocolSession | undefined> {
    return this.patchSession(id, {}, options.owner);
  }

  updateProtocolSession(id: string, patch: ProtocolSessionPatch): Promise<ProtocolSession | undefined> {
    return this.patchSession(id, patch, undefined);
  }

  private patchSession(
    id: string,
    patch: ProtocolSessionPatch,
    owner: string | undefined,
  ): Promise<ProtocolSession | undefined> {
    return this.run(async () => {
      assertId(id, 'A protocol session id');
      if (owner !== undefined) assertId(owner, 'A session owner');
      const now = Date.now();
      const { set, del } = encodePatch(patch, now);
      const key = this.keys.protocolSession(id);
      const ttl = this.options.ttls.protocolSessionIdleMs;
      const hash = await this.doUpdateHash(key, set, del, now, ttl, lastSeenResolutionMs(ttl), owner);
      return this.decode(id, key, hash);
    });
  }

  claimStream(sessionId: string, holder: Omit<StreamHolder, 'sinceMs'>): Promise<StreamClaim | undefined> {
    return this.run(async () => {
      assertId(sessionId, 'A protocol session id');
      const now = Date.now();
      const key = this.keys.protocolSession(sessionId);
      const ttl = this.options.ttls.protocolSessionIdleMs;
      const result = await this.doClaimHolder(key, encodeHolder(holder, now), now, ttl);
      return result && { claimed: result.claimed, session: decodeSession(sessionId, result.hash, key) };
    });
  }

  releaseStream(sessionId: string, replicaId: string): Promise<boolean> {
    return this.run(() => {
      assertId(sessionId, 'A protocol session id');
      assertId(replicaId, 'A replica id');
      return this.doReleaseHolder(this.keys.protocolSession(sessionId), replicaId);
    });
  }

  deleteProtocolSession(id: string): Promise<boolean> {
    return this.run(() => {
      assertId(id, 'A protocol session id');
      return this.doDelete(this.keys.protocolSession(id));
    });
  }

  // --- application sessions ---

  setApplicationSession(id: string, value: JsonValue, options: { ttlMs?: number } = {}): Promise<void> {
    return this.run(async () => {
      assertId(id, 'An application session id');
      const ttlMs = options.ttlMs ?? this.options.ttls.applicationSessionMs;
      assertTtl(ttlMs, 'ttlMs');
      await this.doSetString(this.keys.applicationSession(id), encodeJson(value, 'An application session'), {
        ttlMs,
      });
    });
  }

  getApplicationSession(id: string): Promise<JsonValue | undefined> {
    return this.run(async () => {
      assertId(id, 'An application session id');
      return this.getJson(this.keys.applicationSession(id), jsonValueSchema);
    });
  }

  touchApplicationSession(id: string, options: { ttlMs?: number } = {}): Promise<boolean> {
    return this.run(() => {
      assertId(id, 'An application session id');
      const ttlMs = options.ttlMs ?? this.options.ttls.applicationSessionMs;
      assertTtl(ttlMs, 'ttlMs');
      return this.doExpire(this.keys.applicationSession(id), ttlMs);
    });
  }

  deleteApplicationSession(id: string): Promise<boolean> {
    return this.run(() => {
      assertId(id, 'An application session id');
      return this.doDelete(this.keys.applicationSession(id));
    });
  }

  // --- short-lived records ---

  private recordKey(namespace: string, id: string): string {
    assertNamespace(namespace);
    assertId(id, 'A record id');
    return this.keys.record(namespace, id);
  }

  putRecord(namespace: string, id: string, value: JsonValue, options: PutRecordOptions = {}): Promise<boolean> {
    return this.run(() => {
      const key = this.recordKey(namespace, id);
      const ttlMs = options.ttlMs ?? this.options.ttls.recordMs;
      assertTtl(ttlMs, 'ttlMs');
      return this.doSetString(key, encodeJson(value, 'A record'), {
        ttlMs,
        onlyIfAbsent: options.onlyIfAbsent === true,
      });
    });
  }

  getRecord(namespace: string, id: string): Promise<JsonValue | undefined> {
    return this.run(() => this.getJson(this.recordKey(namespace, id), jsonValueSchema));
  }

  takeRecord(namespace: string, id: string): Promise<JsonValue | undefined> {
    return this.run(async () => {
      const key = this.recordKey(namespace, id);
      const raw = await this.doTakeString(key);
      return raw === undefined ? undefined : decodeJson(raw, jsonValueSchema, key);
    });
  }

  deleteRecord(namespace: string, id: string): Promise<boolean> {
    return this.run(() => this.doDelete(this.recordKey(namespace, id)));
  }

  // --- tokens ---

  putTokenMetadata(jti: string, metadata: JsonObject, expiresAtMs: number): Promise<void> {
    return this.run(async () => {
      assertId(jti, 'A token id (jti)');
      assertEpochMs(expiresAtMs, 'expiresAtMs');
      const value = encodeJsonObject(metadata, 'Token metadata');
      // An already expired token has nothing left to describe; storing it would need a TTL <= 0.
      if (expiresAtMs <= Date.now()) return;
      await this.doSetString(this.keys.token(jti), value, { expiresAtMs: Math.ceil(expiresAtMs) });
    });
  }

  getTokenMetadata(jti: string): Promise<JsonObject | undefined> {
    return this.run(() => {
      assertId(jti, 'A token id (jti)');
      return this.getJson(this.keys.token(jti), jsonObjectSchema);
    });
  }

  revokeToken(jti: string, untilEpochMs: number): Promise<void> {
    return this.run(async () => {
      assertId(jti, 'A token id (jti)');
      assertEpochMs(untilEpochMs, 'untilEpochMs');
      // A token past its expiry is rejected anyway; the revocation only has to outlive the token.
      if (untilEpochMs <= Date.now()) return;
      const value = encodeJson({ revokedAtMs: Date.now() }, 'A revocation');
      await this.doSetString(this.keys.revokedToken(jti), value, { expiresAtMs: Math.ceil(untilEpochMs) });
    });
  }

  isTokenRevoked(jti: string): Promise<boolean> {
    return this.run(() => {
      assertId(jti, 'A token id (jti)');
      return this.doExists(this.keys.revokedToken(jti));
    });
  }

  // --- event log ---

  appendEvent(streamId: string, message: JsonObject, options: { ttlMs?: number } = {}): Promise<string> {
    return this.run(async () => {
      assertId(streamId, 'A stream id');
      const ttlMs = options.ttlMs ?? this.options.ttls.eventStreamMs;
      assertTtl(ttlMs, 'ttlMs');
      const data = encodeEventMessage(message, 'An event message');
      const key = this.keys.eventStream(streamId);
      const entryId = await this.doAppendEvent(key, data, this.options.eventLogMaxLength, ttlMs);
      return formatEventId(streamId, entryId);
    });
  }

  replayEventsAfter(lastEventId: string): Promise<EventReplay> {
    return this.run(async () => {
      const { streamId, entryId } = parseEventId(lastEventId);
      const key = this.keys.eventStream(streamId);
      const raw = await this.doReadEventsFrom(key, entryId);
      const priming = entryId === PRIMING_ENTRY_ID;
      // A priming id precedes the whole stream: all of it is replayed, with a gap only if trimming may
      // have dropped its oldest events. Any other id is the first entry read, unless it is gone.
      const found = !priming && raw[0]?.entryId === entryId;
      const gap = priming ? raw.length >= this.options.eventLogMaxLength : !found;
      const events: StoredEvent[] = (found ? raw.slice(1) : raw).map((event) => ({
        eventId: formatEventId(streamId, event.entryId),
        message: decodeJson(event.data, jsonObjectSchema, key),
      }));
      return { streamId, events, gap };
    });
  }

  deleteEventStream(streamId: string): Promise<boolean> {
    return this.run(() => {
      assertId(streamId, 'A stream id');
      return this.doDelete(this.keys.eventStream(streamId));
    });
  }

  // --- expiring sets ---

  addToSet(setId: string, member: string, options: { ttlMs?: number } = {}): Promise<void> {
    return this.run(() => {
      assertId(setId, 'A set id');
      assertId(member, 'A set member');
      const ttlMs = options.ttlMs ?? this.options.ttls.protocolSessionIdleMs;
      assertTtl(ttlMs, 'ttlMs');
      const now = Date.now();
      return this.doAddToSet(this.keys.expiringSet(setId), member, now, now + ttlMs);
    });
  }

  removeFromSet(setId: string, member: string): Promise<void> {
    return this.run(() => {
      assertId(setId, 'A set id');
      assertId(member, 'A set member');
      return this.doRemoveFromSet(this.keys.expiringSet(setId), member);
    });
  }

  getSetMembers(setId: string): Promise<string[]> {
    return this.run(() => {
      assertId(setId, 'A set id');
      return this.doGetSetMembers(this.keys.expiringSet(setId), Date.now());
    });
  }

  // --- lifecycle ---

  ping(): Promise<void> {
    return this.run(() => this.doPing());
  }

  errorCounts(): Readonly<Record<string, number>> {
    return this.reporter.snapshot();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.doClose();
  }

  private async getJson<T>(key: string, schema: z.ZodType<T>): Promise<T | undefined> {
    const raw = await this.doGetString(key);
    return raw === undefined ? undefined : decodeJson(raw, schema, key);
  }
}
