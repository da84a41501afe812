import { BaseSessionStore, type RawEvent, type SetStringOptions } from './internal/base-session-store.js';
import { compareEntryIds } from './internal/event-id.js';
import { MemoryKeyspace } from './internal/memory-keyspace.js';
import { HOLDER_FIELDS, OWNER_FIELD, type SessionHash } from './internal/protocol-session-codec.js';
import { resolveStoreOptions } from './internal/resolve-options.js';
import type { SessionStoreOptions } from './options.js';

/**
 * The embedded store for a single replica (the default when REDIS_URL is unset). State lives in this
 * process only: it does not survive a restart and is not shared between replicas.
 */
export class MemorySessionStore extends BaseSessionStore {
  readonly kind = 'memory' as const;
  private readonly data: MemoryKeyspace;
  private readonly sweeper: NodeJS.Timeout;

  /** `keyspace` is for tests that need to plant raw values; leave it out otherwise. */
  constructor(options: SessionStoreOptions = {}, keyspace = new MemoryKeyspace()) {
    super(resolveStoreOptions(options));
    this.data = keyspace;
    this.sweeper = setInterval(() => this.data.sweep(), this.options.sweepIntervalMs);
    this.sweeper.unref();
  }

  protected async doReplaceHash(key: string, hash: SessionHash, ttlMs: number): Promise<void> {
    this.data.set(key, { type: 'hash', value: new Map(Object.entries(hash)) }, Date.now() + ttlMs);
  }

  protected async doGetHash(key: string): Promise<SessionHash | undefined> {
    const hash = this.data.getHash(key);
    return hash && Object.fromEntries(hash);
  }

  protected async doUpdateHash(
    key: string,
    set: SessionHash,
    del: string[],
    nowMs: number,
    ttlMs: number,
    lastSeenResolutionMs: number,
    owner: string | undefined,
  ): Promise<SessionHash | undefined> {
    const hash = this.data.getHash(key);
    if (!hash) return undefined;
    if (owner !== undefined && hash.get(OWNER_FIELD) !== owner) return undefined;
    for (const [field, value] of Object.entries(set)) hash.set(field, value);
    for (const field of del) hash.delete(field);
    if (!(nowMs - Number(hash.get('lastSeenAtMs')) < lastSeenResolutionMs)) hash.set('lastSeenAtMs', String(nowMs));
    this.data.expire(key, ttlMs);
    return Object.fromEntries(hash);
  }

  protected async doClaimHolder(
    key: string,
    holder: SessionHash,
    nowMs: number,
    ttlMs: number,
  ): Promise<{ claimed: boolean; hash: SessionHash } | undefined> {
    const hash = this.data.getHash(key);
    if (!hash) return undefined;
    const current = hash.get('holderReplicaId');
    const claimed = current === undefined || current === holder.holderReplicaId;
    if (claimed) {
      for (const [field, value] of Object.entries(holder)) hash.set(field, value);
      hash.set('lastSeenAtMs', String(nowMs));
      this.data.expire(key, ttlMs);
    }
    return { claimed, hash: Object.fromEntries(hash) };
  }

  protected async doReleaseHolder(key: string, replicaId: string): Promise<boolean> {
    const hash = this.data.getHash(key);
    if (hash?.get('holderReplicaId') !== replicaId) return false;
    for (const field of HOLDER_FIELDS) hash.delete(field);
    return true;
  }

  protected async doSetString(key: string, value: string, options: SetStringOptions): Promise<boolean> {
    if (options.onlyIfAbsent && this.data.exists(key)) return false;
    const expiresAtMs = options.expiresAtMs ?? Date.now() + (options.ttlMs ?? 0);
    this.data.set(key, { type: 'string', value }, expiresAtMs);
    return true;
  }

  protected async doGetString(key: string): Promise<string | undefined> {
    return this.data.getString(key);
  }

  protected async doTakeString(key: string): Promise<string | undefined> {
    const value = this.data.getString(key);
    if (value !== undefined) this.data.delete(key);
    return value;
  }

  protected async doExpire(key: string, ttlMs: number): Promise<boolean> {
    return this.data.expire(key, ttlMs);
  }

  protected async doExists(key: string): Promise<boolean> {
    return this.data.exists(key);
  }

  protected async doDelete(key: string): Promise<boolean> {
    return this.data.delete(key);
  }

  protected async doAppendEvent(key: string, data: string, maxLength: number, ttlMs: number): Promise<string> {
    let stream = this.data.getStream(key);
    if (!stream) {
      stream = { type: 'stream', entries: [], lastMs: 0, lastSeq: -1 };
      this.data.set(key, stream, Date.now() + ttlMs);
    }
    // Same id scheme as XADD "*": milliseconds, then a sequence within the millisecond, never going back.
    const now = Date.now();
    if (now > stream.lastMs) {
      stream.lastMs = now;
      stream.lastSeq = 0;
    } else {
      stream.lastSeq += 1;
    }
    const entryId = `${stream.lastMs}-${stream.lastSeq}`;
    stream.entries.push({ entryId, data });
    if (stream.entries.length > maxLength) stream.entries.splice(0, stream.entries.length - maxLength);
    this.data.expire(key, ttlMs);
    return entryId;
  }

  protected async doReadEventsFrom(key: string, fromEntryId: string): Promise<RawEvent[]> {
    const stream = this.data.getStream(key);
    if (!stream) return [];
    return stream.entries.filter((entry) => compareEntryIds(entry.entryId, fromEntryId) >= 0);
  }

  protected async doAddToSet(key: string, member: string, nowMs: number, expiresAtMs: number): Promise<void> {
    let members = this.data.getZset(key);
    if (!members) {
      members = new Map();
      this.data.set(key, { type: 'zset', value: members }, expiresAtMs);
    }
    members.set(member, expiresAtMs);
    let latest = expiresAtMs;
    for (const [each, expiry] of members) {
      if (expiry <= nowMs) members.delete(each);
      else latest = Math.max(latest, expiry);
    }
    this.data.expireAt(key, latest);
  }

  protected async doRemoveFromSet(key: string, member: string): Promise<void> {
    const members = this.data.getZset(key);
    members?.delete(member);
    // Redis deletes a sorted set with its last member.
    if (members?.size === 0) this.data.delete(key);
  }

  protected async doGetSetMembers(key: string, nowMs: number): Promise<string[]> {
    const members = this.data.getZset(key);
    return members ? [...members].filter(([, expiry]) => expiry > nowMs).map(([member]) => member) : [];
  }

  protected async doPing(): Promise<void> {}

  protected async doClose(): Promise<void> {
    clearInterval(this.sweeper);
    this.data.clear();
  }
}
