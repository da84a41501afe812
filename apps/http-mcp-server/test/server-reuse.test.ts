import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';

// Servers are reused between requests of a session (and of /http): what one request changed must be
// what the next one sees, and what the store holds must win. Several calls per level, so that later
// calls are served by reused servers.
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ MCS_TOOL_PACKS: 'default,conformance' });
});
afterAll(async () => {
  await server.close();
});

async function logLevelsFollowSetLevel(client: Client, received: string[]): Promise<void> {
  const call = () => client.callTool({ name: 'test_tool_with_logging', arguments: {} });
  await client.setLoggingLevel('debug');
  await call();
  await call();
  expect(received).toHaveLength(6);
  await client.setLoggingLevel('warning');
  await call();
  await call();
  expect(received).toHaveLength(6);
  await client.setLoggingLevel('info');
  await call();
  expect(received).toHaveLength(9);
}

function loggingClient(received: string[]): Client {
  const client = new Client({ name: 'reuse-test', version: '1.0.0' });
  client.setNotificationHandler('notifications/message', (notification) => {
    received.push(String(notification.params.data));
  });
  return client;
}

describe('server reuse keeps each session state', () => {
  it('Streamable HTTP session: logging/setLevel holds for every later request', async () => {
    const received: string[] = [];
    const client = loggingClient(received);
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.origin}/mcp`)));
    try {
      await logLevelsFollowSetLevel(client, received);
    } finally {
      await client.close();
    }
  });

  it('2024-11-05 HTTP+SSE session: logging/setLevel holds for every later request', async () => {
    const received: string[] = [];
    const client = loggingClient(received);
    await client.connect(new SSEClientTransport(new URL(`${server.origin}/sse`)));
    try {
      await logLevelsFollowSetLevel(client, received);
    } finally {
      await client.close();
    }
  });

  it('two sessions keep their own client identity on reused servers', async () => {
    const whoami = async (name: string) => {
      const client = new Client({ name, version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.origin}/mcp`)));
      try {
        const texts: string[] = [];
        for (let i = 0; i < 3; i++) {
          const result = await client.callTool({ name: 'whoami', arguments: {} });
          texts.push(JSON.stringify(result.structuredContent));
        }
        return texts;
      } finally {
        await client.close();
      }
    };
    for (const text of await whoami('client-one')) expect(text).toContain('client-one');
    for (const text of await whoami('client-two')) {
      expect(text).toContain('client-two');
      expect(text).not.toContain('client-one');
    }
  });

  it('/http: a setLevel request does not change what later /http requests are served with', async () => {
    const post = async (body: object) =>
      (await (
        await fetch(`${server.origin}/http`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json()) as { result?: { structuredContent?: unknown } };
    const whoami = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } };
    const before = JSON.stringify((await post(whoami)).result?.structuredContent);
    expect(before).toContain('"http"');
    expect(await post({ jsonrpc: '2.0', id: 2, method: 'logging/setLevel', params: { level: 'debug' } })).toMatchObject(
      {
        result: {},
      },
    );
    for (let i = 0; i < 3; i++) expect(JSON.stringify((await post(whoami)).result?.structuredContent)).toBe(before);
  });
});
