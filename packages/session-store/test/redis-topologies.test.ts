import {
  type RedisClusterHandle,
  type RedisSentinelHandle,
  startRedisCluster,
  startRedisSentinel,
} from '@mcs/test-utils';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageBus, createSessionStore, RedisMessageBus, RedisSessionStore } from '../src/index.js';
import { describeMessageBusContract } from './contract/message-bus-contract.js';
import { describeSessionStoreContract } from './contract/session-store-contract.js';

// The same contract suites through Sentinel and through a 3-master Cluster: real processes, started
// here on free loopback ports. Every store operation touches a single key, so nothing needs hash tags.

let sentinel: RedisSentinelHandle;
let cluster: RedisClusterHandle;
let sentinelRaw: Redis;
let clusterRaw: Cluster;

const sentinelOptions = () => ({
  redis: { sentinel: { sentinels: [{ host: '127.0.0.1', port: sentinel.sentinel.port }], name: sentinel.name } },
});
const clusterOptions = () => ({
  redis: { cluster: { nodes: cluster.nodes.map((node) => `${node.host}:${node.port}`) } },
});

beforeAll(async () => {
  [sentinel, cluster] = await Promise.all([startRedisSentinel(), startRedisCluster()]);
  sentinelRaw = new Redis(sentinel.master.url);
  clusterRaw = new Cluster([...cluster.nodes]);
}, 60_000);

afterAll(async () => {
  sentinelRaw?.disconnect();
  clusterRaw?.disconnect();
  await Promise.all([sentinel?.stop(), cluster?.stop()]);
});

describeSessionStoreContract('Redis Sentinel', {
  create: async (options) => new RedisSessionStore({ ...options, ...sentinelOptions() }),
  writeRawString: async (key, value) => {
    await sentinelRaw.set(key, value, 'PX', 60_000);
  },
  writeRawHash: async (key, fields) => {
    await sentinelRaw.multi().hset(key, fields).pexpire(key, 60_000).exec();
  },
});

describeMessageBusContract('Redis Sentinel', {
  create: async (options) => new RedisMessageBus({ ...options, ...sentinelOptions() }),
});

describeSessionStoreContract('Redis Cluster', {
  create: async (options) => new RedisSessionStore({ ...options, ...clusterOptions() }),
  writeRawString: async (key, value) => {
    await clusterRaw.set(key, value, 'PX', 60_000);
  },
  writeRawHash: async (key, fields) => {
    await clusterRaw.multi().hset(key, fields).pexpire(key, 60_000).exec();
  },
});

describeMessageBusContract('Redis Cluster', {
  create: async (options) => new RedisMessageBus({ ...options, ...clusterOptions() }),
});

describe('topology selection', () => {
  it('picks Redis for Sentinel and Cluster options without a URL, and spreads keys over the cluster', async () => {
    const store = createSessionStore({ ...clusterOptions(), keyPrefix: 'spread:' });
    const bus = createMessageBus(sentinelOptions());
    expect([store.kind, bus.kind]).toEqual(['redis', 'redis']);
    for (let index = 0; index < 30; index += 1)
      await store.setApplicationSession(`u${index}`, index, { ttlMs: 30_000 });
    const perNode = await Promise.all(
      cluster.nodes.map(async (node) => {
        const client = new Redis(node.port, node.host);
        const keys = await client.keys('spread:*');
        client.disconnect();
        return keys.length;
      }),
    );
    expect(perNode.reduce((sum, count) => sum + count, 0)).toBe(30);
    expect(perNode.filter((count) => count > 0).length).toBeGreaterThan(1);
    await Promise.all([store.close(), bus.close()]);
  });
});
