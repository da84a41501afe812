// 2026-07-28 clients hold no session: they learn of changes on `subscriptions/listen` streams. These
// tests open such streams with the SDK 2.x client against the real app and check that a change made
// by the conformance tool `test_watched_resource_update` reaches them, on one instance and across
// two instances sharing one real Redis.
import { createMessageBus } from '@mcs/session-store';
import { type RedisServerHandle, startRedisServer, waitFor } from '@mcs/test-utils';
import {
  Client,
  type McpSubscription,
  StreamableHTTPClientTransport,
  SUBSCRIPTION_ID_META_KEY,
  type SubscriptionFilter,
} from '@modelcontextprotocol/client';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BusServerEventBus } from '../src/mcp/stateless/bus-server-event-bus.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const WATCHED = 'test://watched-resource';
const OTHER = 'test://static-text';
const PACKS = { MCS_TOOL_PACKS: 'conformance', MCS_SHUTDOWN_TIMEOUT_MS: '2000' };

interface Update {
  uri: string;
  subscriptionId: unknown;
}

interface Listener {
  readonly subscription: McpSubscription;
  /** `notifications/resources/updated` received, in order. */
  readonly updates: Update[];
  /** `notifications/tools/list_changed` received. */
  readonly toolListChanges: { count: number };
  close(): Promise<void>;
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

function modernClient(): Client {
  return new Client(
    { name: 'listen-events-test', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
}

/** A 2026-07-28 client with one listen stream open (resolved once the server acknowledged it). */
async function listen(origin: string, filter: SubscriptionFilter): Promise<Listener> {
  const client = modernClient();
  const updates: Update[] = [];
  const toolListChanges = { count: 0 };
  client.setNotificationHandler('notifications/resources/updated', (notification) => {
    updates.push({
      uri: notification.params.uri,
      subscriptionId: notification.params._meta?.[SUBSCRIPTION_ID_META_KEY],
    });
  });
  client.setNotificationHandler('notifications/tools/list_changed', () => {
    toolListChanges.count += 1;
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${origin}/mcp`)));
  const subscription = await client.listen(filter);
  const listener = { subscription, updates, toolListChanges, close: () => client.close() };
  open.push(listener);
  return listener;
}

/** Calls the tool that changes the watched resource as a 2026-07-28 client; returns the tool's text. */
async function changeWatchedResource(origin: string): Promise<string> {
  const client = modernClient();
  await client.connect(new StreamableHTTPClientTransport(new URL(`${origin}/mcp`)));
  try {
    const result = await client.callTool({ name: 'test_watched_resource_update', arguments: {} });
    return JSON.stringify(result.content);
  } finally {
    await client.close();
  }
}

async function heldStreams(origin: string): Promise<number> {
  const metrics = await (await fetch(`${origin}/metrics`)).text();
  return Number(/^mcs_streams (\d+)/m.exec(metrics)?.[1] ?? 'NaN');
}

describe('subscriptions/listen on one instance (in-memory store and bus)', () => {
  it('a stream subscribed to the URI gets the update; a stream subscribed to another URI gets nothing', {
    timeout: 30_000,
  }, async () => {
    const server = await startTestServer(PACKS);
    open.push(server);
    const subscribed = await listen(server.origin, { resourceSubscriptions: [WATCHED] });
    const unsubscribed = await listen(server.origin, { resourceSubscriptions: [OTHER] });
    expect(subscribed.subscription.honoredFilter).toEqual({ resourceSubscriptions: [WATCHED] });
    expect(unsubscribed.subscription.honoredFilter).toEqual({ resourceSubscriptions: [OTHER] });

    expect(await changeWatchedResource(server.origin)).toContain('version 1');
    await waitFor(() => subscribed.updates.length > 0, { what: 'the update on the subscribed stream' });
    expect(subscribed.updates).toEqual([{ uri: WATCHED, subscriptionId: expect.any(String) }]);

    // The graceful close comes after every frame written before it on the same stream: once the
    // stream has ended, anything the change wrote to it would have been delivered.
    await server.close();
    expect(['graceful', 'remote']).toContain(await unsubscribed.subscription.closed);
    expect(unsubscribed.updates).toEqual([]);
    expect(subscribed.updates).toHaveLength(1);
  });

  it('one change reaches both eras: the subscribed 2025 session and the 2026-07-28 listen stream', async () => {
    const server = await startTestServer(PACKS);
    open.push(server);
    const subscribed = await listen(server.origin, { resourceSubscriptions: [WATCHED] });
    const session = new Client({ name: 'listen-events-session', version: '1.0.0' });
    const sessionUpdates: string[] = [];
    session.setNotificationHandler('notifications/resources/updated', (notification) => {
      sessionUpdates.push(notification.params.uri);
    });
    await session.connect(new StreamableHTTPClientTransport(new URL(`${server.origin}/mcp`)));
    open.push(session);
    expect(session.getNegotiatedProtocolVersion()).toBe('2025-11-25');
    await session.subscribeResource({ uri: WATCHED });

    const result = await session.callTool({ name: 'test_watched_resource_update', arguments: {} });
    expect(JSON.stringify(result.content)).toContain('notified: true');
    await waitFor(() => sessionUpdates.length > 0 && subscribed.updates.length > 0, { what: 'both notifications' });
    expect(sessionUpdates).toEqual([WATCHED]);
    expect(subscribed.updates.map((update) => update.uri)).toEqual([WATCHED]);
  });

  it('closing a listen stream releases its event-bus listener (mcs_streams goes back)', async () => {
    const server = await startTestServer(PACKS);
    open.push(server);
    expect(await heldStreams(server.origin)).toBe(0);
    const listener = await listen(server.origin, { resourceSubscriptions: [WATCHED] });
    expect(await heldStreams(server.origin)).toBe(1);
    await listener.subscription.close();
    expect(await listener.subscription.closed).toBe('local');
    await waitFor(async () => (await heldStreams(server.origin)) === 0, { what: 'the listener to be released' });
    // Released, not just hidden: a later change is published to nobody and the server keeps serving.
    expect(await changeWatchedResource(server.origin)).toContain('version 1');
    expect(listener.updates).toEqual([]);
  });
});

describe('subscriptions/listen across two instances sharing one Redis', () => {
  let redis: RedisServerHandle;
  let first: TestServer;
  let second: TestServer;

  beforeAll(async () => {
    redis = await startRedisServer();
    first = await startTestServer({ ...PACKS, REDIS_URL: redis.url });
    second = await startTestServer({ ...PACKS, REDIS_URL: redis.url });
  }, 30_000);
  afterAll(async () => {
    await Promise.allSettled([first?.close(), second?.close()]);
    await redis?.stop();
  });

  it('a change made on the second instance reaches the listen stream held by the first', async () => {
    const subscribed = await listen(first.origin, { resourceSubscriptions: [WATCHED] });
    const unsubscribed = await listen(first.origin, { resourceSubscriptions: [OTHER], toolsListChanged: true });
    expect(unsubscribed.subscription.honoredFilter).toEqual({ resourceSubscriptions: [OTHER], toolsListChanged: true });

    expect(await changeWatchedResource(second.origin)).toContain('version 1');
    await waitFor(() => subscribed.updates.length > 0, { what: 'the update relayed through Redis' });
    expect(subscribed.updates).toEqual([{ uri: WATCHED, subscriptionId: expect.any(String) }]);

    // A later event on the same Redis channel, published as a third replica would: the unsubscribed
    // stream receives it after the resource update was dispatched, and never saw that update.
    const peerBus = createMessageBus({ redisUrl: redis.url });
    try {
      new BusServerEventBus(peerBus, pino({ level: 'silent' })).publish({ kind: 'tools_list_changed' });
      await waitFor(() => unsubscribed.toolListChanges.count > 0, { what: 'the later tools/list_changed event' });
    } finally {
      await peerBus.close();
    }
    expect(unsubscribed.updates).toEqual([]);
    expect(subscribed.toolListChanges.count).toBe(0);
  });

  it('closing the stream releases the listener on the instance that held it', async () => {
    // The streams of the test before are closed by then, and released as their sockets close.
    await waitFor(async () => (await heldStreams(first.origin)) === 0, { what: 'earlier streams to be released' });
    const listener = await listen(first.origin, { resourceSubscriptions: [WATCHED] });
    expect(await heldStreams(first.origin)).toBe(1);
    await listener.subscription.close();
    await waitFor(async () => (await heldStreams(first.origin)) === 0, { what: 'the listener to be released' });
    expect(await heldStreams(second.origin)).toBe(0);
  });
});
