import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeRequest, initializeSession, post, sessionHeaders } from './helpers/raw-mcp.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

let server: TestServer;
let mcpUrl: string;

beforeAll(async () => {
  server = await startTestServer({ MCS_TOOL_PACKS: 'default,conformance' });
  mcpUrl = `${server.origin}/mcp`;
});
afterAll(async () => {
  await server.close();
});

function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((block) => block.text ?? '').join('');
}

describe('revision 2026-07-28 (stateless, no Mcp-Session-Id) at /mcp', () => {
  it('negotiates 2026-07-28 with server/discover, lists and calls tools', async () => {
    const client = new Client(
      { name: 'modern-test', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl));
    await client.connect(transport);
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      expect(transport.sessionId).toBeUndefined();
      const tools = await client.listTools();
      expect(tools.tools.map((tool) => tool.name)).toContain('echo');
      const result = await client.callTool({ name: 'echo', arguments: { text: 'modern hello' } });
      expect(textOf(result)).toBe('modern hello');
    } finally {
      await client.close();
    }
  });
});

describe('graceful shutdown with a 2026-07-28 subscriptions/listen stream open', () => {
  it('ends the listen stream gracefully and closes', { timeout: 20_000 }, async () => {
    const own = await startTestServer({ MCS_SHUTDOWN_TIMEOUT_MS: '2000' });
    const client = new Client(
      { name: 'listen-test', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(`${own.origin}/mcp`)));
    const subscription = await client.listen({ toolsListChanged: true });
    expect(subscription.honoredFilter).toMatchObject({ toolsListChanged: true });
    await own.close();
    // The listen request's `complete` result (see graceful-shutdown.test.ts for every stream kind).
    expect(await subscription.closed).toBe('graceful');
    await client.close();
  });
});

describe('session-based Streamable HTTP at /mcp', () => {
  it('2025-11-25 with the SDK client: session id, tools, progress, DELETE ends the session', async () => {
    const client = new Client({ name: 'session-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl));
    await client.connect(transport);
    expect(client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
    const sessionId = transport.sessionId;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'session hello' } });
    expect(textOf(result)).toBe('session hello');

    const progress: number[] = [];
    await client.callTool(
      { name: 'test_tool_with_progress', arguments: {} },
      { onprogress: (update: { progress: number }) => progress.push(update.progress) },
    );
    expect(progress.length).toBeGreaterThanOrEqual(2);

    await transport.terminateSession();
    await client.close();
    const after = await post(
      mcpUrl,
      { jsonrpc: '2.0', id: 9, method: 'tools/list' },
      sessionHeaders(sessionId ?? '', '2025-11-25'),
    );
    expect(after.status).toBe(404);
    expect(after.messages[0]?.error).toMatchObject({ code: -32001 });
  });

  it.each(['2025-06-18', '2025-03-26'])(
    '%s: initialize negotiates it and tools work with the session header',
    async (version) => {
      const init = await post(mcpUrl, initializeRequest(version));
      expect(init.status).toBe(200);
      expect(init.messages.find((message) => message.id === 1)?.result).toMatchObject({ protocolVersion: version });
      const sessionId = await initializeSession(mcpUrl, version);
      const call = await post(
        mcpUrl,
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: version } } },
        sessionHeaders(sessionId, version),
      );
      expect(call.status).toBe(200);
      expect(textOf(call.messages.find((message) => message.id === 2)?.result)).toBe(version);
    },
  );

  it('delivers a notification no request waits for on the GET stream', async () => {
    const client = new Client({ name: 'get-stream-test', version: '1.0.0' });
    const updates: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (notification) => {
      updates.push(notification.params.uri);
    });
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl));
    await client.connect(transport);
    try {
      await client.subscribeResource({ uri: 'test://watched-resource' });
      // The SDK client opens the GET stream after initialization; wait for the server to hold it.
      await waitForHeldStream();
      await client.callTool({ name: 'test_watched_resource_update', arguments: {} });
      await waitUntil(() => updates.length > 0);
      expect(updates).toEqual(['test://watched-resource']);
    } finally {
      await client.close();
    }
  });
});

describe('HTTP+SSE transport of 2024-11-05 at /sse + /messages', () => {
  it('connects, lists and calls tools over the legacy SSE transport', async () => {
    const client = new Client({ name: 'sse-test', version: '1.0.0' });
    const transport = new SSEClientTransport(new URL(`${server.origin}/sse`));
    await client.connect(transport);
    try {
      const tools = await client.listTools();
      expect(tools.tools.map((tool) => tool.name)).toContain('echo');
      const result = await client.callTool({ name: 'echo', arguments: { text: 'sse hello' } });
      expect(textOf(result)).toBe('sse hello');
    } finally {
      await client.close();
    }
  });
});

describe('POST /http (one JSON-RPC request, one JSON response)', () => {
  it('answers tools/call with plain JSON, without a session or Accept header', async () => {
    const response = await fetch(`${server.origin}/http`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 'a',
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'rest' } },
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.headers.get('mcp-session-id')).toBeNull();
    const body = (await response.json()) as { id: string; result: unknown };
    expect(body.id).toBe('a');
    expect(textOf(body.result)).toBe('rest');
  });

  it('refuses a batch and a notification with -32600', async () => {
    const batch = await post(`${server.origin}/http`, [{ jsonrpc: '2.0', id: 1, method: 'tools/list' }]);
    expect(batch.status).toBe(400);
    expect(batch.messages[0]?.error).toMatchObject({ code: -32600 });
    const notification = await post(`${server.origin}/http`, { jsonrpc: '2.0', method: 'notifications/initialized' });
    expect(notification.status).toBe(400);
  });
});

async function waitUntil(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function waitForHeldStream(): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const metrics = await (await fetch(`${server.origin}/metrics`)).text();
    const streams = Number(/^mcs_streams (\d+)/m.exec(metrics)?.[1] ?? '0');
    if (streams > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the client never opened its GET stream');
}
