// The gateway's view of the revocation list, over a real Redis session store (the one the
// http-mcp-server writes): cache lifetime and bound, shared lookups, failures never cached, watches.
import { createSessionStore, type SessionStore } from '@mcs/session-store';
import { getFreePort, type RedisServerHandle, startRedisServer, waitFor } from '@mcs/test-utils';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RevocationList } from '../src/interceptors/revocation-list.js';

const logger = pino({ level: 'silent' });
const inAnHour = () => Date.now() + 3_600_000;

let redis: RedisServerHandle;
let store: SessionStore;

beforeAll(async () => {
  redis = await startRedisServer();
  store = createSessionStore({ redisUrl: redis.url });
  await store.ping();
});

afterAll(async () => {
  await store?.close();
  await redis?.stop();
});

/** A list over the real store that counts the lookups reaching it. */
function countingList(options: { cacheTtlMs: number; cacheMaxEntries?: number }, over: SessionStore = store) {
  const counter = { lookups: 0 };
  const list = new RevocationList({
    store: {
      isTokenRevoked: (jti) => {
        counter.lookups += 1;
        return over.isTokenRevoked(jti);
      },
      ping: () => over.ping(),
      // The shared store outlives each list.
      close: async () => undefined,
    },
    cacheTtlMs: options.cacheTtlMs,
    cacheMaxEntries: options.cacheMaxEntries ?? 100,
    logger,
  });
  return { list, counter };
}

describe('RevocationList', () => {
  it('reuses an answer for cacheTtlMs, then sees the revocation', async () => {
    const { list, counter } = countingList({ cacheTtlMs: 300 });
    expect(await list.isTokenRevoked('jti-a')).toBe(false);
    await store.revokeToken('jti-a', inAnHour());
    // The store says revoked now; once the cached "no" has expired the list says so too.
    await waitFor(() => list.isTokenRevoked('jti-a'), { timeoutMs: 5_000, what: 'the revocation to be seen' });
    const lookupsWhenSeen = counter.lookups;
    expect(lookupsWhenSeen).toBeGreaterThanOrEqual(2);
    // A "revoked" answer is cached as well.
    expect(await list.isTokenRevoked('jti-a')).toBe(true);
    await list.close();
  });

  it('a long-lived cached answer is not looked up again; cacheTtlMs 0 asks every time', async () => {
    const cached = countingList({ cacheTtlMs: 60_000 });
    for (let i = 0; i < 5; i++) expect(await cached.list.isTokenRevoked('jti-b')).toBe(false);
    expect(cached.counter.lookups).toBe(1);
    const uncached = countingList({ cacheTtlMs: 0 });
    for (let i = 0; i < 5; i++) expect(await uncached.list.isTokenRevoked('jti-b')).toBe(false);
    expect(uncached.counter.lookups).toBe(5);
  });

  it('concurrent lookups of one jti share one store request', async () => {
    const { list, counter } = countingList({ cacheTtlMs: 0 });
    const answers = await Promise.all(Array.from({ length: 50 }, () => list.isTokenRevoked('jti-c')));
    expect(answers.every((answer) => answer === false)).toBe(true);
    expect(counter.lookups).toBe(1);
  });

  it('keeps at most cacheMaxEntries answers, dropping the oldest', async () => {
    const { list, counter } = countingList({ cacheTtlMs: 60_000, cacheMaxEntries: 3 });
    for (const jti of ['d1', 'd2', 'd3', 'd4']) await list.isTokenRevoked(jti);
    expect(counter.lookups).toBe(4);
    await list.isTokenRevoked('d4');
    await list.isTokenRevoked('d3');
    expect(counter.lookups).toBe(4);
    await list.isTokenRevoked('d1'); // dropped when d4 came in
    expect(counter.lookups).toBe(5);
  });

  it('a failing store is never cached: every lookup fails with its error', async () => {
    const unreachable = createSessionStore({
      redisUrl: `redis://127.0.0.1:${await getFreePort()}`,
      redis: { connectTimeoutMs: 200, commandTimeoutMs: 300, maxRetriesPerRequest: 0 },
    });
    try {
      const { list, counter } = countingList({ cacheTtlMs: 60_000 }, unreachable);
      await expect(list.isTokenRevoked('jti-e')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await expect(list.isTokenRevoked('jti-e')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(counter.lookups).toBe(2);
    } finally {
      await unreachable.close();
    }
  });

  it('watch calls back once when a watched token is revoked, and not after stop', async () => {
    const { list } = countingList({ cacheTtlMs: 0 });
    const seen: string[] = [];
    const stopF = list.watch('jti-f', () => seen.push('f'));
    const stopG = list.watch('jti-g', () => seen.push('g'));
    stopG();
    await store.revokeToken('jti-g', inAnHour());
    await store.revokeToken('jti-f', inAnHour());
    await waitFor(() => seen.includes('f'), { timeoutMs: 5_000, what: 'the watch to fire' });
    // jti-g was revoked first, so a round that saw jti-f would have seen it too, had it still been watched.
    expect(seen).toEqual(['f']);
    stopF();
    await list.close();
  });
});
