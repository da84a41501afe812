import { waitFor } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { initializeSession, post, sessionHeaders } from './helpers/raw-mcp.js';
import { startTestServer } from './helpers/test-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const toolsList = { jsonrpc: '2.0', id: 3, method: 'tools/list' };

async function gauge(origin: string, name: string): Promise<number> {
  const metrics = await (await fetch(`${origin}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(metrics)?.[1] ?? 'NaN');
}

describe('session lifecycle: nothing outlives its session', () => {
  it('an idle session expires: the client gets 404 and re-initializes', { timeout: 20_000 }, async () => {
    await using server = await startTestServer({ MCS_SESSION_IDLE_TTL_MS: '300' });
    const mcpUrl = `${server.origin}/mcp`;
    const sessionId = await initializeSession(mcpUrl, '2025-11-25');
    expect((await post(mcpUrl, toolsList, sessionHeaders(sessionId, '2025-11-25'))).status).toBe(200);
    // Any request would restart the idle timer, so wait it out without asking (TTL x5).
    await sleep(1_500);
    expect((await post(mcpUrl, toolsList, sessionHeaders(sessionId, '2025-11-25'))).status).toBe(404);
    const again = await initializeSession(mcpUrl, '2025-11-25');
    expect(again).not.toBe(sessionId);
  });

  it('DELETE ends the GET stream and releases it', { timeout: 20_000 }, async () => {
    await using server = await startTestServer();
    const mcpUrl = `${server.origin}/mcp`;
    const sessionId = await initializeSession(mcpUrl, '2025-11-25');
    const stream = await fetch(mcpUrl, {
      headers: { ...sessionHeaders(sessionId, '2025-11-25'), accept: 'text/event-stream' },
    });
    expect(stream.status).toBe(200);
    expect(await gauge(server.origin, 'mcs_streams')).toBe(1);
    const second = await fetch(mcpUrl, {
      headers: { ...sessionHeaders(sessionId, '2025-11-25'), accept: 'text/event-stream' },
    });
    expect(second.status).toBe(409);
    expect((await fetch(mcpUrl, { method: 'DELETE', headers: sessionHeaders(sessionId, '2025-11-25') })).status).toBe(
      200,
    );
    await stream.text(); // ends when the server closes the stream
    await waitFor(async () => (await gauge(server.origin, 'mcs_streams')) === 0, { what: 'the stream to be released' });
  });

  it('a GET stream keeps its session alive; once it closes, the session expires', { timeout: 20_000 }, async () => {
    await using server = await startTestServer({ MCS_SESSION_IDLE_TTL_MS: '400', MCS_SSE_KEEPALIVE_MS: '100' });
    const mcpUrl = `${server.origin}/mcp`;
    const sessionId = await initializeSession(mcpUrl, '2025-11-25');
    const controller = new AbortController();
    const stream = await fetch(mcpUrl, {
      headers: { ...sessionHeaders(sessionId, '2025-11-25'), accept: 'text/event-stream' },
      signal: controller.signal,
    });
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    // Several keep-alives later (well past the idle TTL) the session still answers.
    let keepAlives = 0;
    while (keepAlives < 8) {
      const { value, done } = await reader.read();
      if (done) break;
      keepAlives += (new TextDecoder().decode(value).match(/: keep-alive/g) ?? []).length;
    }
    expect((await post(mcpUrl, toolsList, sessionHeaders(sessionId, '2025-11-25'))).status).toBe(200);
    controller.abort();
    await waitFor(async () => (await gauge(server.origin, 'mcs_streams')) === 0, {
      what: 'the aborted stream to be released',
    });
    await sleep(2_000);
    expect((await post(mcpUrl, toolsList, sessionHeaders(sessionId, '2025-11-25'))).status).toBe(404);
  });
});
