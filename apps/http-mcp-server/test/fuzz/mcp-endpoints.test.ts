// Property-based fuzzing (fast-check) of the MCP endpoints: `/mcp` (2026-07-28 stateless and 2025
// sessions), `/sse` + `/messages` (2024-11-05), `/http`. Arbitrary JSON, bodies, headers and query
// strings; every answer must hold to the properties of fuzz-harness.ts, and the server must still serve
// every era afterwards. Bounded runs with a fixed seed (MCS_FUZZ_SEED to change it; fast-check prints
// the seed and path of a failure).

import { MAX_ERROR_MESSAGE_BYTES } from '@mcs/resilience';
import { waitFor } from '@mcs/test-utils';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeSession, JSON_AND_SSE, parseBody, post } from '../helpers/raw-mcp.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import {
  accept,
  anyText,
  checkProperty,
  contentType,
  type FuzzRequest,
  headerValue,
  jsonRpcBody,
  longText,
  MODERN,
  mcpMethod,
  protocolVersionHeader,
  queryString,
  sendAndCheck,
} from './fuzz-harness.js';

let server: TestServer;
let sessionId: string;
let legacySessionId: string;
let sseStream: AbortController;
/** Everything the `/sse` stream carried: the answers to the fuzzed `/messages` POSTs. */
let sseText = '';

/** Opens a 2024-11-05 `/sse` stream and returns the session id of its `endpoint` event. */
async function openSseSession(origin: string, abort: AbortController): Promise<string> {
  const response = await fetch(`${origin}/sse`, { headers: { accept: 'text/event-stream' }, signal: abort.signal });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  for (let chunks = 0; chunks < 20 && !text.includes('sessionId='); chunks += 1) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  const id = /sessionId=([^\s&]+)/.exec(text)?.[1];
  if (id === undefined) throw new Error(`no endpoint event: ${text}`);
  // The answers to the fuzzed POSTs arrive on the stream: keep reading (so that it never backs up)
  // and keep what came, for the check of its errors at the end.
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      sseText += new TextDecoder().decode(value);
    }
  })();
  return id;
}

beforeAll(async () => {
  server = await startTestServer({ MCS_BODY_LIMIT_BYTES: String(256 * 1024) });
  sessionId = await initializeSession(`${server.origin}/mcp`, '2025-11-25');
  sseStream = new AbortController();
  legacySessionId = await openSseSession(server.origin, sseStream);
}, 30_000);

afterAll(async () => {
  sseStream?.abort();
  await server?.close();
});

/** Headers as a client might send them, each one present or not, fuzzed or plausible. */
function mcpHeaders(sessionChoice: fc.Arbitrary<string | undefined>) {
  return fc
    .record(
      {
        'content-type': contentType,
        accept,
        'mcp-protocol-version': protocolVersionHeader,
        'mcp-method': fc.oneof(
          mcpMethod.map((method) => method.replace(/[^\t\x20-\x7e]/g, '')),
          headerValue,
        ),
        'mcp-name': fc.oneof(fc.constantFrom('echo', 'time', 'service'), headerValue),
        'mcp-session-id': sessionChoice.map((value) => value ?? ''),
        'last-event-id': headerValue,
        origin: fc.constantFrom('http://127.0.0.1', 'http://evil.example', 'null'),
        host: fc.constantFrom('127.0.0.1', 'evil.example', 'localhost:1'),
      },
      { requiredKeys: [] },
    )
    .map((headers) => {
      // fetch forbids setting Host itself; leave it out.
      const { host: _host, ...rest } = headers;
      return Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== '')) as Record<string, string>;
    });
}

/** POSTs of fuzzed JSON-RPC bodies to `path` with `headers`. */
const posts = (path: fc.Arbitrary<string>, headers: fc.Arbitrary<Record<string, string>>): fc.Arbitrary<FuzzRequest> =>
  fc.record({ method: fc.constant('POST'), path, headers, body: jsonRpcBody });

/** Mostly just a JSON content type (so that bodies are what gets fuzzed), sometimes fuzzed headers. */
const plainOrFuzzedHeaders = () =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant<Record<string, string>>({ 'content-type': 'application/json' }) },
    mcpHeaders(fc.constant(undefined)),
  );

const check = (arbitrary: fc.Arbitrary<FuzzRequest>, numRuns: number) =>
  checkProperty(arbitrary, numRuns, async (request) => {
    await sendAndCheck(server.origin, request);
  });

describe('fuzzing the MCP endpoints', () => {
  it('POST /mcp: arbitrary bodies and headers, with and without the 2026-07-28 envelope or a session', {
    timeout: 60_000,
  }, async () => {
    await check(
      fc.record({
        method: fc.constant('POST'),
        path: fc.oneof(
          { weight: 5, arbitrary: fc.constant('/mcp') },
          queryString.map((query) => `/mcp?${query}`),
        ),
        headers: fc.oneof(
          mcpHeaders(fc.oneof(fc.constant(sessionId), fc.constant(undefined), headerValue)),
          // Well-formed 2026-07-28 headers, so the fuzzed bodies get past the header checks.
          fc.constant({
            'content-type': 'application/json',
            accept: JSON_AND_SSE,
            'mcp-protocol-version': MODERN,
          }),
        ),
        body: jsonRpcBody,
      }),
      250,
    );
  });

  it('POST /mcp in a 2025 session: fuzzed messages to a live session', { timeout: 60_000 }, async () => {
    await check(
      posts(
        fc.constant('/mcp'),
        fc.constant({
          'content-type': 'application/json',
          accept: JSON_AND_SSE,
          'mcp-protocol-version': '2025-11-25',
          'mcp-session-id': sessionId,
        }),
      ),
      150,
    );
  });

  it('GET and DELETE /mcp, GET /sse: fuzzed headers and query strings', { timeout: 60_000 }, async () => {
    await check(
      fc.record({
        method: fc.constantFrom('GET', 'GET', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD'),
        path: fc
          .tuple(fc.constantFrom('/mcp', '/sse', '/messages', '/http'), fc.option(queryString))
          .map(([path, query]) => (query === null ? path : `${path}?${query}`)),
        // DELETE of the live session would end it for the other properties: random session ids only.
        headers: mcpHeaders(fc.oneof(fc.constant(undefined), headerValue)),
      }),
      120,
    );
  });

  it('POST /messages (2024-11-05): fuzzed bodies to a live /sse session and to unknown ones', {
    timeout: 60_000,
  }, async () => {
    await check(
      posts(
        fc.oneof(
          { weight: 3, arbitrary: fc.constant(`/messages?sessionId=${legacySessionId}`) },
          anyText.map((id) => `/messages?${new URLSearchParams({ sessionId: id })}`),
          queryString.map((query) => `/messages?${query}`),
        ),
        plainOrFuzzedHeaders(),
      ),
      150,
    );
  });

  it('POST /http: fuzzed bodies and headers', { timeout: 60_000 }, async () => {
    await check(posts(fc.constant('/http'), plainOrFuzzedHeaders()), 150);
  });

  it('long values in every place a refusal may quote them: names, URIs, methods, levels, headers, keys', {
    timeout: 60_000,
  }, async () => {
    const places = ['name', 'uri', 'method', 'level', 'cursor', 'argumentKey', 'nameHeader', 'versionHeader'] as const;
    await check(
      fc
        .record({
          era: fc.constantFrom('modern', 'session', 'http', 'messages'),
          method: fc.constantFrom('tools/call', 'prompts/get', 'resources/read', 'logging/setLevel', 'tools/list'),
          place: fc.constantFrom(...places),
          value: longText,
        })
        .map(({ era, method: baseMethod, place, value }): FuzzRequest => {
          const method = place === 'method' ? value : baseMethod;
          const params: Record<string, unknown> = {
            name: place === 'name' ? value : 'echo',
            uri: place === 'uri' ? value : 'test://x',
            level: place === 'level' ? value : 'info',
            ...(place === 'cursor' ? { cursor: value } : {}),
            arguments: place === 'argumentKey' ? { [value]: 1 } : { text: 'x' },
          };
          const headers: Record<string, string> = { 'content-type': 'application/json', accept: JSON_AND_SSE };
          if (era === 'modern') {
            params._meta = {
              'io.modelcontextprotocol/protocolVersion': MODERN,
              'io.modelcontextprotocol/clientInfo': { name: 'fuzz', version: '1.0.0' },
              'io.modelcontextprotocol/clientCapabilities': {},
            };
            headers['mcp-protocol-version'] = MODERN;
            headers['mcp-method'] = method.slice(0, 2000);
            headers['mcp-name'] = String(params.name).slice(0, 2000);
          }
          if (era === 'session') {
            headers['mcp-session-id'] = sessionId;
            headers['mcp-protocol-version'] = '2025-11-25';
          }
          if (place === 'nameHeader') headers['mcp-name'] = value.replace(/[^\x20-\x7e]/g, 'x');
          if (place === 'versionHeader') headers['mcp-protocol-version'] = value.replace(/[^\x20-\x7e]/g, 'x');
          const path =
            era === 'messages' ? `/messages?sessionId=${legacySessionId}` : era === 'http' ? '/http' : '/mcp';
          return { method: 'POST', path, headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) };
        }),
      120,
    );
  });

  it('is still healthy and serves every era afterwards', { timeout: 30_000 }, async () => {
    expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
    const echo = (id: number, meta?: Record<string, unknown>) => ({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'still here' }, ...(meta ? { _meta: meta } : {}) },
    });
    const modern = await post(
      `${server.origin}/mcp`,
      echo(1, {
        'io.modelcontextprotocol/protocolVersion': MODERN,
        'io.modelcontextprotocol/clientInfo': { name: 'fuzz', version: '1.0.0' },
        'io.modelcontextprotocol/clientCapabilities': {},
      }),
      { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
    );
    expect(modern.status).toBe(200);
    expect(JSON.stringify(modern.messages)).toContain('still here');
    const fresh = await initializeSession(`${server.origin}/mcp`, '2025-11-25');
    const session = await post(`${server.origin}/mcp`, echo(2), {
      'mcp-session-id': fresh,
      'mcp-protocol-version': '2025-11-25',
    });
    expect(session.status).toBe(200);
    expect(JSON.stringify(session.messages)).toContain('still here');
    const http = await post(`${server.origin}/http`, echo(3));
    expect(http.status).toBe(200);
    expect(JSON.stringify(http.messages)).toContain('still here');
    const legacy = await fetch(`${server.origin}/messages?sessionId=${legacySessionId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(echo(4)),
    });
    expect(legacy.status).toBe(202);
    // The answers on the /sse stream hold to the same bound as every other error.
    await waitFor(() => sseText.includes('still here'), { what: 'the echo on the /sse stream' });
    const streamed = parseBody('text/event-stream', sseText.replaceAll('\r\n', '\n'));
    expect(streamed.length).toBeGreaterThan(0);
    for (const message of streamed) {
      const error = message.error as { message?: string; data?: unknown } | undefined;
      if (error === undefined) continue;
      expect(Buffer.byteLength(String(error.message))).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_BYTES);
      expect(JSON.stringify(error.data ?? null).length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_BYTES);
    }
  });
});
