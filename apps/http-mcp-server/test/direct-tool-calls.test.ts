// The direct path (src/mcp/shared/direct-tool-calls.ts) against the SDK: the same request sent to a server
// that answers pure tools itself and to one that serves everything through the SDK
// (MCS_DIRECT_TOOL_CALLS=off) gets the same answer, for every request the direct path takes and for
// the ones it must leave to the SDK. Each case also states whether the direct path takes it, so the
// comparison cannot pass by the direct path never answering.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectToolCalls } from '../src/mcp/shared/direct-tool-calls.js';
import { asPlainRequest } from '../src/mcp/shared/plain-request.js';
import { pureToolsOf } from '../src/packs/index.js';
import { initializeSession, JSON_AND_SSE, post, type RawResponse, sessionHeaders } from './helpers/raw-mcp.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const MODERN = '2026-07-28';
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'direct-test', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

type Body = Record<string, unknown>;

function withoutKey(object: Body, key: string): Body {
  const { [key]: _dropped, ...rest } = object;
  return rest;
}
type Headers = Record<string, string>;

function call(name: string, args: unknown, extra: { id?: unknown; meta?: Body; params?: Body } = {}): Body {
  return {
    jsonrpc: '2.0',
    id: 'id' in extra ? extra.id : 7,
    method: 'tools/call',
    params: {
      name,
      ...(args === undefined ? {} : { arguments: args }),
      ...(extra.meta ? { _meta: extra.meta } : {}),
      ...extra.params,
    },
  };
}

function modernHeaders(name: string, overrides: Headers = {}): Headers {
  return { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': name, ...overrides };
}

/** What a client sees: status and the JSON-RPC message(s), whatever the framing (JSON or SSE). */
function observed(response: RawResponse) {
  return { status: response.status, messages: response.messages.map(withoutClock) };
}

/** `time` answers with the clock: keep its shape, drop the instant. */
function withoutClock(message: Record<string, unknown>): Record<string, unknown> {
  const result = message.result as { structuredContent?: Record<string, unknown>; content?: unknown[] } | undefined;
  if (result?.structuredContent && 'epochMs' in result.structuredContent) {
    const { timezone } = result.structuredContent;
    return {
      ...message,
      result: {
        ...result,
        structuredContent: { timezone, clock: 'removed' },
        content: (result.content ?? []).map(() => 'clock text'),
      },
    };
  }
  return message;
}

let direct: TestServer;
let sdk: TestServer;
const decider = new DirectToolCalls(pureToolsOf(['default', 'conformance']));

beforeAll(async () => {
  direct = await startTestServer({ MCS_TOOL_PACKS: 'default,conformance' });
  sdk = await startTestServer({ MCS_TOOL_PACKS: 'default,conformance', MCS_DIRECT_TOOL_CALLS: 'off' });
});

afterAll(async () => {
  await Promise.all([direct?.close(), sdk?.close()]);
});

interface Case {
  title: string;
  body: unknown;
  headers?: Headers;
  /** Whether the direct path answers it (else the SDK does, on both servers). */
  takesIt: boolean;
}

const echo = (args: unknown, extra?: Parameters<typeof call>[2]) => call('echo', args, extra);

describe('2026-07-28 requests at /mcp', () => {
  const cases: Case[] = [
    { title: 'echo', body: echo({ text: 'hi' }, { meta: ENVELOPE }), takesIt: true },
    { title: 'echo with a string id', body: echo({ text: 'a' }, { id: 'req-1', meta: ENVELOPE }), takesIt: true },
    {
      title: 'echo with a progress token',
      body: echo({ text: 'p' }, { meta: { ...ENVELOPE, progressToken: 'tok' } }),
      takesIt: true,
    },
    {
      title: 'time in a zone',
      body: call('time', { timezone: 'Europe/Paris' }, { meta: ENVELOPE }),
      headers: modernHeaders('time'),
      takesIt: true,
    },
    { title: 'echo with an argument of the wrong type', body: echo({ text: 5 }, { meta: ENVELOPE }), takesIt: false },
    { title: 'echo without arguments', body: echo(undefined, { meta: ENVELOPE }), takesIt: false },
    {
      title: 'echo with text over its limit',
      body: echo({ text: 'x'.repeat(100_001) }, { meta: ENVELOPE }),
      takesIt: false,
    },
    {
      title: 'an unknown tool',
      body: call('nope', {}, { meta: ENVELOPE }),
      headers: modernHeaders('nope'),
      takesIt: false,
    },
    {
      title: 'a tool that is not pure',
      body: call('whoami', {}, { meta: ENVELOPE }),
      headers: modernHeaders('whoami'),
      takesIt: false,
    },
    {
      title: 'Mcp-Name naming another tool',
      body: echo({ text: 'hi' }, { meta: ENVELOPE }),
      headers: modernHeaders('time'),
      takesIt: false,
    },
    {
      title: 'no Mcp-Method header',
      body: echo({ text: 'hi' }, { meta: ENVELOPE }),
      headers: { 'mcp-protocol-version': MODERN, 'mcp-name': 'echo' },
      takesIt: false,
    },
    {
      title: 'a version header with surrounding blanks',
      body: echo({ text: 'hi' }, { meta: ENVELOPE }),
      headers: modernHeaders('echo', { 'mcp-protocol-version': ` ${MODERN} ` }),
      takesIt: false,
    },
    {
      title: 'an envelope without clientCapabilities',
      body: echo({ text: 'hi' }, { meta: withoutKey(ENVELOPE, 'io.modelcontextprotocol/clientCapabilities') }),
      takesIt: false,
    },
    {
      title: 'an envelope without clientInfo (optional there)',
      body: echo({ text: 'hi' }, { meta: withoutKey(ENVELOPE, 'io.modelcontextprotocol/clientInfo') }),
      takesIt: true,
    },
    {
      title: 'an envelope with a large extra member (classified, not cached)',
      body: echo({ text: 'big' }, { meta: { ...ENVELOPE, 'example.com/trace': 'x'.repeat(10_000) } }),
      takesIt: true,
    },
    {
      title: 'an envelope with a malformed clientInfo',
      body: echo({ text: 'hi' }, { meta: { ...ENVELOPE, 'io.modelcontextprotocol/clientInfo': { name: 3 } } }),
      takesIt: false,
    },
    {
      title: 'a task-augmented call',
      body: echo({ text: 'hi' }, { meta: ENVELOPE, params: { task: { ttl: 1000 } } }),
      takesIt: false,
    },
    { title: 'a fractional id', body: echo({ text: 'hi' }, { id: 1.5, meta: ENVELOPE }), takesIt: false },
    {
      title: 'a request with an extra top-level member',
      body: { ...echo({ text: 'hi' }, { meta: ENVELOPE }), extra: true },
      takesIt: false,
    },
    {
      title: 'Accept without text/event-stream',
      body: echo({ text: 'hi' }, { meta: ENVELOPE }),
      headers: modernHeaders('echo', { accept: 'application/json' }),
      takesIt: false,
    },
  ];

  it.each(cases)('$title: the same answer as the SDK', async ({ body, headers, takesIt }) => {
    const sent = headers ?? modernHeaders('echo');
    expect(decider.answerModern(asPlainRequest(body), { accept: JSON_AND_SSE, ...sent }) !== undefined).toBe(takesIt);
    const [ours, theirs] = await Promise.all([
      post(`${direct.origin}/mcp`, body, sent),
      post(`${sdk.origin}/mcp`, body, sent),
    ]);
    expect(observed(ours)).toEqual(observed(theirs));
    expect(ours.messages.length).toBe(1);
    if (takesIt) expect(ours.headers.get('content-type')).toMatch(/^application\/json/);
  });
});

describe.each(['2025-11-25', '2025-06-18', '2025-03-26'])('a %s session at /mcp', (version) => {
  let sessions: { direct: Headers; sdk: Headers };

  beforeAll(async () => {
    const [ours, theirs] = await Promise.all([
      initializeSession(`${direct.origin}/mcp`, version),
      initializeSession(`${sdk.origin}/mcp`, version),
    ]);
    sessions = { direct: sessionHeaders(ours, version), sdk: sessionHeaders(theirs, version) };
  });

  const cases: Case[] = [
    { title: 'echo', body: echo({ text: 'hi' }), takesIt: true },
    { title: 'echo with a progress token', body: echo({ text: 'p' }, { meta: { progressToken: 3 } }), takesIt: true },
    { title: 'time', body: call('time', {}), takesIt: true },
    { title: 'echo with an argument of the wrong type', body: echo({ text: [] }), takesIt: false },
    { title: 'an unknown tool', body: call('nope', {}), takesIt: false },
    { title: 'a batch of one echo', body: [echo({ text: 'b' })], takesIt: false },
    { title: 'a per-request envelope', body: echo({ text: 'e' }, { meta: ENVELOPE }), takesIt: false },
    {
      title: 'Accept without application/json',
      body: echo({ text: 'hi' }),
      headers: { accept: 'text/event-stream' },
      takesIt: false,
    },
  ];

  it.each(cases)('$title: the same answer as the SDK', async ({ body, headers = {}, takesIt }) => {
    expect(decider.answerSessionEra(body, { accept: JSON_AND_SSE, ...headers }) !== undefined).toBe(takesIt);
    const [ours, theirs] = await Promise.all([
      post(`${direct.origin}/mcp`, body, { ...sessions.direct, ...headers }),
      post(`${sdk.origin}/mcp`, body, { ...sessions.sdk, ...headers }),
    ]);
    expect(observed(ours)).toEqual(observed(theirs));
    if (takesIt) expect(ours.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('an unknown session is still 404 before any tool runs', async () => {
    const response = await post(
      `${direct.origin}/mcp`,
      echo({ text: 'hi' }),
      sessionHeaders('no-such-session', version),
    );
    expect(response.status).toBe(404);
  });
});

describe('POST /http', () => {
  const cases: Case[] = [
    { title: 'echo', body: echo({ text: 'hi' }), takesIt: true },
    { title: 'echo with an argument of the wrong type', body: echo({ text: false }), takesIt: false },
    { title: 'an unknown tool', body: call('nope', {}), takesIt: false },
  ];

  it.each(cases)('$title: the same answer as the SDK', async ({ body, takesIt }) => {
    expect(decider.answerSessionEra(body) !== undefined).toBe(takesIt);
    const [ours, theirs] = await Promise.all([post(`${direct.origin}/http`, body), post(`${sdk.origin}/http`, body)]);
    expect(observed(ours)).toEqual(observed(theirs));
  });
});
