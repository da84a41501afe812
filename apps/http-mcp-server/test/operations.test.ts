import { startRedisServer, waitFor } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { initializeSession, post, sessionHeaders } from './helpers/raw-mcp.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

/** One unlabelled gauge of /metrics. */
async function gaugeValue(server: TestServer, name: string): Promise<number> {
  const metrics = await (await fetch(`${server.origin}/metrics`)).text();
  const value = new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1];
  if (value === undefined) throw new Error(`${name} is not in /metrics`);
  return Number(value);
}

describe('operations routes', () => {
  it('/healthz, /readyz and /metrics (requests by route/method/status, sessions, streams, exchanges)', async () => {
    await using server = await startTestServer();
    expect(await (await fetch(`${server.origin}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${server.origin}/readyz`)).json()).toEqual({ status: 'ready', store: 'memory' });
    const sessionId = await initializeSession(`${server.origin}/mcp`, '2025-11-25');
    await post(
      `${server.origin}/mcp`,
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      sessionHeaders(sessionId, '2025-11-25'),
    );
    const metrics = await (await fetch(`${server.origin}/metrics`)).text();
    expect(metrics).toMatch(/mcs_http_requests_total\{route="\/mcp",method="POST",status="200"\} [1-9]/);
    expect(metrics).toContain('mcs_http_request_duration_seconds_bucket');
    for (const gauge of ['mcs_sessions', 'mcs_streams', 'mcs_exchanges'])
      expect(metrics).toMatch(new RegExp(`^${gauge} \\d+`, 'm'));
  });

  it('/readyz answers 503 when Redis is gone, and 200 again when it is back', { timeout: 30_000 }, async () => {
    const redis = await startRedisServer();
    await using server = await startTestServer({ REDIS_URL: redis.url });
    expect((await fetch(`${server.origin}/readyz`)).status).toBe(200);
    const sessionId = await initializeSession(`${server.origin}/mcp`, '2025-11-25');
    const port = redis.port;
    await redis.stop();
    const down = await fetch(`${server.origin}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'unavailable', store: 'redis' });
    // A session request cannot be served without its state: 503 with a JSON-RPC error, no crash.
    const refused = await post(
      `${server.origin}/mcp`,
      { jsonrpc: '2.0', id: 4, method: 'tools/list' },
      sessionHeaders(sessionId, '2025-11-25'),
    );
    expect(refused.status).toBe(503);
    expect(refused.messages[0]?.error).toMatchObject({ code: -32603 });
    expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
    await using again = await startRedisServer({ port });
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt += 1) {
      status = (await fetch(`${server.origin}/readyz`)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe(200);
    expect(again.port).toBe(port);
  });

  it('mcs_sessions counts the sessions live on this replica: created, deleted, ended with their /sse stream', async () => {
    await using server = await startTestServer();
    const mcpUrl = `${server.origin}/mcp`;
    expect(await gaugeValue(server, 'mcs_sessions')).toBe(0);
    const first = await initializeSession(mcpUrl, '2025-11-25');
    await initializeSession(mcpUrl, '2025-06-18');
    expect(await gaugeValue(server, 'mcs_sessions')).toBe(2);
    // Requests of a session do not count it twice.
    await post(mcpUrl, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, sessionHeaders(first, '2025-11-25'));
    expect(await gaugeValue(server, 'mcs_sessions')).toBe(2);

    const deleted = await fetch(mcpUrl, { method: 'DELETE', headers: sessionHeaders(first, '2025-11-25') });
    expect(deleted.status).toBe(200);
    expect(await gaugeValue(server, 'mcs_sessions')).toBe(1);

    // A 2024-11-05 session lives as long as its stream.
    const abort = new AbortController();
    const sse = await fetch(`${server.origin}/sse`, { headers: { accept: 'text/event-stream' }, signal: abort.signal });
    const reader = sse.body?.getReader();
    expect(new TextDecoder().decode((await reader?.read())?.value)).toContain('event: endpoint');
    expect(await gaugeValue(server, 'mcs_sessions')).toBe(2);
    expect(await gaugeValue(server, 'mcs_streams')).toBe(1);
    abort.abort();
    await waitFor(async () => (await gaugeValue(server, 'mcs_sessions')) === 1, { what: 'the /sse session to end' });
    expect(await gaugeValue(server, 'mcs_streams')).toBe(0);
  });

  it('mcs_sessions drops a session once the idle TTL has passed without requests', async () => {
    await using server = await startTestServer({ MCS_SESSION_IDLE_TTL_MS: '200' });
    const mcpUrl = `${server.origin}/mcp`;
    const sessionId = await initializeSession(mcpUrl, '2025-11-25');
    await waitFor(async () => (await gaugeValue(server, 'mcs_sessions')) === 0, { what: 'the idle session to expire' });
    // The store agrees: the session is gone.
    const expired = await post(
      mcpUrl,
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      sessionHeaders(sessionId, '2025-11-25'),
    );
    expect(expired.status).toBe(404);
  });
});
