import { startRedisServer, waitFor } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { initializeRequest, post, sessionHeaders } from './helpers/raw-mcp.js';
import { startTestServer } from './helpers/test-server.js';

const VERSION = '2025-11-25';
/** Far beyond the store's command timeout: an answer later than this is a hang. */
const ANSWER_WITHIN_MS = 15_000;

describe('the session store is down at initialize (real redis-server, stopped by the test)', () => {
  it('initialize is answered 503 with Retry-After and a JSON-RPC error, before any session id; then works again', async () => {
    const redis = await startRedisServer();
    await using server = await startTestServer({ REDIS_URL: redis.url });
    const mcpUrl = `${server.origin}/mcp`;
    const port = redis.port;
    await redis.stop();

    const response = await fetch(mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(initializeRequest(VERSION, 'init-1')),
      signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
    });
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(response.headers.get('mcp-session-id')).toBeNull();
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(JSON.parse(text)).toMatchObject({
      jsonrpc: '2.0',
      id: 'init-1',
      error: { code: -32603, message: expect.stringContaining('session store is unreachable') },
    });

    // The 2024-11-05 transport is refused the same way, before its stream opens.
    const sse = await fetch(`${server.origin}/sse`, {
      headers: { accept: 'text/event-stream' },
      signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
    });
    expect(sse.status).toBe(503);
    expect(Number(sse.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await sse.json()).toMatchObject({ error: { code: -32603 } });

    // Once Redis is back, a retried initialize gets a session that works.
    await using again = await startRedisServer({ port });
    expect(again.port).toBe(port);
    await waitFor(async () => (await fetch(`${server.origin}/readyz`)).status === 200, {
      what: 'the store to answer again',
      timeoutMs: 15_000,
    });
    const retried = await post(mcpUrl, initializeRequest(VERSION, 'init-2'));
    expect(retried.status).toBe(200);
    expect(retried.messages[0]).toMatchObject({ id: 'init-2', result: { protocolVersion: VERSION } });
    const sessionId = retried.headers.get('mcp-session-id') as string;
    expect(sessionId).toBeTruthy();
    const listed = await post(
      mcpUrl,
      { jsonrpc: '2.0', id: 3, method: 'tools/list' },
      sessionHeaders(sessionId, VERSION),
    );
    expect(listed.status).toBe(200);
    expect(listed.messages[0]).toMatchObject({ id: 3, result: { tools: expect.any(Array) } });
  });
});
