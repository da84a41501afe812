// `MCS_SERVICE_CONFIRM`: the default pack's `service` tool asks the user before it calls its upstream,
// through an input-required result (2026-07-28) or the SDK's own elicitation request (2025 sessions).
// A real node:http upstream counts what reaches it; two app instances on one Redis share
// MCS_SECRET_KEYS, so the confirming retry may land on the other one.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSecretBoxKey } from '@mcs/auth';
import { type RedisServerHandle, startRedisServer } from '@mcs/test-utils';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { post } from './helpers/raw-mcp.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const MODERN = '2026-07-28';
const received: Array<{ method: string; url: string; body: string }> = [];
let upstream: Server;
let redis: RedisServerHandle;
let first: TestServer;
let second: TestServer;

beforeAll(async () => {
  upstream = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ method: request.method ?? '', url: request.url ?? '', body });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"done":true}');
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  redis = await startRedisServer();
  const env = {
    REDIS_URL: redis.url,
    MCS_SECRET_KEYS: JSON.stringify({ keys: [{ id: 'k1', key: generateSecretBoxKey() }] }),
    MCS_SERVICE_BASE_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/api`,
    MCS_SERVICE_CONFIRM: 'writes',
    MCS_SHUTDOWN_TIMEOUT_MS: '2000',
  };
  first = await startTestServer(env);
  second = await startTestServer(env);
}, 60_000);

afterAll(async () => {
  await Promise.all([first?.close(), second?.close()]);
  await redis?.stop();
  upstream?.close();
});

beforeEach(() => {
  received.length = 0;
});

let nextId = 1;
async function callService(origin: string, args: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const response = await post(
    `${origin}/mcp`,
    {
      jsonrpc: '2.0',
      id: nextId++,
      method: 'tools/call',
      params: {
        name: 'service',
        arguments: args,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientInfo': { name: 'service-confirm-test', version: '1.0.0' },
          'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
        },
        ...extra,
      },
    },
    { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'service' },
  );
  const message = response.messages.find((candidate) => 'result' in candidate || 'error' in candidate) as {
    result?: Record<string, unknown> & { requestState?: string; isError?: boolean };
    error?: { code: number; message: string };
  };
  return message;
}

const answer = (confirm: boolean, action = 'accept') => ({
  confirm_upstream_call: { action, ...(action === 'accept' ? { content: { confirm } } : {}) },
});

describe('service asks before writing upstream (MCS_SERVICE_CONFIRM=writes)', () => {
  it('a GET goes through without asking', async () => {
    const message = await callService(first.origin, { method: 'GET', path: '/items' });
    expect(message.result?.structuredContent).toMatchObject({ status: 200, ok: true });
    expect(received).toEqual([{ method: 'GET', url: '/api/items', body: '' }]);
  });

  it('a POST is asked first and sent once, after the confirmation, by the other instance', async () => {
    const args = { method: 'POST', path: '/items', body: { name: 'x' } };
    const round1 = await callService(first.origin, args);
    expect(round1.result).toMatchObject({
      resultType: 'input_required',
      inputRequests: {
        confirm_upstream_call: { method: 'elicitation/create', params: { message: expect.stringContaining('POST') } },
      },
    });
    expect(received).toEqual([]);

    const round2 = await callService(second.origin, args, {
      inputResponses: answer(true),
      requestState: round1.result?.requestState,
    });
    expect(round2.result?.structuredContent).toMatchObject({ status: 200, body: { done: true } });
    expect(received).toEqual([{ method: 'POST', url: '/api/items', body: '{"name":"x"}' }]);
  });

  it('a declined or refused confirmation sends nothing', async () => {
    const args = { method: 'DELETE', path: '/items/1' };
    const round1 = await callService(first.origin, args);
    const state = round1.result?.requestState;
    for (const inputResponses of [answer(false), answer(false, 'decline'), answer(false, 'cancel')]) {
      const round2 = await callService(second.origin, args, { inputResponses, requestState: state });
      expect(round2.result).toMatchObject({
        isError: true,
        content: [{ type: 'text', text: expect.stringContaining('was not confirmed') }],
      });
    }
    expect(received).toEqual([]);
  });

  it('a confirmation is for those arguments only, and is never taken without the state', async () => {
    const round1 = await callService(first.origin, { method: 'POST', path: '/items', body: { name: 'x' } });
    const state = round1.result?.requestState;
    // Other body, other path, no state at all: asked again, nothing sent.
    for (const [args, extra] of [
      [
        { method: 'POST', path: '/items', body: { name: 'y' } },
        { inputResponses: answer(true), requestState: state },
      ],
      [
        { method: 'POST', path: '/other', body: { name: 'x' } },
        { inputResponses: answer(true), requestState: state },
      ],
      [{ method: 'POST', path: '/items', body: { name: 'x' } }, { inputResponses: answer(true) }],
    ] as const) {
      const retried = await callService(second.origin, args, extra);
      expect(retried.result?.resultType).toBe('input_required');
    }
    expect(received).toEqual([]);
    // A forged state is refused outright.
    const forged = await callService(
      second.origin,
      { method: 'POST', path: '/items', body: { name: 'x' } },
      {
        inputResponses: answer(true),
        requestState: `${state}x`,
      },
    );
    expect(forged.error?.code).toBe(-32602);
    expect(received).toEqual([]);
  });

  it('a 2025 session is asked with an elicitation request and the call goes through once accepted', async () => {
    const client = new Client(
      { name: 'service-confirm-2025', version: '1.0.0' },
      { capabilities: { elicitation: {} } },
    );
    const asked: string[] = [];
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.push(request.params.message);
      return { action: 'accept', content: { confirm: true } };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${first.origin}/mcp`)));
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
      const result = await client.callTool({
        name: 'service',
        arguments: { method: 'PUT', path: '/items/2', body: 1 },
      });
      expect(result.structuredContent).toMatchObject({ status: 200 });
      expect(asked).toEqual([expect.stringContaining('PUT')]);
      expect(received).toEqual([{ method: 'PUT', url: '/api/items/2', body: '1' }]);
    } finally {
      await client.close();
    }
  });
});
