import { type RedisServerHandle, startRedisServer } from '@mcs/test-utils';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { RedisMessageBus, RedisSessionStore } from '../src/index.js';
import { describeMessageBusContract } from './contract/message-bus-contract.js';
import { describeSessionStoreContract } from './contract/session-store-contract.js';

// One real redis-server for the file; every test uses its own key prefix. Each store/bus instance
// has its own connections, so two instances are two replicas.
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

describeSessionStoreContract('Redis', {
  create: async (options) => new RedisSessionStore({ ...options, redisUrl: server.url }),
  writeRawString: async (key, value) => {
    await raw.set(key, value, 'PX', 60_000);
  },
  writeRawHash: async (key, fields) => {
    await raw.multi().hset(key, fields).pexpire(key, 60_000).exec();
  },
});

describeMessageBusContract('Redis', {
  create: async (options) => new RedisMessageBus({ ...options, redisUrl: server.url }),
});
