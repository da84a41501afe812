import { startRedisServer } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { initializeSession, post, sessionHeaders } from './helpers/raw-mcp.js';
import { startTestServer } from './helpers/test-server.js';

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
});
