import { type RedisServerHandle, startRedisServer, waitFor } from '@mcs/test-utils';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMessageBus,
  createSessionStore,
  RedisMessageBus,
  RedisSessionStore,
  type SessionStoreError,
} from '../src/index.js';
import { expectStoreError, uniqueId, uniquePrefix } from './contract/helpers.js';

// What only the Redis implementations can show: the key layout, subscriber connections, wire-level
// corruption and a Redis that goes away.
let server: RedisServerHandle;
let raw: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  raw = new Redis(server.url);
});

afterAll(async () => {
  raw?.disconnect();
  await server?.stop();
});

async function numsub(channel: string): Promise<number> {
  const reply = (await raw.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}

describe('Redis key layout', () => {
  it('puts every value under the prefix, with the documented type and a TTL', async () => {
    const keyPrefix = uniquePrefix();
    const store = createSessionStore({ redisUrl: server.url, keyPrefix });
    expect(store.kind).toBe('redis');
    await store.createProtocolSession({ id: 'S', protocolVersion: '2025-11-25' });
    await store.setApplicationSession('U', { enc: 'x' });
    await store.putRecord('authcode', 'C', { a: 1 });
    await store.putTokenMetadata('J', { sub: 'u' }, Date.now() + 60_000);
    await store.revokeToken('J', Date.now() + 60_000);
    await store.appendEvent('E', { jsonrpc: '2.0', method: 'm' });
    const keys = (await raw.keys(`${keyPrefix}*`)).sort();
    const layout = await Promise.all(
      keys.map(async (key) => ({
        key: key.slice(keyPrefix.length),
        type: await raw.type(key),
        pttl: await raw.pttl(key),
      })),
    );
    expect(layout.map(({ key, type }) => [key, type])).toEqual([
      ['app:U', 'string'],
      ['events:E', 'stream'],
      ['rec:authcode:C', 'string'],
      ['revoked:J', 'string'],
      ['session:S', 'hash'],
      ['token:J', 'string'],
    ]);
    for (const { key, pttl } of layout) expect(pttl, `${key} must expire`).toBeGreaterThan(0);
    await store.close();
  });

  it('keeps an expiring set as a sorted set scored by expiry, expiring with its latest member', async () => {
    const keyPrefix = uniquePrefix();
    const store = createSessionStore({ redisUrl: server.url, keyPrefix });
    const key = `${keyPrefix}set:S`;
    const before = Date.now();
    await store.addToSet('S', 'short', { ttlMs: 5_000 });
    await store.addToSet('S', 'long', { ttlMs: 60_000 });
    expect(await raw.type(key)).toBe('zset');
    const scores = Object.fromEntries(
      (await raw.zrange(key, 0, -1, 'WITHSCORES')).flatMap((value, index, all) =>
        index % 2 === 0 ? [[value, Number(all[index + 1])]] : [],
      ),
    );
    expect(scores.short).toBeGreaterThanOrEqual(before + 5_000);
    expect(scores.long).toBeGreaterThanOrEqual(before + 60_000);
    // The key lives exactly as long as its latest member (PEXPIREAT to the highest score).
    expect(await raw.pexpiretime(key)).toBe(scores.long);
    await store.removeFromSet('S', 'long');
    await store.removeFromSet('S', 'short');
    expect(await raw.exists(key)).toBe(0);
    await store.close();
  });

  it('uses mcs: as the default prefix', async () => {
    const store = createSessionStore({ redisUrl: server.url });
    const id = uniqueId('default-prefix');
    await store.setApplicationSession(id, 1, { ttlMs: 10_000 });
    expect(await raw.exists(`mcs:app:${id}`)).toBe(1);
    await store.deleteApplicationSession(id);
    await store.close();
  });
});

describe('Redis connection', () => {
  it('sends commands issued together in one write (auto-pipelining: one read on the server for the batch)', async () => {
    const keyPrefix = uniquePrefix();
    const store = createSessionStore({ redisUrl: server.url, keyPrefix });
    await store.createProtocolSession({ id: 'S', protocolVersion: '2025-11-25' });
    const readsProcessed = async () => Number(/total_reads_processed:(\d+)/.exec(await raw.info('stats'))?.[1]);
    const before = await readsProcessed();
    const touched = await Promise.all(Array.from({ length: 50 }, () => store.touchProtocolSession('S')));
    const reads = (await readsProcessed()) - before;
    expect(touched.every((session) => session?.id === 'S')).toBe(true);
    // 50 touches plus this test's own INFO: one write per command would be 51 reads.
    expect(reads).toBeLessThan(10);
    await store.close();
  });
});

describe('Redis corruption and wrong types', () => {
  it('reports an event entry without its message field, and a wrong key type', async () => {
    const keyPrefix = uniquePrefix();
    const store = new RedisSessionStore({ redisUrl: server.url, keyPrefix });
    const first = await store.appendEvent('E', { n: 1 });
    await raw.xadd(`${keyPrefix}events:E`, '*', 'other', 'x');
    await expectStoreError(store.replayEventsAfter(first), 'CORRUPT_VALUE');
    await raw.set(`${keyPrefix}session:W`, 'a string, not a hash', 'PX', 60_000);
    await expectStoreError(store.getProtocolSession('W'), 'STORE_COMMAND_FAILED');
    await store.close();
  });
});

describe('Redis pub/sub', () => {
  it('releases the subscription on the server when the last handler unsubscribes, and on close', async () => {
    const keyPrefix = uniquePrefix();
    const bus = createMessageBus({ redisUrl: server.url, keyPrefix });
    expect(bus.kind).toBe('redis');
    const full = `${keyPrefix}bus:stream-1`;
    const offA = await bus.subscribe('stream-1', () => {});
    const offB = await bus.subscribe('stream-1', () => {});
    expect(await numsub(full)).toBe(1);
    await offA();
    expect(await numsub(full)).toBe(1);
    await offB();
    expect(await numsub(full)).toBe(0);
    await bus.subscribe('stream-2', () => {});
    expect(await numsub(`${keyPrefix}bus:stream-2`)).toBe(1);
    await bus.close();
    await waitFor(async () => (await numsub(`${keyPrefix}bus:stream-2`)) === 0, {
      timeoutMs: 5_000,
      what: 'the closed bus to leave the channel',
    });
  });

  it('keeps a subscription made while the subscriber connection is still in its handshake', async () => {
    // ioredis writes SUBSCRIBE as soon as the socket is up ("connect"), before its ready check; once
    // the reply puts the connection in subscriber mode, the ready check's INFO is refused, ioredis
    // reconnects, and (never having been ready) does not resubscribe: the channel was silently lost.
    const keyPrefix = uniquePrefix();
    const receiver = new RedisMessageBus({ redisUrl: server.url, keyPrefix });
    const sender = new RedisMessageBus({ redisUrl: server.url, keyPrefix });
    const received: unknown[] = [];
    const subscribed = new Promise<unknown>((resolve) => {
      receiver.subscriber.once('connect', () => {
        resolve(receiver.subscribe('early', (message) => received.push(message)).catch((error: unknown) => error));
      });
    });
    expect(typeof (await subscribed)).toBe('function');
    await waitFor(() => receiver.subscriber.status === 'ready', { timeoutMs: 5_000, what: 'the subscriber' });
    expect(await numsub(`${keyPrefix}bus:early`)).toBe(1);
    expect(await sender.publish('early', 'hello')).toBe(1);
    await waitFor(() => received.length === 1, { timeoutMs: 5_000, what: 'delivery' });
    expect(receiver.errorCounts()).toEqual({});
    await Promise.all([receiver.close(), sender.close()]);
  });

  it('keeps a release made while the subscriber connection reconnects', async () => {
    // An UNSUBSCRIBE written during the reconnect's handshake would be undone by ioredis restoring the
    // old channels at "ready"; the bus waits for "ready", so the release sticks.
    const keyPrefix = uniquePrefix();
    const receiver = new RedisMessageBus({ redisUrl: server.url, keyPrefix });
    const off = await receiver.subscribe('released', () => {});
    expect(await numsub(`${keyPrefix}bus:released`)).toBe(1);
    const released = new Promise<void>((resolve, reject) => {
      receiver.subscriber.once('connect', () => off().then(resolve, reject));
    });
    await raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await released;
    await waitFor(() => receiver.subscriber.status === 'ready', { timeoutMs: 5_000, what: 'the subscriber' });
    expect(await numsub(`${keyPrefix}bus:released`)).toBe(0);
    await receiver.close();
  });

  it('resubscribes after the subscriber connection is killed', async () => {
    const keyPrefix = uniquePrefix();
    const receiver = new RedisMessageBus({ redisUrl: server.url, keyPrefix });
    const sender = new RedisMessageBus({ redisUrl: server.url, keyPrefix });
    const received: unknown[] = [];
    await receiver.subscribe('replica-1', (message) => received.push(message));
    await raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    // Messages sent while it reconnects are lost (at most once); keep sending until one arrives.
    await waitFor(
      async () => {
        await sender.publish('replica-1', 'after-kill');
        return received.includes('after-kill');
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'delivery after the reconnect' },
    );
    expect(await numsub(`${keyPrefix}bus:replica-1`)).toBe(1);
    await Promise.all([receiver.close(), sender.close()]);
  });
});

describe('Redis going away', () => {
  it('fails fast with STORE_UNAVAILABLE instead of hanging, and counts the errors', async () => {
    const doomed = await startRedisServer();
    const errors: SessionStoreError[] = [];
    const options = {
      redisUrl: doomed.url,
      keyPrefix: uniquePrefix(),
      redis: { commandTimeoutMs: 500, connectTimeoutMs: 500 },
      onError: (error: SessionStoreError) => errors.push(error),
    };
    const store = createSessionStore(options);
    const bus = createMessageBus(options);
    await store.ping();
    await bus.ping();
    await store.createProtocolSession({ id: 'S', protocolVersion: '2025-11-25' });
    await doomed.stop();

    const started = Date.now();
    await expectStoreError(store.ping(), 'STORE_UNAVAILABLE');
    await expectStoreError(store.getProtocolSession('S'), 'STORE_UNAVAILABLE');
    await expectStoreError(store.takeRecord('authcode', 'C'), 'STORE_UNAVAILABLE');
    await expectStoreError(bus.ping(), 'STORE_UNAVAILABLE');
    await expectStoreError(bus.publish('c', 1), 'STORE_UNAVAILABLE');
    // Bounded: each call gives up within its command timeout (plus reconnect attempts), not minutes.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(store.errorCounts().STORE_UNAVAILABLE).toBeGreaterThanOrEqual(3);
    expect(errors.some((error) => error.code === 'STORE_UNAVAILABLE' && error.isRetryable)).toBe(true);
    await Promise.all([store.close(), bus.close()]);
  });
});

describe('Redis coming back', () => {
  it('serves again and resubscribes once Redis is back on the same port', async () => {
    const first = await startRedisServer();
    const options = { redisUrl: first.url, keyPrefix: uniquePrefix(), redis: { commandTimeoutMs: 500 } };
    const store = createSessionStore(options);
    const receiver = createMessageBus(options);
    const sender = createMessageBus(options);
    const received: unknown[] = [];
    await receiver.subscribe('replica-1', (message) => received.push(message));
    await first.stop();
    await expectStoreError(store.ping(), 'STORE_UNAVAILABLE');

    const second = await startRedisServer({ port: first.port });
    try {
      await waitFor(() => store.ping().then(() => true), { timeoutMs: 15_000, what: 'the store to reconnect' });
      await store.putRecord('authcode', 'after-outage', 1);
      expect(await store.takeRecord('authcode', 'after-outage')).toBe(1);
      await waitFor(
        async () => {
          await sender.publish('replica-1', 'after-outage');
          return received.includes('after-outage');
        },
        { timeoutMs: 15_000, intervalMs: 100, what: 'the bus to resubscribe' },
      );
    } finally {
      await Promise.all([store.close(), receiver.close(), sender.close()]);
      await second.stop();
    }
  });
});

describe('Redis configuration', () => {
  it('rejects bad options with INVALID_CONFIG before connecting', () => {
    const bad = [
      { redisUrl: 'http://localhost:6379' },
      { redisUrl: 'not a url' },
      { redis: { cluster: { nodes: ['a:1'] }, sentinel: { sentinels: ['b:2'], name: 'm' } } },
      { redis: { cluster: { nodes: [] } } },
      { redis: { cluster: { nodes: ['no-port'] } } },
      { redis: { commandTimeoutMs: -1 }, redisUrl: server.url },
      { ttls: { protocolSessionIdleMs: 0 } },
      { keyPrefix: 'has space' },
      { unknownOption: true },
    ];
    for (const options of bad) {
      let caught: unknown;
      try {
        createSessionStore(options as never);
      } catch (error) {
        caught = error;
      }
      expect((caught as SessionStoreError | undefined)?.code, JSON.stringify(options)).toBe('INVALID_CONFIG');
    }
    expect(() => createMessageBus({ redisUrl: 'ftp://x' })).toThrow(/redis:\/\//);
  });

  it('reads the database and credentials from the URL', async () => {
    await raw.call('ACL', 'SETUSER', 'mcs-test', 'on', '>s3cret', '~*', '&*', '+@all');
    const url = new URL(server.url);
    const store = createSessionStore({ redisUrl: `redis://mcs-test:s3cret@${url.host}/3`, keyPrefix: 'dbtest:' });
    await store.setApplicationSession('U', 'in db 3', { ttlMs: 10_000 });
    const db3 = new Redis(`${server.url}/3`);
    expect(await db3.get('dbtest:app:U')).toBe('"in db 3"');
    db3.disconnect();
    const wrong = createSessionStore({
      redisUrl: `redis://mcs-test:wrong@${url.host}`,
      redis: { commandTimeoutMs: 500 },
    });
    const error = await expectStoreError(wrong.ping(), 'STORE_UNAVAILABLE');
    expect(String((error.cause as Error | undefined)?.message ?? error.message)).toMatch(/WRONGPASS/);
    await Promise.all([store.close(), wrong.close()]);
  });
});
