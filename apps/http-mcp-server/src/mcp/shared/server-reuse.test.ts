import { InMemoryTransport, type JSONRPCMessage, McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { createPooledServerFactory } from './server-factory.js';
import { DEFAULT_SERVER_BYTES, SERVER_CACHE_DEFAULTS, SessionServerCache } from './session-server-cache.js';

const newServer = () => new McpServer({ name: 'test', version: '1.0.0' });

/** Runs a real 2025 handshake over an in-memory transport pair, then closes the connection. */
async function serveOneClient(server: McpServer, clientName: string): Promise<void> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const answered = new Promise<JSONRPCMessage>((resolve) => {
    clientSide.onmessage = resolve;
  });
  await server.connect(serverSide);
  await clientSide.start();
  await clientSide.send({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: '2025-11-25',
      capabilities: { sampling: {} },
      clientInfo: { name: clientName, version: '1' },
    },
  });
  await answered;
  expect(server.server.getClientVersion()?.name).toBe(clientName);
  await clientSide.close();
}

describe('createPooledServerFactory', () => {
  it('hands out a closed server again, without the previous client identity', async () => {
    let built = 0;
    const factory = createPooledServerFactory(() => {
      built += 1;
      return newServer();
    });
    const first = factory();
    await serveOneClient(first, 'first-client');
    const second = factory();
    expect(second).toBe(first);
    expect(built).toBe(1);
    expect(second.server.getClientVersion()).toBeUndefined();
    expect(second.server.getClientCapabilities()).toBeUndefined();
    await serveOneClient(second, 'second-client');
  });

  it('builds a new server while the pooled one is still serving', () => {
    const factory = createPooledServerFactory(newServer);
    expect(factory()).not.toBe(factory());
  });
});

describe('SessionServerCache', () => {
  it('keeps what servers held elsewhere within the same bound leave (the session lanes)', () => {
    let lanes = 3;
    const cache = new SessionServerCache({ maxServers: 4, reserved: () => lanes });
    for (const session of ['a', 'b', 'c']) cache.put(session, 'k', newServer(), 0);
    // 4 in all, 3 of them lanes: one idle server left, the least recently used sessions' go.
    expect(cache.size).toBe(1);
    expect(cache.take('c', 'k', 0)).toBeDefined();
    lanes = 0;
    for (const session of ['a', 'b', 'c', 'd', 'e']) cache.put(session, 'k', newServer(), 0);
    expect(cache.size).toBe(4);
  });

  it('returns a server only for the same session and state, once', () => {
    const cache = new SessionServerCache();
    const server = newServer();
    cache.put('s1', 'state-a', server, 0);
    expect(cache.take('s2', 'state-a', 0)).toBeUndefined();
    expect(cache.take('s1', 'state-a', 1)).toBe(server);
    expect(cache.take('s1', 'state-a', 1)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops servers restored from another state (changed in the store) and expired ones', () => {
    const cache = new SessionServerCache({ ttlMs: 100 });
    cache.put('s1', 'level=info', newServer(), 0);
    expect(cache.take('s1', 'level=debug', 1)).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.put('s1', 'level=debug', newServer(), 0);
    expect(cache.take('s1', 'level=debug', 100)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('is bounded per session and overall, dropping the least recently used session', () => {
    const cache = new SessionServerCache({ maxPerSession: 2, maxServers: 3 });
    for (let i = 0; i < 3; i++) cache.put('s1', 'k', newServer(), 0);
    expect(cache.size).toBe(2);
    cache.put('s2', 'k', newServer(), 1);
    cache.put('s2', 'k', newServer(), 2);
    expect(cache.size).toBeLessThanOrEqual(3);
    expect(cache.take('s1', 'k', 3)).toBeUndefined();
    expect(cache.take('s2', 'k', 3)).toBeInstanceOf(McpServer);
  });

  it('is bounded by bytes too: the lower of the count and the byte bound holds, whatever the sessions', () => {
    const cache = new SessionServerCache({ maxServers: 100, maxBytes: 10 * 1024, serverBytes: 4 * 1024 });
    expect(cache.capacity).toBe(2);
    for (let i = 0; i < 50; i++) cache.put(`s${i}`, 'k', newServer(), i);
    expect(cache.size).toBe(2);
    // The most recently used sessions stay.
    expect(cache.take('s49', 'k', 50)).toBeInstanceOf(McpServer);
    expect(cache.take('s0', 'k', 50)).toBeUndefined();
    const byCount = new SessionServerCache({ maxServers: 3, maxBytes: 1024 * 1024, serverBytes: 1024 });
    expect(byCount.capacity).toBe(3);
  });

  it('keeps nothing with maxServers 0, and the defaults bound it by count and bytes', () => {
    const off = new SessionServerCache({ maxServers: 0 });
    off.put('s1', 'k', newServer(), 0);
    expect(off.size).toBe(0);
    expect(off.take('s1', 'k', 0)).toBeUndefined();
    const defaults = new SessionServerCache();
    expect(defaults.capacity).toBe(
      Math.min(SERVER_CACHE_DEFAULTS.maxServers, SERVER_CACHE_DEFAULTS.maxBytes / DEFAULT_SERVER_BYTES),
    );
    for (let i = 0; i < 2 * defaults.capacity; i++) defaults.put(`s${i}`, 'k', newServer(), 0);
    expect(defaults.size).toBe(defaults.capacity);
  });

  it('forgets a deleted session', () => {
    const cache = new SessionServerCache();
    cache.put('s1', 'k', newServer(), 0);
    cache.evict('s1');
    expect(cache.take('s1', 'k', 0)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('takes its bounds from MCS_SERVER_CACHE_* (documented defaults; negative or non-numeric refused)', () => {
    expect(loadConfig({}).serverCache).toEqual(SERVER_CACHE_DEFAULTS);
    const config = loadConfig({
      MCS_SERVER_CACHE_MAX_SERVERS: '0',
      MCS_SERVER_CACHE_MAX_BYTES: '65536',
      MCS_SERVER_CACHE_TTL_MS: '5000',
    });
    expect(config.serverCache).toEqual({ maxServers: 0, maxBytes: 65_536, ttlMs: 5_000 });
    expect(new SessionServerCache(config.serverCache).capacity).toBe(0);
    expect(() => loadConfig({ MCS_SERVER_CACHE_MAX_BYTES: '-1' })).toThrow(/MCS_SERVER_CACHE_MAX_BYTES/);
    expect(() => loadConfig({ MCS_SERVER_CACHE_MAX_SERVERS: 'many' })).toThrow(/MCS_SERVER_CACHE_MAX_SERVERS/);
  });
});
