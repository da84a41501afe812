// The 2026-07-28 protocol engine (src/mcp/stateless/stateless-engine.ts) against the SDK: the same
// request sent to our server (the engine serves tools/call on long-lived servers) and to the SDK's
// own `createMcpHandler` serving the same packs gets the same answer: status, framing (JSON or SSE)
// and every JSON-RPC message, errors included. Each case also states whether the engine takes it, so
// the comparison cannot pass by the engine never answering.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, type McpHttpHandler } from '@modelcontextprotocol/server';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerFactory } from '../src/mcp/shared/server-factory.js';
import { StatelessEngine } from '../src/mcp/stateless/stateless-engine.js';
import { JSON_AND_SSE, post, type RawResponse } from './helpers/raw-mcp.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const MODERN = '2026-07-28';
const PACKS = ['default', 'conformance'];
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'engine-test', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

type Body = Record<string, unknown>;
type Headers = Record<string, string>;

function call(name: string, args: unknown, extra: { id?: unknown; meta?: Body; params?: Body } = {}): Body {
  return {
    jsonrpc: '2.0',
    id: 'id' in extra ? extra.id : 7,
    method: 'tools/call',
    params: {
      name,
      ...(args === undefined ? {} : { arguments: args }),
      _meta: extra.meta ?? ENVELOPE,
      ...extra.params,
    },
  };
}

/** Polls `condition` (bounded: 5 s). */
async function waitUntil(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function headersFor(name: string, overrides: Headers = {}): Headers {
  return { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': name, ...overrides };
}

/** Values that differ by instance or instant, not by path: the clock, the seal of requestState, upstream ports. */
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === 'requestState' && typeof item === 'string') out[key] = 'sealed';
    else if (key === 'epochMs' || key === 'iso' || key === 'local') out[key] = 'clock';
    else out[key] = stable(item);
  }
  return out;
}

/** What a client sees: status, JSON or SSE, and the JSON-RPC messages. */
function observed(response: RawResponse) {
  const type = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    framing: type.includes('text/event-stream') ? 'sse' : type.includes('application/json') ? 'json' : type,
    messages: response.messages.map(stable),
  };
}

/** The SDK's own serving of the same packs: `createMcpHandler` on node:http, nothing of ours in front. */
function sdkNodeServer(handler: McpHttpHandler): Server {
  return createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers.set(name, value);
    }
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method ?? 'GET',
      headers,
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    const response = await handler.fetch(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body !== null) for await (const chunk of response.body) res.write(chunk);
    res.end();
  });
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

let upstream: Server;
let upstreamOrigin: string;
/** Upstream requests to `/never` (held, never answered) and whether each was aborted by our side. */
const held: Array<{ closed: boolean }> = [];
let ours: TestServer;
let sdk: Server;
let sdkHandler: McpHttpHandler;
let sdkOrigin: string;
let engine: StatelessEngine;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    if (req.url === '/never') {
      const entry = { closed: false };
      held.push(entry);
      res.on('close', () => {
        entry.closed = true;
      });
      return;
    }
    if (req.url === '/slow') {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"slow":true}'), 20);
      return;
    }
    res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url, items: [1, 2, 3] }));
  });
  upstreamOrigin = await listen(upstream);
  ours = await startTestServer({
    MCS_TOOL_PACKS: PACKS.join(','),
    MCS_SERVICE_BASE_URL: upstreamOrigin,
    // Every tool through the engine, pure ones too.
    MCS_DIRECT_TOOL_CALLS: 'off',
  });
  const factory = createServerFactory({
    packs: PACKS,
    context: { logger: pino({ level: 'silent' }), service: { baseUrl: upstreamOrigin, confirm: 'off' } },
  });
  sdkHandler = createMcpHandler(factory, { legacy: 'reject' });
  sdk = sdkNodeServer(sdkHandler);
  sdkOrigin = await listen(sdk);
  engine = new StatelessEngine(factory, { keepAliveMs: 0, retryAfterSeconds: 1 });
});

afterAll(async () => {
  await Promise.allSettled([
    ours?.close(),
    sdkHandler?.close(),
    engine?.close(),
    new Promise((resolve) => sdk?.close(resolve)),
    new Promise((resolve) => {
      upstream?.closeAllConnections();
      upstream?.close(resolve);
    }),
  ]);
});

interface Case {
  title: string;
  body: unknown;
  headers: Headers;
  /** Whether the engine serves it (else the SDK's handler does, on both servers). */
  takesIt: boolean;
}

const cases: Case[] = [
  { title: 'echo', body: call('echo', { text: 'hi' }), headers: headersFor('echo'), takesIt: true },
  {
    title: 'echo with a string id',
    body: call('echo', { text: 'a' }, { id: 'req-1' }),
    headers: headersFor('echo'),
    takesIt: true,
  },
  {
    title: 'service awaiting the upstream',
    body: call('service', { method: 'GET', path: '/data' }),
    headers: headersFor('service'),
    takesIt: true,
  },
  {
    title: 'service answered 404 by the upstream',
    body: call('service', { method: 'GET', path: '/missing' }),
    headers: headersFor('service'),
    takesIt: true,
  },
  {
    title: 'three progress notifications, then the result (SSE)',
    body: call('test_tool_with_progress', {}, { meta: { ...ENVELOPE, progressToken: 'p-1' } }),
    headers: headersFor('test_tool_with_progress'),
    takesIt: true,
  },
  {
    title: 'the progress tool without a progress token (JSON)',
    body: call('test_tool_with_progress', {}),
    headers: headersFor('test_tool_with_progress'),
    takesIt: true,
  },
  {
    title: 'log lines at the envelope log level',
    body: call('test_tool_with_logging', {}, { meta: { ...ENVELOPE, 'io.modelcontextprotocol/logLevel': 'debug' } }),
    headers: headersFor('test_tool_with_logging'),
    takesIt: true,
  },
  {
    title: 'log lines without a log level (none sent)',
    body: call('test_tool_with_logging', {}),
    headers: headersFor('test_tool_with_logging'),
    takesIt: true,
  },
  { title: 'whoami', body: call('whoami', {}), headers: headersFor('whoami'), takesIt: true },
  {
    title: 'a tool that fails',
    body: call('test_error_handling', {}),
    headers: headersFor('test_error_handling'),
    takesIt: true,
  },
  {
    title: 'an input-required result (elicitation)',
    body: call(
      'test_input_required_result_elicitation',
      {},
      {
        meta: { ...ENVELOPE, 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } },
      },
    ),
    headers: headersFor('test_input_required_result_elicitation'),
    takesIt: true,
  },
  {
    title: 'an input-required result the client cannot answer (missing capability)',
    body: call('test_input_required_result_elicitation', {}),
    headers: headersFor('test_input_required_result_elicitation'),
    takesIt: true,
  },
  {
    title: 'bad params: an argument of the wrong type',
    body: call('echo', { text: 5 }),
    headers: headersFor('echo'),
    takesIt: true,
  },
  { title: 'bad params: no arguments', body: call('echo', undefined), headers: headersFor('echo'), takesIt: true },
  {
    title: 'bad params: arguments not an object',
    body: call('echo', 'text'),
    headers: headersFor('echo'),
    takesIt: true,
  },
  { title: 'an unknown tool', body: call('nope', {}), headers: headersFor('nope'), takesIt: true },
  {
    title: 'a malformed progress token',
    body: call('echo', { text: 'x' }, { meta: { ...ENVELOPE, progressToken: { no: 1 } } }),
    headers: headersFor('echo'),
    takesIt: false,
  },
  {
    title: 'an unknown method',
    body: { jsonrpc: '2.0', id: 3, method: 'tools/frobnicate', params: { _meta: ENVELOPE } },
    headers: { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/frobnicate' },
    takesIt: false,
  },
  {
    title: 'tools/list',
    body: { jsonrpc: '2.0', id: 4, method: 'tools/list', params: { _meta: ENVELOPE } },
    headers: { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' },
    takesIt: false,
  },
  {
    title: 'Mcp-Name naming another tool',
    body: call('echo', { text: 'hi' }),
    headers: headersFor('time'),
    takesIt: false,
  },
  {
    title: 'no Mcp-Name header',
    body: call('echo', { text: 'hi' }),
    headers: { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call' },
    takesIt: false,
  },
  {
    title: 'an envelope naming an unsupported revision',
    body: call(
      'echo',
      { text: 'hi' },
      { meta: { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } },
    ),
    headers: headersFor('echo', { 'mcp-protocol-version': '2099-01-01' }),
    takesIt: false,
  },
  {
    title: 'an envelope with a malformed clientInfo',
    body: call('echo', { text: 'hi' }, { meta: { ...ENVELOPE, 'io.modelcontextprotocol/clientInfo': { name: 3 } } }),
    headers: headersFor('echo'),
    takesIt: false,
  },
  {
    title: 'a tool with an x-mcp-header parameter (the SDK checks Mcp-Param-*)',
    body: call('test_custom_header', { region: 'eu' }),
    headers: headersFor('test_custom_header', { 'mcp-param-region': 'eu' }),
    takesIt: false,
  },
  {
    title: 'a task-augmented call',
    body: call('echo', { text: 'hi' }, { params: { task: { ttl: 1000 } } }),
    headers: headersFor('echo'),
    takesIt: false,
  },
  {
    title: 'Accept without text/event-stream',
    body: call('echo', { text: 'hi' }),
    headers: headersFor('echo', { accept: 'application/json' }),
    takesIt: false,
  },
];

describe('2026-07-28 tools/call: the engine answers as the SDK does', () => {
  it.each(cases)('$title', async ({ body, headers, takesIt }) => {
    expect(engine.takes(body, { accept: JSON_AND_SSE, ...headers })).toBe(takesIt);
    const [mine, theirs] = await Promise.all([
      post(`${ours.origin}/mcp`, body, headers),
      post(`${sdkOrigin}/mcp`, body, headers),
    ]);
    expect(observed(mine)).toEqual(observed(theirs));
    expect(mine.messages.length).toBeGreaterThan(0);
  });

  it('many concurrent calls sharing one id each get their own answer', async () => {
    const bodies = Array.from({ length: 24 }, (_, index) =>
      index % 3 === 0
        ? call('service', { method: 'GET', path: `/data?n=${index}` }, { id: 1 })
        : call('echo', { text: `n${index}` }, { id: 1 }),
    );
    const answers = await Promise.all(
      bodies.map((body) => {
        const name = (body.params as { name: string }).name;
        return post(`${ours.origin}/mcp`, body, headersFor(name));
      }),
    );
    for (const [index, answer] of answers.entries()) {
      expect(answer.status).toBe(200);
      expect(answer.messages).toHaveLength(1);
      const text = JSON.stringify(answer.messages[0]);
      expect(text).toContain(index % 3 === 0 ? `/data?n=${index}` : `"n${index}"`);
    }
  });
});

describe('the engine and its lanes', () => {
  it('a client that goes away stops its call: the tool is aborted and its upstream request closed', async () => {
    const abort = new AbortController();
    const before = held.length;
    const pending = fetch(`${ours.origin}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: JSON_AND_SSE, ...headersFor('service') },
      body: JSON.stringify(call('service', { method: 'GET', path: '/never' })),
      signal: abort.signal,
    }).catch((error: unknown) => error);
    await waitUntil(() => held.length > before);
    abort.abort();
    await pending;
    await waitUntil(() => held[before]?.closed === true);
    expect(held[before]?.closed).toBe(true);
  });

  it('clients of many identities (more than the lanes kept) each see their own identity', async () => {
    for (let index = 0; index < 40; index += 1) {
      const meta = { ...ENVELOPE, 'io.modelcontextprotocol/clientInfo': { name: `client-${index}`, version: '1.0.0' } };
      const answer = await post(`${ours.origin}/mcp`, call('whoami', {}, { meta }), headersFor('whoami'));
      const result = answer.messages[0]?.result as { structuredContent?: { client?: { name?: unknown } } };
      expect(result.structuredContent?.client?.name).toBe(`client-${index}`);
    }
  });
});

describe('requests the engine never sees: the same refusal as the SDK (status and JSON-RPC code)', () => {
  // Our edge (parse-json-body.ts, the app's error table) answers these before any handler, in its
  // own words; the status and JSON-RPC code are the SDK's.
  const edgeCases: Array<{ title: string; body: string; headers: Headers }> = [
    { title: 'invalid JSON', body: '{"jsonrpc": "2.0", "id": 1,', headers: headersFor('echo') },
    {
      title: 'a content type that is not JSON',
      body: JSON.stringify(call('echo', { text: 'hi' })),
      headers: headersFor('echo', { 'content-type': 'text/plain' }),
    },
  ];
  const codeOf = (response: RawResponse) => (response.messages[0]?.error as { code?: unknown } | undefined)?.code;

  it.each(edgeCases)('$title', async ({ body, headers }) => {
    const [mine, theirs] = await Promise.all([
      post(`${ours.origin}/mcp`, body, headers),
      post(`${sdkOrigin}/mcp`, body, headers),
    ]);
    expect(mine.status).toBe(theirs.status);
    expect(codeOf(mine)).toBe(codeOf(theirs));
  });
});
