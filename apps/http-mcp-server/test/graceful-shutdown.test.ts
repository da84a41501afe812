// Graceful shutdown (`app.close()`, what SIGTERM runs): stop accepting, end every kind of stream
// with its retry hint at once, let requests in flight finish with complete answers, then close.
// The client here keeps idle connections open for as long as the server does and the server's
// keep-alive timeout is 60 s: a shutdown that waited for drained connections to time out would hang
// past the test's timeout instead of finishing a few seconds late.
import { Agent, createServer, type IncomingHttpHeaders, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RedisServerHandle, startRedisServer, waitFor } from '@mcs/test-utils';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { initializeSession, JSON_AND_SSE, parseBody, sessionHeaders } from './helpers/raw-mcp.js';
import { startTestServer } from './helpers/test-server.js';

const MODERN = '2026-07-28';
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'shutdown-test', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const UPSTREAM_ANSWER = { answer: 'released' };

interface OpenResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Everything received so far, once something has been. */
  firstData: Promise<string>;
  /** The whole body; rejects when the connection is cut before the response is complete. */
  body: Promise<string>;
}

/** Sends a request over `agent`; resolves when the response headers are in. */
function send(
  agent: Agent,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<OpenResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        agent,
        method: init.method ?? 'GET',
        headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
      },
      (response) => {
        response.setEncoding('utf8');
        let text = '';
        let gotData: (text: string) => void = () => undefined;
        const firstData = new Promise<string>((resolveData) => {
          gotData = resolveData;
        });
        const body = new Promise<string>((resolveBody, rejectBody) => {
          response.on('data', (chunk: string) => {
            text += chunk;
            gotData(text);
          });
          response.on('close', () => {
            if (response.complete) resolveBody(text);
            else rejectBody(new Error(`response cut after ${JSON.stringify(text)}`));
          });
        });
        // Observed by the test when it awaits them; never an unhandled rejection before that.
        body.catch(() => undefined);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, firstData, body });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(init.body === undefined ? undefined : JSON.stringify(init.body));
  });
}

/** A real upstream for the `service` tool that holds every request until `release()`. */
async function startHeldUpstream() {
  const held: ServerResponse[] = [];
  const server = createServer((_request, response) => {
    held.push(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    holding: () => held.length,
    release() {
      for (const response of held.splice(0)) {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(UPSTREAM_ANSWER));
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function serviceCall(id: number, meta?: Record<string, unknown>) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'service', arguments: { path: '/held' }, ...(meta ? { _meta: meta } : {}) },
  };
}

/** The JSON-RPC answer with `id` in a response body (JSON or SSE). */
function answerOf(response: OpenResponse, body: string, id: number | string) {
  const content = Array.isArray(response.headers['content-type'])
    ? response.headers['content-type'].join(', ')
    : (response.headers['content-type'] ?? null);
  return parseBody(content, body).find((message) => message.id === id);
}

/** Clients connected to the Redis server, the asking one included. */
async function redisClientCount(redis: RedisServerHandle): Promise<number> {
  const probe = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await probe.connect();
    const list = (await probe.client('LIST')) as string;
    return list.split('\n').filter((line) => line.trim() !== '').length;
  } finally {
    probe.disconnect();
  }
}

describe.each(['memory', 'redis'] as const)('graceful shutdown (%s store)', (storeKind) => {
  it('ends open streams with a retry hint, completes in-flight requests, then closes', {
    timeout: 30_000,
  }, async () => {
    await using redis = storeKind === 'redis' ? await startRedisServer() : undefined;
    const upstream = await startHeldUpstream();
    const server = await startTestServer({
      ...(redis ? { REDIS_URL: redis.url } : {}),
      MCS_SERVICE_BASE_URL: upstream.url,
      MCS_SSE_RETRY_MS: '1234',
      // 2026-07-28 requests may use half of it before the SDK aborts them: far more than this test needs.
      MCS_SHUTDOWN_TIMEOUT_MS: '60000',
    });
    server.app.server.keepAliveTimeout = 60_000;
    const agent = new Agent({ keepAlive: true });
    try {
      const mcpUrl = `${server.origin}/mcp`;
      const sessionId = await initializeSession(mcpUrl, '2025-11-25');
      const session = sessionHeaders(sessionId, '2025-11-25');

      // One stream of each kind: the 2025 GET stream, the 2024-11-05 /sse stream, a 2026-07-28 listen stream.
      const getStream = await send(agent, mcpUrl, { headers: { accept: 'text/event-stream', ...session } });
      const sseStream = await send(agent, `${server.origin}/sse`, { headers: { accept: 'text/event-stream' } });
      const listenStream = await send(agent, mcpUrl, {
        method: 'POST',
        headers: { accept: JSON_AND_SSE, 'mcp-protocol-version': MODERN, 'mcp-method': 'subscriptions/listen' },
        body: {
          jsonrpc: '2.0',
          id: 'listen-1',
          method: 'subscriptions/listen',
          params: { notifications: { toolsListChanged: true }, _meta: ENVELOPE },
        },
      });
      expect([getStream.status, sseStream.status, listenStream.status]).toEqual([200, 200, 200]);
      expect(await sseStream.firstData).toContain('event: endpoint');
      expect(await listenStream.firstData).toContain('notifications/subscriptions/acknowledged');
      await waitFor(async () => /^mcs_streams 3$/m.test(await (await fetch(`${server.origin}/metrics`)).text()), {
        what: 'three held streams',
      });

      // Two requests in flight, one per era, both waiting on the upstream.
      const sessionCall = send(agent, mcpUrl, {
        method: 'POST',
        headers: { accept: JSON_AND_SSE, ...session },
        body: serviceCall(21),
      });
      const modernCall = send(agent, mcpUrl, {
        method: 'POST',
        headers: {
          accept: JSON_AND_SSE,
          'mcp-protocol-version': MODERN,
          'mcp-method': 'tools/call',
          'mcp-name': 'service',
        },
        body: serviceCall(22, ENVELOPE),
      });
      await waitFor(() => upstream.holding() === 2, { what: 'both calls at the upstream' });

      if (redis) expect(await redisClientCount(redis)).toBeGreaterThan(1);
      let closed = false;
      const closing = server.close().then(() => {
        closed = true;
      });

      // The streams end at once, each with its retry hint, while the requests are still in flight.
      expect(await getStream.body).toMatch(/retry: 1234\n\n$/);
      expect(await sseStream.body).toMatch(/retry: 1234\n\n$/);
      const listenEnd = parseBody('text/event-stream', await listenStream.body).at(-1);
      expect(listenEnd).toMatchObject({ id: 'listen-1', result: { resultType: 'complete' } });
      expect(upstream.holding()).toBe(2);
      expect(closed).toBe(false);

      // New connections are refused while draining.
      await expect(fetch(`${server.origin}/healthz`)).rejects.toThrow();

      upstream.release();
      const [sessionAnswer, modernAnswer] = await Promise.all([sessionCall, modernCall]);
      for (const [response, id] of [
        [sessionAnswer, 21],
        [modernAnswer, 22],
      ] as const) {
        expect(response.status).toBe(200);
        const answer = answerOf(response, await response.body, id);
        expect(answer?.result).toMatchObject({ structuredContent: { status: 200, body: UPSTREAM_ANSWER } });
      }

      // With the answers out, nothing holds the server: close() resolves (it would hang for 60 s
      // if it waited for the drained keep-alive connections).
      await closing;
      expect(closed).toBe(true);
      // The store and the message bus let go of Redis: only the probe is left connected.
      if (redis) {
        await waitFor(async () => (await redisClientCount(redis)) === 1, { what: 'the app to disconnect from Redis' });
      }
    } finally {
      agent.destroy();
      await upstream.close();
      await server.close().catch(() => undefined);
    }
  });
});
