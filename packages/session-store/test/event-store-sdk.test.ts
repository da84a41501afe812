import { randomUUID } from 'node:crypto';
import { type RedisServerHandle, startRedisServer } from '@mcs/test-utils';
import { type EventStore, Server, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventStore, createSessionStore, parseEventId, type SessionStore } from '../src/index.js';

// The adapter driven by the real MCP SDK Streamable HTTP transport: a client's GET stream drops, the
// server keeps notifying, and a GET with Last-Event-ID gets the missed messages replayed from Redis.

interface SseEvent {
  id: string | undefined;
  data: string;
}

/** Reads SSE events from a fetch-style body until `count` arrived (bounded by `timeoutMs`). */
async function readEvents(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  count: number,
  timeoutMs = 5_000,
): Promise<SseEvent[]> {
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  while (events.length < count) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`got ${events.length} of ${count} SSE events in ${timeoutMs} ms`);
    let timer: NodeJS.Timeout | undefined;
    const chunk = await Promise.race([
      reader.read(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('SSE read timed out')), remaining);
      }),
    ]).finally(() => clearTimeout(timer));
    if (chunk.done) break;
    buffer += decoder.decode(chunk.value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const lines = block.split('\n');
      const id = lines.find((line) => line.startsWith('id: '))?.slice(4);
      const data = lines
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
        .join('\n');
      if (id !== undefined || data) events.push({ id, data });
      end = buffer.indexOf('\n\n');
    }
  }
  return events;
}

let redis: RedisServerHandle;
const stores: SessionStore[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await redis?.stop();
});

/** A real SDK transport + server over `store` for one session, initialized, with request helpers. */
async function startSession(store: SessionStore) {
  const sessionId = randomUUID();
  // Assigning to the SDK's own type is the compile-time proof that the adapter fits.
  const eventStore: EventStore = createEventStore(store, { scope: sessionId });
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => sessionId, eventStore });
  const server = new Server(
    { name: 'event-store-test', version: '1.0.0' },
    { capabilities: { tools: { listChanged: true } } },
  );
  await server.connect(transport);

  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2025-11-25',
  };
  const post = (body: unknown, extra: Record<string, string> = {}) =>
    transport.handleRequest(
      new Request('http://127.0.0.1/mcp', {
        method: 'POST',
        headers: { ...headers, ...extra },
        body: JSON.stringify(body),
      }),
    );
  const initialize = await post({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'test', version: '1' } },
  });
  expect(initialize.status).toBe(200);
  await initialize.text();
  const session = { 'mcp-session-id': sessionId };
  expect((await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session)).status).toBe(202);

  const get = (extra: Record<string, string> = {}) =>
    transport.handleRequest(
      new Request('http://127.0.0.1/mcp', {
        method: 'GET',
        headers: { accept: 'text/event-stream', 'mcp-protocol-version': '2025-11-25', ...session, ...extra },
      }),
    );
  return { sessionId, server, post: (body: unknown) => post(body, session), get };
}

function readerOf(response: Response): ReadableStreamDefaultReader<Uint8Array> {
  const reader = response.body?.getReader();
  if (!reader) throw new Error('the SSE response has no body');
  return reader;
}

describe('createEventStore with the MCP SDK transport', () => {
  it('replays notifications missed while the GET stream was down, from any replica', async () => {
    const replicaA = createSessionStore({ redisUrl: redis.url });
    const replicaB = createSessionStore({ redisUrl: redis.url });
    stores.push(replicaA, replicaB);
    const { sessionId, server, get } = await startSession(replicaA);

    const stream = await get();
    expect(stream.status).toBe(200);
    const reader = readerOf(stream);
    await server.sendToolListChanged();
    const [first] = (await readEvents(reader, 1)).filter((event) => event.data);
    expect(JSON.parse(first?.data ?? '')).toMatchObject({ method: 'notifications/tools/list_changed' });
    expect(parseEventId(first?.id)).toMatchObject({ streamId: `${sessionId}/_GET_stream` });
    await reader.cancel();

    // Sent while the client is away: stored, not delivered.
    await server.sendToolListChanged();
    await server.sendToolListChanged();

    // Another replica can resolve and replay the id alone.
    const onB = createEventStore(replicaB, { scope: sessionId });
    expect(await onB.getStreamIdForEventId(first?.id ?? '')).toBe('_GET_stream');
    const replayedOnB: string[] = [];
    await onB.replayEventsAfter(first?.id ?? '', { send: async (id) => void replayedOnB.push(id) });
    expect(replayedOnB).toHaveLength(2);

    const resumed = await get({ 'last-event-id': first?.id ?? '' });
    expect(resumed.status).toBe(200);
    const resumedReader = readerOf(resumed);
    const replayed = await readEvents(resumedReader, 2);
    expect(replayed.map((event) => event.id)).toEqual(replayedOnB);
    for (const event of replayed) {
      expect(JSON.parse(event.data)).toMatchObject({ method: 'notifications/tools/list_changed' });
    }
    await resumedReader.cancel();

    const bogus = await get({ 'last-event-id': 'not-an-event-id' });
    expect(bogus.status).toBe(400);
    await bogus.text();
    await server.close();
  });

  it("resuming from a POST stream's priming event id replays that whole stream (priming is not stored)", async () => {
    const store = createSessionStore({ redisUrl: redis.url });
    stores.push(store);
    const { sessionId, server, post, get } = await startSession(store);

    const response = await post({ jsonrpc: '2.0', id: 2, method: 'ping' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const [priming, answer] = await readEvents(readerOf(response), 2);
    expect(priming?.data).toBe('');
    expect(JSON.parse(answer?.data ?? '')).toEqual({ jsonrpc: '2.0', id: 2, result: {} });
    const { streamId, entryId } = parseEventId(priming?.id);
    expect(entryId).toBe('0-0');
    // Only the response is in the log: the priming id cost no write.
    const stored = await store.replayEventsAfter(priming?.id ?? '');
    expect(stored).toEqual({
      streamId,
      events: [{ eventId: answer?.id, message: JSON.parse(answer?.data ?? '') }],
      gap: false,
    });

    // A client that lost the response right after the priming event gets it again.
    const resumed = await get({ 'last-event-id': priming?.id ?? '' });
    expect(resumed.status).toBe(200);
    const replayed = await readEvents(readerOf(resumed), 1);
    expect(replayed).toEqual([{ id: answer?.id, data: answer?.data }]);
    expect(parseEventId(answer?.id).streamId).toBe(streamId);
    expect(streamId.startsWith(`${sessionId}/`)).toBe(true);
    await server.close();
  });
});
