// `notifications/resources/updated` for every 2025-era session subscribed to a resource, not only the
// one that changed it: Streamable HTTP sessions get it on their GET stream (through the event log and
// the bus, wherever the stream is held), 2024-11-05 sessions on their /sse stream. Two instances of
// the app share one real Redis; the change is always made through the first.
import { execFileSync } from 'node:child_process';
import { createMessageBus, createSessionStore, type SessionStore } from '@mcs/session-store';
import { type RedisServerHandle, startRedisServer, waitFor } from '@mcs/test-utils';
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { subscribersSetId } from '../src/mcp/sessions/session-resource-subscriptions.js';
import { InMemoryResourceSubscriptions } from '../src/resources/resource-subscriptions.js';
import { initializeSession, parseBody, post, sessionHeaders } from './helpers/raw-mcp.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const WATCHED = 'test://watched-resource';
const PACKS = { MCS_TOOL_PACKS: 'conformance', MCS_SHUTDOWN_TIMEOUT_MS: '2000' };
const VERSION = '2025-11-25';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close().catch(() => undefined);
});

interface Deployment {
  readonly first: TestServer;
  readonly second: TestServer;
  /** The store both instances use, read directly by the test. */
  readonly store: SessionStore;
  readonly redis: RedisServerHandle;
}

/** A fresh Redis per test, so that no subscription of an earlier test is counted. */
async function deployment(env: Record<string, string> = {}): Promise<Deployment> {
  const redis = await startRedisServer();
  open.push({ close: () => redis.stop() });
  const first = await startTestServer({ ...PACKS, ...env, REDIS_URL: redis.url });
  open.push(first);
  const second = await startTestServer({ ...PACKS, ...env, REDIS_URL: redis.url });
  open.push(second);
  const store = createSessionStore({ redisUrl: redis.url });
  open.push(store);
  return { first, second, store, redis };
}

interface Session {
  readonly client: Client;
  readonly id: string;
  /** URIs of the `notifications/resources/updated` received, in order. */
  readonly updates: string[];
  /** Marker notifications received (see `markAndWait`). */
  readonly markers: { count: number };
}

/** A 2025-11-25 session of the SDK client on `origin`, its GET stream held there (awaited). */
async function session(d: Deployment, origin: string): Promise<Session> {
  const client = new Client({ name: 'resource-subscribers-test', version: '1.0.0' });
  const updates: string[] = [];
  const markers = { count: 0 };
  client.setNotificationHandler('notifications/resources/updated', (notification) => {
    updates.push(notification.params.uri);
  });
  client.setNotificationHandler('notifications/resources/list_changed', () => {
    markers.count += 1;
  });
  const transport = new StreamableHTTPClientTransport(new URL(`${origin}/mcp`));
  await client.connect(transport);
  open.push({ close: () => transport.terminateSession().finally(() => client.close()) });
  expect(client.getNegotiatedProtocolVersion()).toBe(VERSION);
  const id = transport.sessionId ?? '';
  // The GET stream is claimed in the store only once it listens on the session channel.
  await waitFor(async () => (await d.store.getProtocolSession(id))?.streamHolder !== undefined, {
    what: `the GET stream of session ${id}`,
  });
  return { client, id, updates, markers };
}

/** Calls the tool that changes the watched resource; returns its text. */
async function change(caller: Session): Promise<string> {
  const result = await caller.client.callTool({ name: 'test_watched_resource_update', arguments: {} });
  return JSON.stringify(result.content);
}

/**
 * Proves absence without sleeping: a marker published on the session's channel after the change's
 * notifications (the change's tool call returned once they were published; Redis delivers in the
 * order it processed the publishes) arrives after anything the change sent to that session.
 */
async function markAndWait(d: Deployment, target: Session): Promise<void> {
  const bus = createMessageBus({ redisUrl: d.redis.url });
  try {
    const before = target.markers.count;
    const marker = { jsonrpc: '2.0', method: 'notifications/resources/list_changed' };
    await bus.publish(`session:${target.id}`, { kind: 'message', message: marker });
    await waitFor(() => target.markers.count > before, { what: `the marker on session ${target.id}` });
  } finally {
    await bus.close();
  }
}

describe('resources/updated for every subscribed session, two instances on one Redis', () => {
  it('a change by A reaches A once and B (GET stream on the other instance), not C; not B after it unsubscribes', {
    timeout: 60_000,
  }, async () => {
    const d = await deployment();
    const a = await session(d, d.first.origin);
    const b = await session(d, d.second.origin);
    const c = await session(d, d.second.origin);
    await a.client.subscribeResource({ uri: WATCHED });
    await b.client.subscribeResource({ uri: WATCHED });

    expect(await change(a)).toContain('notified: true; other sessions notified: 1');
    await waitFor(() => a.updates.length > 0 && b.updates.length > 0, { what: 'the update on A and B' });
    await Promise.all([markAndWait(d, a), markAndWait(d, b), markAndWait(d, c)]);
    expect(a.updates).toEqual([WATCHED]);
    expect(b.updates).toEqual([WATCHED]);
    expect(c.updates).toEqual([]);

    await b.client.unsubscribeResource({ uri: WATCHED });
    expect(await change(a)).toContain('notified: true; other sessions notified: 0');
    await waitFor(() => a.updates.length === 2, { what: 'the second update on A' });
    await Promise.all([markAndWait(d, a), markAndWait(d, b), markAndWait(d, c)]);
    expect(a.updates).toEqual([WATCHED, WATCHED]);
    expect(b.updates).toEqual([WATCHED]);
    expect(c.updates).toEqual([]);
  });

  it('a session that did not subscribe changes the resource: every subscriber is told', {
    timeout: 60_000,
  }, async () => {
    const d = await deployment();
    const [a, b, c] = [
      await session(d, d.first.origin),
      await session(d, d.second.origin),
      await session(d, d.second.origin),
    ];
    await a.client.subscribeResource({ uri: WATCHED });
    await b.client.subscribeResource({ uri: WATCHED });
    expect(await change(c)).toContain('notified: false; other sessions notified: 2');
    await waitFor(() => a.updates.length > 0 && b.updates.length > 0, { what: 'the update on A and B' });
    await markAndWait(d, c);
    expect(c.updates).toEqual([]);
  });

  it('a subscribed 2024-11-05 /sse session gets it too, its stream on the other instance', {
    timeout: 60_000,
  }, async () => {
    const d = await deployment();
    const a = await session(d, d.first.origin);
    const legacy = new Client({ name: 'resource-subscribers-sse', version: '1.0.0' });
    const legacyUpdates: string[] = [];
    legacy.setNotificationHandler('notifications/resources/updated', (notification) => {
      legacyUpdates.push(notification.params.uri);
    });
    // connect() returns once the stream named its endpoint, i.e. after it listens on its channel.
    await legacy.connect(new SSEClientTransport(new URL(`${d.second.origin}/sse`)));
    open.push(legacy);
    await legacy.subscribeResource({ uri: WATCHED });

    expect(await change(a)).toContain('notified: false; other sessions notified: 1');
    await waitFor(() => legacyUpdates.length > 0, { what: 'the update on the /sse stream' });
    expect(legacyUpdates).toEqual([WATCHED]);
  });

  it('a subscriber whose GET stream was down gets the update by resuming with Last-Event-ID elsewhere', {
    timeout: 60_000,
  }, async () => {
    const d = await deployment();
    const a = await session(d, d.first.origin);
    const mcp = `${d.second.origin}/mcp`;
    const id = await initializeSession(mcp, VERSION);
    const headers = sessionHeaders(id, VERSION);
    const subscribed = await post(
      mcp,
      { jsonrpc: '2.0', id: 2, method: 'resources/subscribe', params: { uri: WATCHED } },
      headers,
    );
    expect(subscribed.messages).toEqual([{ jsonrpc: '2.0', id: 2, result: {} }]);

    // The GET stream on the second instance receives a first update; its event id is the resume point.
    const controller = new AbortController();
    const stream = await fetch(mcp, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    await waitFor(async () => (await d.store.getProtocolSession(id))?.streamHolder !== undefined, {
      what: 'the raw GET stream',
    });
    expect(await change(a)).toContain('other sessions notified: 1');
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    for (let reads = 0; reads < 100 && !/^id: .+$/m.test(buffered); reads += 1) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
    }
    const lastEventId = /^id: (.+)$/m.exec(buffered)?.[1] ?? '';
    expect(parseBody('text/event-stream', buffered)).toEqual([
      { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: WATCHED } },
    ]);
    controller.abort();
    await waitFor(async () => (await d.store.getProtocolSession(id))?.streamHolder === undefined, {
      what: 'the dropped GET stream to be released',
    });

    // Changed while the stream is down: stored in the session's GET-stream log all the same.
    expect(await change(a)).toContain('other sessions notified: 1');
    const resumeController = new AbortController();
    const resumed = await fetch(`${d.first.origin}/mcp`, {
      headers: { accept: 'text/event-stream', 'last-event-id': lastEventId, ...headers },
      signal: resumeController.signal,
    });
    expect(resumed.status).toBe(200);
    const resumedReader = (resumed.body as ReadableStream<Uint8Array>).getReader();
    let replayed = '';
    for (let reads = 0; reads < 100 && !/^id: .+$/m.test(replayed); reads += 1) {
      const { value, done } = await resumedReader.read();
      if (done) break;
      replayed += decoder.decode(value, { stream: true });
    }
    resumeController.abort();
    expect(/^id: (.+)$/m.exec(replayed)?.[1]).not.toBe(lastEventId);
    expect(parseBody('text/event-stream', replayed)).toEqual([
      { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: WATCHED } },
    ]);
  });

  it('drops subscribers whose session ended from the index when a change finds them', {
    timeout: 60_000,
  }, async () => {
    const d = await deployment();
    const a = await session(d, d.first.origin);
    const mcp = `${d.second.origin}/mcp`;
    const gone = await initializeSession(mcp, VERSION);
    await post(
      mcp,
      { jsonrpc: '2.0', id: 2, method: 'resources/subscribe', params: { uri: WATCHED } },
      sessionHeaders(gone, VERSION),
    );
    await a.client.subscribeResource({ uri: WATCHED });
    const setId = subscribersSetId(WATCHED);
    expect((await d.store.getSetMembers(setId)).sort()).toEqual([a.id, gone].sort());

    const deleted = await fetch(mcp, { method: 'DELETE', headers: sessionHeaders(gone, VERSION) });
    expect(deleted.status).toBe(200);
    expect(await change(a)).toContain('notified: true; other sessions notified: 0');
    expect(await d.store.getSetMembers(setId)).toEqual([a.id]);
  });
});

describe('the event log of a deleted session', () => {
  it("DELETE removes the GET stream's event log from Redis (it stayed for the full event-stream TTL)", {
    timeout: 60_000,
  }, async () => {
    const d = await deployment();
    const a = await session(d, d.first.origin);
    await a.client.subscribeResource({ uri: WATCHED });
    await change(a);
    await waitFor(() => a.updates.length > 0, { what: 'the update on the GET stream' });
    const logKeys = () =>
      execFileSync('redis-cli', ['-p', String(d.redis.port), '--scan', '--pattern', `*${a.id}*_GET_stream*`], {
        encoding: 'utf8',
      }).trim();
    expect(logKeys()).not.toBe('');
    const deleted = await fetch(`${d.second.origin}/mcp`, { method: 'DELETE', headers: sessionHeaders(a.id, VERSION) });
    expect(deleted.status).toBe(200);
    expect(logKeys()).toBe('');
  });
});

describe('the event log of an expired session', () => {
  it("a session that expires (no DELETE) takes its GET stream's event log with it (it stayed 1 h)", {
    timeout: 60_000,
  }, async () => {
    const d = await deployment({ MCS_SESSION_IDLE_TTL_MS: '1500', MCS_SSE_KEEPALIVE_MS: '200' });
    const a = await session(d, d.first.origin);
    await a.client.subscribeResource({ uri: WATCHED });
    await change(a);
    await waitFor(() => a.updates.length > 0, { what: 'the update on the GET stream' });
    const redisCli = (...args: string[]) =>
      execFileSync('redis-cli', ['-p', String(d.redis.port), ...args], { encoding: 'utf8' }).trim();
    const logKey = redisCli('--scan', '--pattern', `*${a.id}*_GET_stream*`);
    expect(logKey).not.toBe('');
    // The log lives no longer than an idle session (it was the 1 h event-stream default).
    expect(Number(redisCli('PTTL', logKey))).toBeLessThanOrEqual(1500);
    // The client goes away without DELETE: its GET stream ends, the session expires, the log with it.
    await a.client.close();
    await waitFor(async () => (await d.store.getProtocolSession(a.id)) === undefined, {
      what: `session ${a.id} to expire`,
      timeoutMs: 10_000,
    });
    await waitFor(() => redisCli('EXISTS', logKey) === '0', { what: 'the event log to expire', timeoutMs: 10_000 });
  });
});

describe('subscriptions of sessions that stay active longer than the idle TTL', () => {
  it('stay in the lookup by URI while the session makes requests or holds a stream, and still get the update', {
    timeout: 60_000,
  }, async () => {
    // Set entries live one idle TTL (1.5 s here); neither session subscribes again for 4 s.
    const d = await deployment({ MCS_SESSION_IDLE_TTL_MS: '1500', MCS_SSE_KEEPALIVE_MS: '200' });
    const mcp = `${d.first.origin}/mcp`;
    const requester = await initializeSession(mcp, VERSION);
    const subscribe = { jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri: WATCHED } };
    expect((await post(mcp, subscribe, sessionHeaders(requester, VERSION))).status).toBe(200);
    const holder = await session(d, d.second.origin);
    await holder.client.subscribeResource({ uri: WATCHED });

    // The requester only makes requests (it has no stream); the holder only keeps its GET stream.
    for (let round = 0; round < 16; round += 1) {
      const ping = await post(
        mcp,
        { jsonrpc: '2.0', id: 10 + round, method: 'ping' },
        sessionHeaders(requester, VERSION),
      );
      expect(ping.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect((await d.store.getSetMembers(subscribersSetId(WATCHED))).sort()).toEqual([holder.id, requester].sort());

    const changer = await session(d, d.first.origin);
    expect(await change(changer)).toContain('other sessions notified: 2');
    await waitFor(() => holder.updates.length === 1, { what: 'the update on the stream holder' });
  });
});

describe('resources/updated for every subscribed session, one instance (in-memory store and bus)', () => {
  it('a change by A reaches A and B; C gets the changes made after it subscribed', { timeout: 30_000 }, async () => {
    const server = await startTestServer(PACKS);
    open.push(server);
    const updates = { a: [] as string[], b: [] as string[], c: [] as string[] };
    const clients = new Map<keyof typeof updates, Client>();
    for (const name of ['a', 'b', 'c'] as const) {
      const client = new Client({ name: `in-memory-${name}`, version: '1.0.0' });
      client.setNotificationHandler('notifications/resources/updated', (n) => void updates[name].push(n.params.uri));
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.origin}/mcp`)));
      open.push(client);
      clients.set(name, client);
    }
    const [a, b, c] = [clients.get('a'), clients.get('b'), clients.get('c')] as [Client, Client, Client];
    // The client opens its GET stream right after initialization; wait until all three are held.
    await waitFor(async () => /^mcs_streams 3$/m.test(await (await fetch(`${server.origin}/metrics`)).text()), {
      what: 'three GET streams',
    });
    await a.subscribeResource({ uri: WATCHED });
    await b.subscribeResource({ uri: WATCHED });
    const first = await a.callTool({ name: 'test_watched_resource_update', arguments: {} });
    expect(JSON.stringify(first.content)).toContain('notified: true; other sessions notified: 1');
    await waitFor(() => updates.a.length === 1 && updates.b.length === 1, { what: 'the update on A and B' });

    await c.subscribeResource({ uri: WATCHED });
    const second = await a.callTool({ name: 'test_watched_resource_update', arguments: {} });
    expect(JSON.stringify(second.content)).toContain('notified: true; other sessions notified: 2');
    await waitFor(() => updates.a.length === 2 && updates.b.length === 2 && updates.c.length >= 1, {
      what: 'the second update on A, B and C',
    });
    expect(updates.c[0]).toBe(WATCHED);
  });
});

describe('subscription lookup by URI', () => {
  it('the in-memory store lists the sessions subscribed to a URI', async () => {
    const store = new InMemoryResourceSubscriptions();
    await store.subscribe('a', WATCHED);
    await store.subscribe('b', WATCHED);
    await store.subscribe('b', 'test://other');
    await store.subscribe('c', 'test://other');
    await store.unsubscribe('a', WATCHED);
    expect(await store.subscribers(WATCHED)).toEqual(['b']);
    expect((await store.subscribers('test://other')).sort()).toEqual(['b', 'c']);
    expect(await store.subscribers('test://nobody')).toEqual([]);
  });

  it('names the store set after the URI, hashed when too long or not printable', () => {
    expect(subscribersSetId(WATCHED)).toBe(`resourceSubscribers:uri:${WATCHED}`);
    const long = `test://${'x'.repeat(600)}`;
    expect(subscribersSetId(long)).toMatch(/^resourceSubscribers:sha256:[0-9a-f]{64}$/);
    expect(subscribersSetId(long)).not.toBe(subscribersSetId(`${long}y`));
    expect(subscribersSetId('test://a\nb')).toMatch(/^resourceSubscribers:sha256:/);
  });
});
