import { describe, expect, it } from 'vitest';
import { createMessageBus, createSessionStore } from '../src/index.js';
import { MemoryKeyspace } from '../src/internal/memory-keyspace.js';
import { type MemoryBusHub, MemoryMessageBus } from '../src/memory-message-bus.js';
import { MemorySessionStore } from '../src/memory-session-store.js';
import { describeMessageBusContract } from './contract/message-bus-contract.js';
import { describeSessionStoreContract } from './contract/session-store-contract.js';

// All instances share one keyspace / hub: the in-memory analogue of replicas sharing one Redis.
const keyspace = new MemoryKeyspace();
describeSessionStoreContract('in-memory', {
  create: async (options) => new MemorySessionStore(options, keyspace),
  writeRawString: async (key, value) => keyspace.set(key, { type: 'string', value }, Date.now() + 60_000),
  writeRawHash: async (key, fields) =>
    keyspace.set(key, { type: 'hash', value: new Map(Object.entries(fields)) }, Date.now() + 60_000),
});

const hub: MemoryBusHub = new Map();
describeMessageBusContract('in-memory', { create: async (options) => new MemoryMessageBus(options, hub) });

describe('in-memory defaults', () => {
  it('is what createSessionStore/createMessageBus return without REDIS_URL', async () => {
    const store = createSessionStore({ redisUrl: process.env.MCS_TEST_UNSET_VARIABLE });
    const bus = createMessageBus({});
    const empty = createSessionStore({ redisUrl: '' }); // REDIS_URL= (set but empty) means unset too
    expect([store.kind, bus.kind, empty.kind]).toEqual(['memory', 'memory', 'memory']);
    await Promise.all([store.close(), bus.close(), empty.close()]);
  });

  it('sweeps expired entries so idle sessions do not pile up', async () => {
    const space = new MemoryKeyspace();
    const store = new MemorySessionStore({ ttls: { protocolSessionIdleMs: 20 }, sweepIntervalMs: 30 }, space);
    for (let index = 0; index < 50; index += 1) {
      await store.createProtocolSession({ id: `s${index}`, protocolVersion: '2025-11-25' });
    }
    expect(space.size).toBe(50);
    const deadline = Date.now() + 5_000;
    while (space.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(space.size).toBe(0);
    await store.close();
  });
});
