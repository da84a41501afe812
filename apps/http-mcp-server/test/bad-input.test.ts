import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeSession, JSON_AND_SSE, post, sessionHeaders } from './helpers/raw-mcp.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const BODY_LIMIT = 64 * 1024;
let server: TestServer;
let mcpUrl: string;
let sessionId: string;

beforeAll(async () => {
  server = await startTestServer({ MCS_BODY_LIMIT_BYTES: String(BODY_LIMIT) });
  mcpUrl = `${server.origin}/mcp`;
  sessionId = await initializeSession(mcpUrl, '2025-11-25');
});
afterAll(async () => {
  await server.close();
});

const session = () => sessionHeaders(sessionId, '2025-11-25');
const toolsList = { jsonrpc: '2.0', id: 1, method: 'tools/list' };

function errorOf(response: { messages: Array<Record<string, unknown>> }) {
  return response.messages[0]?.error as { code: number; message: string } | undefined;
}

describe('bad input gets the right error, and the server keeps serving', () => {
  it.each([
    ['/mcp', 'session'],
    ['/http', 'none'],
    ['/messages?sessionId=x', 'none'],
  ])('malformed JSON on %s -> 400 parse error (-32700)', async (path, headers) => {
    const response = await post(
      `${server.origin}${path}`,
      '{"jsonrpc": "2.0", "id": 1,',
      headers === 'session' ? session() : {},
    );
    expect(response.status).toBe(400);
    expect(errorOf(response)?.code).toBe(-32700);
  });

  it.each([
    ['an object without jsonrpc', { id: 1, method: 'tools/list' }],
    ['a number', 42],
    ['an empty batch', []],
    ['a request with an object id', { jsonrpc: '2.0', id: {}, method: 'tools/list' }],
  ])('wrong JSON-RPC shape (%s) on /mcp -> 400 invalid request', async (_name, body) => {
    const response = await post(mcpUrl, body, session());
    expect(response.status).toBe(400);
    expect(errorOf(response)?.code).toBe(-32600);
  });

  it('unknown method -> JSON-RPC error -32601 (HTTP 200), on /mcp and /http', async () => {
    const viaSession = await post(mcpUrl, { jsonrpc: '2.0', id: 5, method: 'no/such/method' }, session());
    expect(viaSession.status).toBe(200);
    expect(viaSession.messages.find((message) => message.id === 5)?.error).toMatchObject({ code: -32601 });
    const viaHttp = await post(`${server.origin}/http`, { jsonrpc: '2.0', id: 6, method: 'no/such/method' });
    expect(viaHttp.status).toBe(200);
    expect(errorOf(viaHttp)?.code).toBe(-32601);
  });

  it('oversized body -> 413 with a JSON-RPC error naming the limit', async () => {
    const big = { ...toolsList, params: { padding: 'x'.repeat(BODY_LIMIT * 2) } };
    for (const path of ['/mcp', '/http']) {
      const response = await post(`${server.origin}${path}`, big, session());
      expect(response.status).toBe(413);
      expect(errorOf(response)?.message).toContain(String(BODY_LIMIT));
    }
  });

  it('wrong content type -> 415', async () => {
    for (const path of ['/mcp', '/http']) {
      const response = await post(`${server.origin}${path}`, JSON.stringify(toolsList), {
        ...session(),
        'content-type': 'text/plain',
      });
      expect(response.status).toBe(415);
    }
  });

  it('unacceptable Accept -> 406 (POST and GET)', async () => {
    const postResponse = await post(mcpUrl, toolsList, { ...session(), accept: 'text/html' });
    expect(postResponse.status).toBe(406);
    const getResponse = await fetch(mcpUrl, { headers: { ...session(), accept: 'application/json' } });
    expect(getResponse.status).toBe(406);
  });

  it('bogus or missing session ids -> 404 / 400', async () => {
    const bogus = sessionHeaders('00000000-0000-0000-0000-000000000000', '2025-11-25');
    expect((await post(mcpUrl, toolsList, bogus)).status).toBe(404);
    expect(errorOf(await post(mcpUrl, toolsList, bogus))?.code).toBe(-32001);
    expect((await post(mcpUrl, toolsList, sessionHeaders('x'.repeat(600), '2025-11-25'))).status).toBe(404);
    expect((await post(mcpUrl, toolsList)).status).toBe(400);
    expect((await fetch(mcpUrl, { headers: { ...bogus, accept: 'text/event-stream' } })).status).toBe(404);
    expect((await fetch(mcpUrl, { method: 'DELETE', headers: bogus })).status).toBe(404);
    expect((await post(`${server.origin}/messages?sessionId=nope`, toolsList)).status).toBe(404);
  });

  it('bad Last-Event-ID -> 400', async () => {
    for (const lastEventId of ['garbage', 'Zm9vL2Jhcg.1-0', '']) {
      const response = await fetch(mcpUrl, {
        headers: { ...session(), accept: 'text/event-stream', 'last-event-id': lastEventId || 'x' },
      });
      expect(response.status).toBe(400);
      await response.body?.cancel();
    }
  });

  it('unsupported MCP-Protocol-Version -> 400', async () => {
    const response = await post(mcpUrl, toolsList, { ...session(), 'mcp-protocol-version': '1999-01-01' });
    expect(response.status).toBe(400);
  });

  it('a foreign Host or Origin -> 403 (DNS-rebinding protection)', async () => {
    const foreignOrigin = await post(mcpUrl, toolsList, { ...session(), origin: 'https://evil.example' });
    expect(foreignOrigin.status).toBe(403);
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(mcpUrl);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: '/mcp',
          method: 'POST',
          headers: { host: 'evil.example', 'content-type': 'application/json', accept: JSON_AND_SSE },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(toolsList));
    });
    expect(status).toBe(403);
  });

  it('keeps serving after all of the above', async () => {
    const response = await post(mcpUrl, { jsonrpc: '2.0', id: 99, method: 'tools/list' }, session());
    expect(response.status).toBe(200);
    expect(response.messages.find((message) => message.id === 99)?.result).toHaveProperty('tools');
    expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
  });
});
