import { BaseSessionStore, type RawEvent, type SetStringOptions } from './internal/base-session-store.js';
import { corrupt } from './internal/codec.js';
import { toSessionStoreError } from './internal/error-reporter.js';
import { pairsToHash, type SessionHash } from './internal/protocol-session-codec.js';
import { connectRedis, disconnectRedis, type RedisClient, withTimeout } from './internal/redis-connection.js';
import {
  ADD_TO_SET,
  APPEND_EVENT,
  CLAIM_STREAM,
  RELEASE_STREAM,
  REPLACE_SESSION,
  UPDATE_SESSION,
} from './internal/redis-scripts.js';
import { type ResolvedRedisOptions, resolveStoreOptions } from './internal/resolve-options.js';
import type { SessionStoreOptions } from './options.js';
import { SessionStoreError } from './session-store-error.js';

type Script = (key: string, ...args: Array<string | number>) => Promise<unknown>;

/** Field of each event-log stream entry that holds the message JSON (also named in APPEND_EVENT). */
const EVENT_FIELD = 'm';

/**
 * The store shared by replicas: standalone Redis by URL, or Cluster / Sentinel through `redis`.
 * Every key lives under `keyPrefix` and has a TTL (see the README's key table).
 */
export class RedisSessionStore extends BaseSessionStore {
  readonly kind = 'redis' as const;
  /** The ioredis connection, for operators' diagnostics; do not write keys under the prefix through it. */
  readonly client: RedisClient;
  private readonly redis: ResolvedRedisOptions;
  private readonly updateSession: Script;
  private readonly claimHolder: Script;
  private readonly releaseHolder: Script;
  private readonly appendToStream: Script;
  private readonly replaceSession: Script;
  private readonly addSetMember: Script;

  constructor(options: SessionStoreOptions) {
    const resolved = resolveStoreOptions(options);
    super(resolved);
    if (!resolved.redis) {
      throw new SessionStoreError(
        'INVALID_CONFIG',
        'RedisSessionStore needs redisUrl, redis.cluster or redis.sentinel.',
      );
    }
    this.redis = resolved.redis;
    this.client = connectRedis(this.redis, (error) => this.reporter.report(toSessionStoreError(error)));
    this.updateSession = this.script('mcsUpdateSession', UPDATE_SESSION);
    this.claimHolder = this.script('mcsClaimStream', CLAIM_STREAM);
    this.releaseHolder = this.script('mcsReleaseStream', RELEASE_STREAM);
    this.appendToStream = this.script('mcsAppendEvent', APPEND_EVENT);
    this.replaceSession = this.script('mcsReplaceSession', REPLACE_SESSION);
    this.addSetMember = this.script('mcsAddToSet', ADD_TO_SET);
  }

  /** EVALSHA with automatic script loading (ioredis `defineCommand`). */
  private script(name: string, lua: string): Script {
    this.client.defineCommand(name, { numberOfKeys: 1, lua });
    const command = (this.client as unknown as Record<string, Script>)[name];
    if (!command) throw new Error(`ioredis did not define ${name}`);
    return (key, ...args) => command.call(this.client, key, ...args);
  }

  protected async doReplaceHash(key: string, hash: SessionHash, ttlMs: number): Promise<void> {
    await this.replaceSession(key, ttlMs, ...Object.entries(hash).flat());
  }

  protected async doGetHash(key: string): Promise<SessionHash | undefined> {
    const hash = await this.client.hgetall(key);
    return Object.keys(hash).length === 0 ? undefined : hash;
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
    const pairs = Object.entries(set);
    const reply = await this.updateSession(
      key,
      ttlMs,
      nowMs,
      lastSeenResolutionMs,
      // '' means "any owner": an owner is never empty (ids are 1..512 characters).
      owner ?? '',
      pairs.length,
      ...pairs.flat(),
      ...del,
    );
    return reply === null ? undefined : pairsToHash(reply);
  }

  protected async doClaimHolder(
    key: string,
    holder: SessionHash,
    nowMs: number,
    ttlMs: number,
  ): Promise<{ claimed: boolean; hash: SessionHash } | undefined> {
    const { holderReplicaId = '', holderStreamId = '', holderSinceMs = '' } = holder;
    const reply = await this.claimHolder(key, ttlMs, nowMs, holderReplicaId, holderStreamId, holderSinceMs);
    if (!Array.isArray(reply)) return undefined;
    return { claimed: reply[0] === 1, hash: pairsToHash(reply[1]) };
  }

  protected async doReleaseHolder(key: string, replicaId: string): Promise<boolean> {
    return (await this.releaseHolder(key, replicaId)) === 1;
  }

  protected async doSetString(key: string, value: string, options: SetStringOptions): Promise<boolean> {
    const expiry =
      options.expiresAtMs === undefined ? ['PX', String(options.ttlMs)] : ['PXAT', String(options.expiresAtMs)];
    const reply = await this.client.call('SET', key, value, ...expiry, ...(options.onlyIfAbsent ? ['NX'] : []));
    return reply === 'OK';
  }

  protected async doGetString(key: string): Promise<string | undefined> {
    return (await this.client.get(key)) ?? undefined;
  }

  protected async doTakeString(key: string): Promise<string | undefined> {
    // GETDEL is one command, so two replicas racing for the same auth code cannot both read it.
    return (await this.client.getdel(key)) ?? undefined;
  }

  protected async doExpire(key: string, ttlMs: number): Promise<boolean> {
    return (await this.client.pexpire(key, ttlMs)) === 1;
  }

  protected async doExists(key: string): Promise<boolean> {
    return (await this.client.exists(key)) === 1;
  }

  protected async doDelete(key: string): Promise<boolean> {
    return (await this.client.del(key)) === 1;
  }

  protected async doAppendEvent(key: string, data: string, maxLength: number, ttlMs: number): Promise<string> {
    // One script rather than MULTI: a single round trip, and the stream can never be left without a TTL.
    return String(await this.appendToStream(key, maxLength, ttlMs, data));
  }

  protected async doReadEventsFrom(key: string, fromEntryId: string): Promise<RawEvent[]> {
    const entries = await this.client.xrange(key, fromEntryId, '+', 'COUNT', this.options.eventLogMaxLength + 1);
    return entries.map(([entryId, fields]) => {
      const at = fields.indexOf(EVENT_FIELD);
      const data = at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
      if (data === undefined) throw corrupt(key, `entry ${entryId} has no "${EVENT_FIELD}" field`);
      return { entryId, data };
    });
  }

  protected async doAddToSet(key: string, member: string, nowMs: number, expiresAtMs: number): Promise<void> {
    // One script: pruning, the add and the key's expiry happen together, so the key never lacks a TTL.
    await this.addSetMember(key, nowMs, expiresAtMs, member);
  }

  protected async doRemoveFromSet(key: string, member: string): Promise<void> {
    await this.client.zrem(key, member);
  }

  protected async doGetSetMembers(key: string, nowMs: number): Promise<string[]> {
    // Exclusive lower bound: a member expiring exactly now is gone, as in the in-memory store.
    return this.client.zrangebyscore(key, `(${nowMs}`, '+inf');
  }

  protected async doPing(): Promise<void> {
    await withTimeout(this.client.ping(), this.redis.commandTimeoutMs, 'PING');
  }

  protected async doClose(): Promise<void> {
    await disconnectRedis(this.client, this.redis.commandTimeoutMs);
  }
}
