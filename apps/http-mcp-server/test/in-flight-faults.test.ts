// Calls in flight when a fault hits (issue #16, "every in-flight call ends with a clear error within its
// deadline"), against the built server (`node dist/main.js`, separate processes) on real redis-servers:
// - kill -9 of the replica running a 2025-session tools/call: a client resuming the call's stream with
//   Last-Event-ID on the other replica gets a JSON-RPC error for it (it waited for an answer nobody
//   would write, until its own deadline);
// - Redis stopped mid-call: the answer still reaches the client on the call's open stream (it was
//   written through the event log, failed, and the stream ended without an answer).
import { type RedisServerHandle, startRedisServer } from '@mcs/test-utils';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initializeSession, JSON_AND_SSE, parseBody, sessionHeaders } from './helpers/raw-mcp.js';
import { buildServer, type ServerProcess, startServerProcess } from './helpers/replica-process.js';

const VERSION = '2025-11-25';
/** The test's own deadline for an answer: far beyond what the server needs, short of the test timeout. */
const CLIENT_DEADLINE_MS = 20_000;

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

beforeAll(() => buildServer(), 180_000);

async function startReplica(redisUrl: string): Promise<ServerProcess> {
  const replica = await startServerProcess({ redisUrl, env: { MCS_TOOL_PACKS: 'default,conformance' } });
  cleanups.push(replica.kill);
  return replica;
}

async function startRedis(): Promise<RedisServerHandle> {
  const redis = await startRedisServer();
  cleanups.push(() => redis.stop());
  return redis;
}

/** POSTs a `slow_compute` call and reads its stream up to the priming event; returns the open reader. */
async function startSlowCall(origin: string, sessionId: string, id: number, seconds: number) {
  const response = await fetch(`${origin}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: JSON_AND_SSE, ...sessionHeaders(sessionId, VERSION) },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: 'slow_compute', arguments: { seconds } },
    }),
    signal: AbortSignal.timeout(CLIENT_DEADLINE_MS),
  });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  while (!/^id: (.+)$/m.test(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  const primingId = /^id: (.+)$/m.exec(text)?.[1];
  expect(primingId).toBeDefined();
  /** The rest of the stream until the server ends it (or the client deadline aborts it). */
  const rest = async (): Promise<string> => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return text;
      text += new TextDecoder().decode(value);
    }
  };
  return { primingId: primingId as string, rest };
}

describe('calls in flight when a fault hits', () => {
  it('kill -9 of the replica running a call: the stream resumed on the other replica ends with an error for it', {
    timeout: 60_000,
  }, async () => {
    const redis = await startRedis();
    const running = await startReplica(redis.url);
    const other = await startReplica(redis.url);
    const sessionId = await initializeSession(`${running.origin}/mcp`, VERSION);
    const call = await startSlowCall(running.origin, sessionId, 41, 60);

    await running.kill();
    await call.rest().catch(() => undefined);

    const startedAt = Date.now();
    const resumed = await fetch(`${other.origin}/mcp`, {
      headers: { accept: 'text/event-stream', 'last-event-id': call.primingId, ...sessionHeaders(sessionId, VERSION) },
      signal: AbortSignal.timeout(CLIENT_DEADLINE_MS),
    });
    expect(resumed.status).toBe(200);
    // Before the fix this read ran into the client's deadline: the stream waited for an answer nobody writes.
    const messages = parseBody('text/event-stream', await resumed.text());
    const answer = messages.find((message) => message.id === 41);
    expect(answer?.error).toMatchObject({
      code: -32603,
      message: expect.stringMatching(/replica running this request stopped.*retry it/),
    });
    expect(Date.now() - startedAt).toBeLessThan(CLIENT_DEADLINE_MS);

    // The error is in the session's event log: resuming once more gets the same answer.
    const again = await fetch(`${other.origin}/mcp`, {
      headers: { accept: 'text/event-stream', 'last-event-id': call.primingId, ...sessionHeaders(sessionId, VERSION) },
      signal: AbortSignal.timeout(CLIENT_DEADLINE_MS),
    });
    expect(parseBody('text/event-stream', await again.text()).find((message) => message.id === 41)).toMatchObject({
      error: { code: -32603 },
    });
  });

  it('a call that is still running is followed, not answered with an error', { timeout: 60_000 }, async () => {
    const redis = await startRedis();
    const running = await startReplica(redis.url);
    const other = await startReplica(redis.url);
    const sessionId = await initializeSession(`${running.origin}/mcp`, VERSION);
    // Long enough for several status queries of the resumed stream (one a second) to find it running.
    const call = await startSlowCall(running.origin, sessionId, 42, 4);
    const resumed = await fetch(`${other.origin}/mcp`, {
      headers: { accept: 'text/event-stream', 'last-event-id': call.primingId, ...sessionHeaders(sessionId, VERSION) },
      signal: AbortSignal.timeout(CLIENT_DEADLINE_MS),
    });
    const answer = parseBody('text/event-stream', await resumed.text()).find((message) => message.id === 42);
    expect(answer).toMatchObject({ result: { content: [{ type: 'text', text: 'slow_compute: done after 4s' }] } });
  });

  it('Redis stopped mid-call: the answer still reaches the client on its open stream', {
    timeout: 60_000,
  }, async () => {
    const redis = await startRedis();
    const replica = await startReplica(redis.url);
    const sessionId = await initializeSession(`${replica.origin}/mcp`, VERSION);
    const call = await startSlowCall(replica.origin, sessionId, 43, 2);
    await redis.stop();

    // Before the fix the stream ended without an answer (its write to the event log failed).
    const messages = parseBody('text/event-stream', await call.rest());
    const answer = messages.find((message) => message.id === 43);
    expect(answer).toMatchObject({ result: { content: [{ type: 'text', text: 'slow_compute: done after 2s' }] } });
  });
});
