// The answer to a server-to-client request (elicitation here) is routed by the id the server gave it
// (`mcs~<replica>~<exchange>~<id>`, exchange ids counted up per replica): only the session the request
// was sent to may answer it. Another session that sends a response with that id (guessed, or read
// off a shared log) must not reach the asking call, on the session lane and on the per-POST path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeRequest, initializeSession, JSON_AND_SSE, post, sessionHeaders } from './helpers/raw-mcp.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const VERSION = '2025-11-25';
const PACKS = { MCS_TOOL_PACKS: 'default,conformance' };

/** A POST whose SSE body is read as it arrives (the elicitation comes before the answer). */
async function streamingCall(origin: string, sessionId: string, body: unknown) {
  const response = await fetch(`${origin}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: JSON_AND_SSE, ...sessionHeaders(sessionId, VERSION) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  expect(response.status).toBe(200);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const messages: Array<Record<string, unknown>> = [];
  let buffer = '';
  const read = (async () => {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const data = /^data: (.+)$/m.exec(buffer.slice(0, end))?.[1];
        buffer = buffer.slice(end + 2);
        if (data !== undefined) messages.push(JSON.parse(data) as Record<string, unknown>);
      }
    }
  })();
  return { messages, read };
}

async function until<T>(find: () => T | undefined, what: string): Promise<T> {
  for (let attempt = 0; attempt < 400; attempt += 1) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const answerOf = (id: unknown, username: string) => ({
  jsonrpc: '2.0',
  id,
  result: { action: 'accept', content: { username, email: `${username}@example.com` } },
});

for (const [path, env] of [
  ['session lane', PACKS],
  ['per-POST server', { ...PACKS, MCS_SESSION_LANES: 'off' }],
] as const) {
  describe(`a server-to-client request is answered only by its own session (${path})`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(env);
    });
    afterAll(async () => {
      await server?.close();
    });

    it("another session's response with the request's routed id does not reach the call; the asked session's does", async () => {
      const mcp = `${server.origin}/mcp`;
      const init = await post(mcp, initializeRequest(VERSION, 1, { elicitation: {} }));
      const alice = init.headers.get('mcp-session-id') as string;
      expect(init.status).toBe(200);
      await post(mcp, { jsonrpc: '2.0', method: 'notifications/initialized' }, sessionHeaders(alice, VERSION));
      const mallory = await initializeSession(mcp, VERSION);

      const call = await streamingCall(server.origin, alice, {
        jsonrpc: '2.0',
        id: 5,
        method: 'tools/call',
        params: { name: 'test_elicitation', arguments: { message: 'Who are you?' } },
      });
      const elicitation = await until(
        () => call.messages.find((message) => message.method === 'elicitation/create'),
        'the elicitation request',
      );
      // Mallory's own session, Alice's request id.
      const injected = await post(mcp, answerOf(elicitation.id, 'mallory'), sessionHeaders(mallory, VERSION));
      expect(injected.status).toBe(202);
      const answered = await post(mcp, answerOf(elicitation.id, 'alice'), sessionHeaders(alice, VERSION));
      expect(answered.status).toBe(202);
      await call.read;
      const result = call.messages.find((message) => message.id === 5) as { result?: unknown } | undefined;
      const text = JSON.stringify(result?.result);
      expect(text).toContain('alice');
      expect(text).not.toContain('mallory');
    });
  });
}
