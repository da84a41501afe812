// A call still running when the shutdown drain runs out must get an answer a client knows what to do
// with: 503, `Retry-After` and a JSON-RPC error for its id (not the SDK's bare 499 with no body for
// 2026-07-28, not a reset connection for `/http`), and on a 2025 session's stream the same error.
// Runs the built server (`node dist/main.js`) and stops it with a real SIGTERM.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { initializeSession, JSON_AND_SSE, parseBody, sessionHeaders } from './helpers/raw-mcp.js';
import { buildServer, startServerProcess } from './helpers/replica-process.js';

const MODERN = '2026-07-28';
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'cutoff-test', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** An upstream for the `service` tool that never answers: every call through it stays in flight. */
async function startSilentUpstream() {
  const held: ServerResponse[] = [];
  const server = createServer((_request, response) => void held.push(response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    holding: () => held.length,
    [Symbol.asyncDispose]: close,
  };
}

function serviceCall(id: string, meta?: Record<string, unknown>) {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'service', arguments: { path: '/never' }, ...(meta ? { _meta: meta } : {}) },
  });
}

describe('calls cut off by the shutdown timeout', () => {
  it('get 503 + Retry-After + a JSON-RPC error for their id (2026-07-28, /http), the error on the stream (2025 session)', {
    timeout: 120_000,
  }, async () => {
    await buildServer();
    await using upstream = await startSilentUpstream();
    await using server = await startServerProcess({
      readyPath: '/healthz',
      env: {
        MCS_SERVICE_BASE_URL: upstream.url,
        // 2026-07-28 requests are cut off at half of it, the others at three quarters; exit at the end.
        MCS_SHUTDOWN_TIMEOUT_MS: '2000',
        MCS_SSE_RETRY_MS: '2500',
      },
    });
    const mcpUrl = `${server.origin}/mcp`;
    const sessionId = await initializeSession(mcpUrl, '2025-11-25');
    const json = { 'content-type': 'application/json', accept: JSON_AND_SSE };
    const modernCall = fetch(mcpUrl, {
      method: 'POST',
      headers: { ...json, 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'service' },
      body: serviceCall('call-7', ENVELOPE),
    });
    const sessionCall = fetch(mcpUrl, {
      method: 'POST',
      headers: { ...json, ...sessionHeaders(sessionId, '2025-11-25') },
      body: serviceCall('call-8'),
    });
    const httpCall = fetch(`${server.origin}/http`, { method: 'POST', headers: json, body: serviceCall('call-9') });
    await waitFor(() => upstream.holding() === 3, { what: 'the three calls at the upstream' });
    server.child.kill('SIGTERM');

    for (const [call, id] of [
      [modernCall, 'call-7'],
      [httpCall, 'call-9'],
    ] as const) {
      const response = await call;
      expect(response.status, id).toBe(503);
      // MCS_SSE_RETRY_MS, the server's one retry hint, in whole seconds.
      expect(response.headers.get('retry-after'), id).toBe('3');
      expect(response.headers.get('content-type'), id).toContain('application/json');
      const body = (await response.json()) as { id: unknown; error?: { code: unknown; message: unknown } };
      expect(body.id).toBe(id);
      expect(body.error?.code, id).toBe(-32603);
      expect(String(body.error?.message), id).toMatch(/shutting down.*retry/i);
    }
    // The 2025 answer is an event stream whose headers left long ago: the error comes on it.
    const streamed = await sessionCall;
    expect(streamed.status).toBe(200);
    const answer = parseBody(streamed.headers.get('content-type'), await streamed.text()).find(
      (message) => message.id === 'call-8',
    );
    expect(answer?.error).toMatchObject({ code: -32603, message: expect.stringMatching(/shutting down.*retry/i) });
    const [code] = await server.exited;
    expect(code, server.output.join('')).toBe(0);
  });
});
