// Calls in flight when a fault hits (issue #16, "every in-flight call ends with a clear error within its
// deadline"), against the built server (`node dist/main.js`, separate processes) on real redis-servers:
// - kill -9 of the replica running a 2025-session tools/call: a client resuming the call's stream with
//   Last-Event-ID on the other replica gets a JSON-RPC error for it (it waited for an answer nobody
//   would write, until its own deadline); the same for a 2025-06-18 call (the SDK sends such a stream
//   no event with an id before its first message: nothing to resume from) and for a batch whose
//   request ids are too long to travel in the event id (its resumed stream was ended, not answered);
// - Redis stopped mid-call: the answer still reaches the client on the call's open stream (it was
//   written through the event log, failed, and the stream ended without an answer); a client that
//   lost that stream and resumes while Redis is still down gets an error for its call (it got a 503
//   per attempt, and the SDK client then waited for its own deadline).
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

function slowCompute(id: number | string, seconds: number) {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'slow_compute', arguments: { seconds } } };
}

/**
 * POSTs `slow_compute` calls (one, or a batch) and reads the stream up to its first event with an id;
 * returns the open reader. Before the resume point, a 2025-06-18 stream sent its first id with the
 * answer: this read ran into the client deadline.
 */
async function startSlowCall(
  origin: string,
  sessionId: string,
  id: number,
  seconds: number,
  { version = VERSION, body }: { version?: string; body?: unknown } = {},
) {
  const response = await fetch(`${origin}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: JSON_AND_SSE, ...sessionHeaders(sessionId, version) },
    body: JSON.stringify(body ?? slowCompute(id, seconds)),
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
  /** The client drops the stream (its connection is gone). */
  const drop = () => reader.cancel().catch(() => undefined);
  return { primingId: primingId as string, rest, drop };
}

function resume(origin: string, sessionId: string, lastEventId: string, version = VERSION) {
  return fetch(`${origin}/mcp`, {
    headers: { accept: 'text/event-stream', 'last-event-id': lastEventId, ...sessionHeaders(sessionId, version) },
    signal: AbortSignal.timeout(CLIENT_DEADLINE_MS),
  });
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

  it('a 2025-06-18 call (the SDK primes no stream before 2025-11-25) is resumable at once: kill -9, resumed elsewhere, answered with an error', {
    timeout: 60_000,
  }, async () => {
    const redis = await startRedis();
    const running = await startReplica(redis.url);
    const other = await startReplica(redis.url);
    const version = '2025-06-18';
    const sessionId = await initializeSession(`${running.origin}/mcp`, version);
    // Before the fix this ran into the client deadline: the stream's first id came with the answer.
    const call = await startSlowCall(running.origin, sessionId, 45, 60, { version });

    await running.kill();
    await call.rest().catch(() => undefined);
    const resumed = await resume(other.origin, sessionId, call.primingId, version);
    expect(resumed.status).toBe(200);
    const answer = parseBody('text/event-stream', await resumed.text()).find((message) => message.id === 45);
    expect(answer?.error).toMatchObject({
      code: -32603,
      message: expect.stringMatching(/replica running this request stopped/),
    });
  });

  it('a batch whose request ids are too long for the event id: kill -9, resumed elsewhere, each request answered with an error', {
    timeout: 60_000,
  }, async () => {
    const redis = await startRedis();
    const running = await startReplica(redis.url);
    const other = await startReplica(redis.url);
    const sessionId = await initializeSession(`${running.origin}/mcp`, VERSION);
    // 2 x 150 characters of JSON: past the 256 the stream id carries.
    const ids = ['first', 'second'].map((name) => `${name}-${'x'.repeat(140)}`);
    const call = await startSlowCall(running.origin, sessionId, 0, 60, {
      body: ids.map((id) => slowCompute(id, 60)),
    });

    await running.kill();
    await call.rest().catch(() => undefined);
    const resumed = await resume(other.origin, sessionId, call.primingId);
    // Before the fix the resumed stream ended with no answer for either: the ids were nowhere.
    const messages = parseBody('text/event-stream', await resumed.text());
    for (const id of ids) {
      expect(messages.find((message) => message.id === id)?.error, id).toMatchObject({
        code: -32603,
        message: expect.stringMatching(/replica running this request stopped/),
      });
    }
  });

  it('a client resuming while Redis is still down gets an error for its call within the wait, not a 503 per attempt', {
    timeout: 60_000,
  }, async () => {
    const redis = await startRedis();
    const replica = await startReplica(redis.url);
    const sessionId = await initializeSession(`${replica.origin}/mcp`, VERSION);
    const call = await startSlowCall(replica.origin, sessionId, 46, 60);
    await call.drop();
    await redis.stop();

    const resumed = await resume(replica.origin, sessionId, call.primingId);
    // Before the fix: 503 (Retry-After), and the same for every attempt while Redis was down.
    expect(resumed.status).toBe(200);
    const answer = parseBody('text/event-stream', await resumed.text()).find((message) => message.id === 46);
    expect(answer?.error).toMatchObject({
      code: -32603,
      message: expect.stringMatching(/session store is unreachable.*may or may not have taken effect/),
    });
  });
});
