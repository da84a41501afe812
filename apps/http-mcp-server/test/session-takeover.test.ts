import { type RedisServerHandle, startRedisServer, waitFor } from '@mcs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthTestServer,
  type CallbackServer,
  OTHER_USER,
  obtainTokens,
  startAuthServer,
  startCallbackServer,
} from './auth-harness.js';
import { initializeRequest, post, sessionHeaders } from './helpers/raw-mcp.js';

const VERSION = '2025-11-25';
const LEGACY_VERSION = '2024-11-05';
const ROUNDS = 30;
const whoami = (id: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'whoami', arguments: {} },
});

/** A 2024-11-05 `/sse` stream read as it arrives: its endpoint, then the JSON-RPC messages on it. */
async function openLegacyStream(origin: string, authorization: string) {
  const abort = new AbortController();
  const response = await fetch(`${origin}/sse`, {
    headers: { accept: 'text/event-stream', authorization },
    signal: abort.signal,
  });
  expect(response.status).toBe(200);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: Array<{ event: string; data: string }> = [];
  let buffer = '';
  const pump = (async () => {
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (data !== undefined) events.push({ event, data });
      }
    }
  })();
  await waitFor(() => events.some((entry) => entry.event === 'endpoint'), { what: 'the endpoint event' });
  const endpoint = events.find((entry) => entry.event === 'endpoint')?.data as string;
  return {
    messagesUrl: new URL(endpoint, origin).href,
    sessionId: new URL(endpoint, origin).searchParams.get('sessionId') as string,
    messages: () =>
      events.filter((entry) => entry.event === 'message').map((entry) => JSON.parse(entry.data) as { id?: unknown }),
    close: async () => {
      abort.abort();
      await pump;
    },
  };
}

for (const storeKind of ['memory', 'redis'] as const) {
  describe(`sessions are bound to their user at creation (${storeKind} store)`, () => {
    let redis: RedisServerHandle | undefined;
    let server: AuthTestServer;
    let callback: CallbackServer;
    let asAlice: { authorization: string };
    let asBob: { authorization: string };

    beforeAll(async () => {
      if (storeKind === 'redis') redis = await startRedisServer();
      server = await startAuthServer(redis ? { REDIS_URL: redis.url } : {});
      callback = await startCallbackServer();
      const alice = await obtainTokens(server, callback.redirectUri);
      const bob = await obtainTokens(server, callback.redirectUri, { user: OTHER_USER });
      asAlice = { authorization: `Bearer ${alice.accessToken}` };
      asBob = { authorization: `Bearer ${bob.accessToken}` };
    });

    afterAll(async () => {
      await callback?.close();
      await server?.close();
      await redis?.stop();
    });

    it("2024-11-05: bob's POST to alice's /sse session is 404 before alice ever posted; alice keeps it", async () => {
      const stream = await openLegacyStream(server.origin, asAlice.authorization);
      try {
        const post2024 = (body: unknown, auth: { authorization: string }) =>
          post(stream.messagesUrl, body, auth).then((response) => response.status);
        // Bob comes first, with his own valid token: nothing of alice's session is his.
        expect(await post2024(initializeRequest(LEGACY_VERSION, 'bob-init'), asBob)).toBe(404);
        expect(await post2024(whoami(7), asBob)).toBe(404);
        expect(await post2024({ jsonrpc: '2.0', method: 'notifications/initialized' }, asBob)).toBe(404);

        expect(await post2024(initializeRequest(LEGACY_VERSION, 'alice-init'), asAlice)).toBe(202);
        await waitFor(() => stream.messages().some((message) => message.id === 'alice-init'), {
          what: "alice's initialize result on her stream",
        });
        expect(await post2024({ jsonrpc: '2.0', method: 'notifications/initialized' }, asAlice)).toBe(202);
        expect(await post2024(whoami(8), asAlice)).toBe(202);
        await waitFor(() => stream.messages().some((message) => message.id === 8), { what: "alice's whoami result" });
        const answer = JSON.stringify(stream.messages().find((message) => message.id === 8));
        expect(answer).toContain('"subject":"alice"');
        // Nothing bob sent reached alice's stream.
        expect(stream.messages().map((message) => message.id)).toEqual(['alice-init', 8]);
      } finally {
        await stream.close();
      }
    });

    it(`Streamable HTTP: alice and bob send their first request at once, ${ROUNDS} times: only alice is served`, async () => {
      for (let round = 0; round < ROUNDS; round += 1) {
        const init = await post(server.resource, initializeRequest(VERSION), asAlice);
        expect(init.status).toBe(200);
        const sessionId = init.headers.get('mcp-session-id') as string;
        const headers = sessionHeaders(sessionId, VERSION);
        // Bob's request is sent first: before the fix, whoever came first claimed the session.
        const [bob, alice] = await Promise.all([
          post(server.resource, whoami(2), { ...headers, ...asBob }),
          post(server.resource, whoami(3), { ...headers, ...asAlice }),
        ]);
        expect([bob.status, alice.status]).toEqual([404, 200]);
        expect(bob.messages[0]).toMatchObject({ error: { code: -32001 } });
        expect(JSON.stringify(alice.messages)).toContain('"subject":"alice"');
        // Bob's GET stream and DELETE are refused as well, and alice still owns the session afterwards.
        const bobGet = await fetch(server.resource, { headers: { ...headers, ...asBob, accept: 'text/event-stream' } });
        const bobDelete = await fetch(server.resource, { method: 'DELETE', headers: { ...headers, ...asBob } });
        expect([bobGet.status, bobDelete.status]).toEqual([404, 404]);
        await Promise.all([bobGet.body?.cancel(), bobDelete.body?.cancel()]);
        const deleted = await fetch(server.resource, { method: 'DELETE', headers: { ...headers, ...asAlice } });
        expect(deleted.status).toBe(200);
      }
    });
  });
}
