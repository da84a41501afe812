// The dispatch step alone: which handler each kind of POST goes to, decided from a real Fastify
// request (body read as text by the app's raw-json-body plugin) with the real engine and pure-tool
// shortcut as deciders. The answers of each handler are the conformance and differential tests' to check.
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pureToolsOf } from '../../packs/index.js';
import rawJsonBody from '../../plugins/raw-json-body.js';
import { DirectToolCalls } from '../shared/direct-tool-calls.js';
import { createServerFactory } from '../shared/server-factory.js';
import { StatelessEngine } from '../stateless/stateless-engine.js';
import { type Deciders, decide, type McpPostEndpoint } from './request-dispatch.js';

const PACKS = ['default'];
const JSON_AND_SSE = 'application/json, text/event-stream';
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'dispatch-test', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

type Headers = Record<string, string>;

function call(name: string, meta?: Record<string, unknown>, id: unknown = 1) {
  const args = name === 'echo' ? { text: 'hi' } : {};
  return {
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
  };
}

function modernHeaders(method: string, name?: string): Headers {
  return {
    accept: JSON_AND_SSE,
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': method,
    ...(name === undefined ? {} : { 'mcp-name': name }),
  };
}

const SESSION: Headers = {
  accept: JSON_AND_SSE,
  'mcp-session-id': 'not-looked-up',
  'mcp-protocol-version': '2025-11-25',
};

interface Case {
  title: string;
  endpoint: McpPostEndpoint;
  body: unknown;
  headers?: Headers;
  /** The handler it goes to, and for refusals their HTTP status; `pure`: a pure-tool answer comes with it. */
  to: string;
  status?: number;
  pure?: boolean;
}

const cases: Case[] = [
  { title: 'not JSON', endpoint: '/mcp', body: '{', headers: SESSION, to: 'refused', status: 400 },
  {
    title: 'a wrong media type',
    endpoint: '/http',
    body: JSON.stringify(call('echo')),
    headers: { 'content-type': 'text/plain' },
    to: 'refused',
    status: 415,
  },
  {
    title: 'initialize',
    endpoint: '/mcp',
    body: { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25' } },
    headers: { accept: JSON_AND_SSE },
    to: 'session-initialize',
  },
  {
    title: 'a session notification',
    endpoint: '/mcp',
    body: { jsonrpc: '2.0', method: 'notifications/initialized' },
    headers: SESSION,
    to: 'session-messages',
  },
  {
    title: 'a session call of a pure tool',
    endpoint: '/mcp',
    body: call('echo'),
    headers: SESSION,
    to: 'session-requests',
    pure: true,
  },
  {
    title: 'a session call of another tool',
    endpoint: '/mcp',
    body: call('whoami'),
    headers: SESSION,
    to: 'session-requests',
    pure: false,
  },
  {
    title: 'a session batch of one pure call',
    endpoint: '/mcp',
    body: [call('echo')],
    headers: SESSION,
    to: 'session-requests',
    pure: false,
  },
  {
    title: 'a session call with a progress token (the classifier decides: 2025)',
    endpoint: '/mcp',
    body: call('whoami', { progressToken: 3 }),
    headers: SESSION,
    to: 'session-requests',
    pure: false,
  },
  // Neither the gate nor the classifier takes these for 2025 (the classifier 'reject's them): the SDK's
  // 2026-07-28 handler refuses them, as it did before the dispatch step.
  { title: 'an empty batch', endpoint: '/mcp', body: [], headers: SESSION, to: 'stateless-sdk' },
  {
    title: 'a body that is not JSON-RPC',
    endpoint: '/mcp',
    body: { jsonrpc: '2.0' },
    headers: SESSION,
    to: 'stateless-sdk',
  },
  {
    title: 'a session batch with a message that is not JSON-RPC',
    endpoint: '/mcp',
    body: [call('echo'), { jsonrpc: '2.0' }],
    headers: SESSION,
    to: 'stateless-sdk',
  },
  {
    title: 'a 2026-07-28 call of a pure tool',
    endpoint: '/mcp',
    body: call('echo', ENVELOPE),
    headers: modernHeaders('tools/call', 'echo'),
    to: 'pure-tool',
  },
  {
    title: 'a 2026-07-28 call of another tool',
    endpoint: '/mcp',
    body: call('whoami', ENVELOPE),
    headers: modernHeaders('tools/call', 'whoami'),
    to: 'stateless-engine',
  },
  {
    title: 'a 2026-07-28 call whose Mcp-Name disagrees (the SDK refuses it)',
    endpoint: '/mcp',
    body: call('whoami', ENVELOPE),
    headers: modernHeaders('tools/call', 'echo'),
    to: 'stateless-sdk',
  },
  {
    title: 'a 2026-07-28 tools/list',
    endpoint: '/mcp',
    body: { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: ENVELOPE } },
    headers: modernHeaders('tools/list'),
    to: 'stateless-sdk',
  },
  { title: '/messages: a message', endpoint: '/messages', body: call('echo'), to: 'sse-2024' },
  {
    title: '/messages: not JSON-RPC (refused after the session check)',
    endpoint: '/messages',
    body: { a: 1 },
    to: 'sse-2024',
  },
  { title: '/http: a pure call', endpoint: '/http', body: call('echo'), to: 'pure-tool' },
  {
    title: '/http: another request',
    endpoint: '/http',
    body: { jsonrpc: '2.0', id: 3, method: 'tools/list' },
    to: 'plain-json',
  },
  { title: '/http: a batch', endpoint: '/http', body: [call('echo')], to: 'refused', status: 400 },
  {
    title: '/http: a notification',
    endpoint: '/http',
    body: { jsonrpc: '2.0', method: 'notifications/initialized' },
    to: 'refused',
    status: 400,
  },
];

let app: FastifyInstance;
let engine: StatelessEngine;
let deciders: Deciders;

beforeAll(async () => {
  const factory = createServerFactory({ packs: PACKS, context: { logger: pino({ level: 'silent' }) } });
  engine = new StatelessEngine(factory, { keepAliveMs: 0, retryAfterSeconds: 1 });
  app = Fastify();
  await app.register(rawJsonBody);
  // Each route answers with what the dispatch step decided (the decision, not the handler's answer).
  for (const endpoint of ['/mcp', '/messages', '/http'] as const) {
    app.post(endpoint, async (request) => {
      const dispatch = decide(endpoint, request, deciders);
      return {
        to: dispatch.to,
        ...(dispatch.to === 'refused' ? { status: dispatch.response.status } : {}),
        ...(dispatch.to === 'session-requests' ? { pure: dispatch.pureAnswer !== undefined } : {}),
        ...(dispatch.to === 'sse-2024' ? { message: dispatch.message !== undefined } : {}),
      };
    });
  }
  await app.ready();
});

afterAll(async () => {
  await Promise.allSettled([app?.close(), engine?.close()]);
});

async function decided(endpoint: McpPostEndpoint, body: unknown, headers: Headers = {}) {
  const response = await app.inject({
    method: 'POST',
    url: endpoint,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  expect(response.statusCode).toBe(200);
  return response.json() as { to: string; status?: number; pure?: boolean; message?: boolean };
}

describe('the dispatch step: who answers each POST', () => {
  it.each(cases)('$title -> $to', async ({ endpoint, body, headers, to, status, pure }) => {
    deciders = { engine, direct: new DirectToolCalls(pureToolsOf(PACKS)) };
    const decision = await decided(endpoint, body, headers);
    expect(decision.to).toBe(to);
    if (status !== undefined) expect(decision.status).toBe(status);
    if (pure !== undefined) expect(decision.pure).toBe(pure);
    if (endpoint === '/messages')
      expect(decision.message).toBe(typeof body === 'object' && body !== null && 'jsonrpc' in body);
  });

  it('without the pure-tool shortcut, pure calls go to their era path: the engine, /http, the session', async () => {
    deciders = { engine };
    expect((await decided('/mcp', call('echo', ENVELOPE), modernHeaders('tools/call', 'echo'))).to).toBe(
      'stateless-engine',
    );
    expect((await decided('/http', call('echo'))).to).toBe('plain-json');
    expect(await decided('/mcp', call('echo'), SESSION)).toEqual({ to: 'session-requests', pure: false });
  });
});
