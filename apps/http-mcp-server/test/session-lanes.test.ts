// A 2025 session's `tools/call` on its session lane (one long-lived server per session,
// src/mcp/sessions/session-lanes.ts) against the same request through the SDK's per-POST transport
// (`MCS_SESSION_LANES=off`): the same requests, errors included, to both, answers compared frame by
// frame (event ids, which name the stream and the store's entry, compared by shape only).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeSession, JSON_AND_SSE } from './helpers/raw-mcp.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const PACKS = { MCS_TOOL_PACKS: 'default,conformance' };

interface Exchange {
  status: number;
  contentType: string | null;
  /** The body with every event id replaced by its shape, and routed request ids by theirs. */
  body: string;
}

/** Event ids and routed ids differ per stream and replica by design; everything else must be equal. */
function normalize(text: string): string {
  return text
    .replace(/^id: \S+$/gm, 'id: <event id>')
    .replace(/"mcs~[^"]+"/g, '"<routed id>"')
    .replace(/"requestId":"[^"]*"/g, '"requestId":"<id>"');
}

async function send(
  origin: string,
  sessionId: string,
  version: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Exchange> {
  const response = await fetch(`${origin}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: JSON_AND_SSE,
      'mcp-session-id': sessionId,
      'mcp-protocol-version': version,
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: normalize(await response.text()),
  };
}

const call = (id: number | string, name: string, args: Record<string, unknown>, meta?: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
});

/** The requests sent to both: successes, progress, logs, every kind of error the SDK answers. */
const CASES: Array<{ name: string; body: unknown; headers?: Record<string, string> }> = [
  { name: 'progress (three notifications, SSE)', body: call(1, 'test_tool_with_progress', {}, { progressToken: 'p' }) },
  { name: 'logging notifications', body: call(2, 'test_tool_with_logging', {}) },
  { name: 'a text result, string id', body: call('call-3', 'test_simple_text', {}) },
  { name: 'a tool that fails (isError)', body: call(4, 'test_error_handling', {}) },
  { name: 'an unknown tool', body: call(5, 'no_such_tool', {}) },
  { name: 'invalid arguments of a pure tool', body: call(6, 'echo', { text: 42 }) },
  { name: 'invalid arguments of another tool', body: call(7, 'test_elicitation', { message: 1 }) },
  { name: 'missing params', body: { jsonrpc: '2.0', id: 8, method: 'tools/call' } },
  {
    name: 'Accept without text/event-stream (406)',
    body: call(9, 'test_simple_text', {}),
    headers: { accept: 'application/json' },
  },
  {
    name: 'an unsupported MCP-Protocol-Version (400)',
    body: call(10, 'test_simple_text', {}),
    headers: { 'mcp-protocol-version': '1999-01-01' },
  },
  {
    name: 'an unknown session (404)',
    body: call(11, 'test_simple_text', {}),
    headers: { 'mcp-session-id': 'not-a-session' },
  },
];

describe('2025 session tools/call: session lanes against the per-POST SDK transport', () => {
  let lanes: TestServer;
  let perPost: TestServer;
  beforeAll(async () => {
    lanes = await startTestServer(PACKS);
    perPost = await startTestServer({ ...PACKS, MCS_SESSION_LANES: 'off' });
  });
  afterAll(async () => {
    await lanes?.close();
    await perPost?.close();
  });

  for (const version of ['2025-11-25', '2025-06-18', '2025-03-26']) {
    it(`answers every case as the SDK's transport does (${version})`, async () => {
      const sessions = await Promise.all(
        [lanes, perPost].map((server) => initializeSession(`${server.origin}/mcp`, version)),
      );
      // A log level set first: the lane's server is restored with it (log notifications depend on it).
      for (const [index, server] of [lanes, perPost].entries()) {
        const set = await send(server.origin, sessions[index] as string, version, {
          jsonrpc: '2.0',
          id: 'level',
          method: 'logging/setLevel',
          params: { level: 'debug' },
        });
        expect(set.status).toBe(200);
      }
      for (const testCase of CASES) {
        const [ours, sdk] = await Promise.all(
          [lanes, perPost].map((server, index) =>
            send(server.origin, sessions[index] as string, version, testCase.body, testCase.headers),
          ),
        );
        expect({ case: testCase.name, ...ours }).toEqual({ case: testCase.name, ...sdk });
      }
    });
  }

  it('sessions never share a lane, also when the bound keeps pushing lanes out', async () => {
    // One lane in all: three sessions' calls interleaved push each other's lane out all the time.
    await using tight = await startTestServer({ ...PACKS, MCS_SERVER_CACHE_MAX_SERVERS: '1' });
    const version = '2025-11-25';
    const levels = ['error', 'debug', 'error'];
    const sessions = await Promise.all(levels.map(() => initializeSession(`${tight.origin}/mcp`, version)));
    for (const [index, sessionId] of sessions.entries()) {
      const set = await send(tight.origin, sessionId, version, {
        jsonrpc: '2.0',
        id: 'level',
        method: 'logging/setLevel',
        params: { level: levels[index] },
      });
      expect(set.status).toBe(200);
    }
    const calls = Array.from({ length: 12 }, (_, index) => index % sessions.length);
    const answers = await Promise.all(
      calls.map((which) =>
        send(tight.origin, sessions[which] as string, version, call(which, 'test_tool_with_logging', {})),
      ),
    );
    for (const [index, answer] of answers.entries()) {
      const which = calls[index] as number;
      expect(answer.status).toBe(200);
      expect(answer.body).toContain('"Tool with logging executed successfully"');
      expect(answer.body).toContain(`"jsonrpc":"2.0","id":${which}}`);
      // The tool logs at info: sent to the session at debug, not to those at error.
      expect(answer.body.split('notifications/message').length - 1).toBe(levels[which] === 'debug' ? 3 : 0);
    }
  });

  it('concurrent calls of one session with the same id each get their own progress and answer', async () => {
    const version = '2025-11-25';
    const sessionId = await initializeSession(`${lanes.origin}/mcp`, version);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        send(lanes.origin, sessionId, version, call(1, 'test_tool_with_progress', {}, { progressToken: `p${index}` })),
      ),
    );
    for (const [index, answer] of answers.entries()) {
      // Every POST gets its own progress (its token) and its answer, with the id it sent.
      expect(answer.body.match(/"progressToken":"(p\d+)"/g)).toEqual(Array(3).fill(`"progressToken":"p${index}"`));
      expect(answer.body).toContain('"id":1');
    }
  });
});
