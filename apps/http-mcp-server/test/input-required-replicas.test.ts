// 2026-07-28 across replicas: an input-required (multi round trip) call whose rounds land on
// different instances, and list changes made through one instance reaching a listen stream held by
// another. Two app instances share one real Redis (store and bus) and nothing else: each builds its
// own seal, pools and event bus, so what crosses between them is the sealed requestState the client
// carries and the Redis channel.
import { generateSecretBoxKey } from '@mcs/auth';
import { type RedisServerHandle, startRedisServer, waitFor } from '@mcs/test-utils';
import { Client, type FetchLike, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { post } from './helpers/raw-mcp.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const MODERN = '2026-07-28';
const SECRET_KEYS = JSON.stringify({ keys: [{ id: 'k1', key: generateSecretBoxKey() }] });

let redis: RedisServerHandle;
let first: TestServer;
let second: TestServer;
/** Same Redis, its own ephemeral secret key (no MCS_SECRET_KEYS): it cannot open the others' states. */
let stranger: TestServer;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  redis = await startRedisServer();
  const env = { MCS_TOOL_PACKS: 'conformance', REDIS_URL: redis.url, MCS_SHUTDOWN_TIMEOUT_MS: '2000' };
  first = await startTestServer({ ...env, MCS_SECRET_KEYS: SECRET_KEYS });
  second = await startTestServer({ ...env, MCS_SECRET_KEYS: SECRET_KEYS });
  stranger = await startTestServer(env);
}, 60_000);

afterAll(async () => {
  await Promise.all([first?.close(), second?.close(), stranger?.close()]);
  await redis?.stop();
});

afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

let nextId = 1;

/** One stateless `tools/call` round with plain fetch, so that the test chooses where each round goes. */
async function callRound(origin: string, name: string, extra: Record<string, unknown> = {}) {
  const response = await post(
    `${origin}/mcp`,
    {
      jsonrpc: '2.0',
      id: nextId++,
      method: 'tools/call',
      params: {
        name,
        arguments: {},
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientInfo': { name: 'replica-test', version: '1.0.0' },
          'io.modelcontextprotocol/clientCapabilities': { elicitation: {}, sampling: {} },
        },
        ...extra,
      },
    },
    { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': name },
  );
  const message = response.messages.find((candidate) => 'result' in candidate || 'error' in candidate);
  return {
    status: response.status,
    message: message as { result?: Record<string, unknown>; error?: { code: number } },
  };
}

const accept = (content: Record<string, unknown>) => ({ action: 'accept', content });

describe('input-required results across replicas (one Redis, same MCS_SECRET_KEYS)', () => {
  it('three rounds of a multi-round call on alternating instances complete; the state carries the name', async () => {
    const tool = 'test_input_required_result_multi_round';
    const round1 = await callRound(first.origin, tool);
    expect(round1.message.result).toMatchObject({ resultType: 'input_required', inputRequests: { step1: {} } });
    const state1 = round1.message.result?.requestState as string;
    expect(typeof state1).toBe('string');

    const round2 = await callRound(second.origin, tool, {
      inputResponses: { step1: accept({ name: 'Alice' }) },
      requestState: state1,
    });
    expect(round2.message.result).toMatchObject({ resultType: 'input_required', inputRequests: { step2: {} } });
    const state2 = round2.message.result?.requestState as string;
    // Sealed, not signed: the name the state carries is not readable by the client.
    expect(Buffer.from(state2.replaceAll('.', ''), 'base64url').toString('latin1')).not.toContain('Alice');

    const round3 = await callRound(first.origin, tool, {
      inputResponses: { step2: accept({ color: 'green' }) },
      requestState: state2,
    });
    expect(round3.message.result).toMatchObject({
      content: [{ type: 'text', text: 'Multi-round complete for Alice who likes green' }],
    });
  });

  it('an instance with other keys refuses the state (-32602), so does any instance for a tampered one, and another tool refuses it', async () => {
    const tool = 'test_input_required_result_request_state';
    const round1 = await callRound(first.origin, tool);
    const state = round1.message.result?.requestState as string;
    const answer = { confirm: accept({ ok: true }) };

    const elsewhere = await callRound(stranger.origin, tool, { inputResponses: answer, requestState: state });
    expect(elsewhere.message.error?.code).toBe(-32602);

    const tampered = await callRound(second.origin, tool, { inputResponses: answer, requestState: `${state}x` });
    expect(tampered.message.error?.code).toBe(-32602);

    // Replayed into another tool: same seal and caller, but not that tool's state. The seal opens
    // (the SDK's hook cannot see the tool name); the handler refuses it, which McpServer reports as
    // a tool error result.
    const replayed = await callRound(second.origin, 'test_input_required_result_tampered_state', {
      inputResponses: answer,
      requestState: state,
    });
    expect(replayed.message.result).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: expect.stringContaining('Invalid or expired requestState') }],
    });

    const good = await callRound(second.origin, tool, { inputResponses: answer, requestState: state });
    expect(good.message.result).toMatchObject({
      content: [{ type: 'text', text: 'state-ok: requestState validated' }],
    });
  });

  it("the SDK client's own retry loop answers elicitation and sampling while its requests alternate instances", async () => {
    const origins = [first.origin, second.origin];
    const seen: string[] = [];
    let turn = 0;
    // Every HTTP request of the client goes to the next instance in turn.
    const alternating: FetchLike = (input, init) => {
      const origin = origins[turn++ % origins.length] ?? first.origin;
      const url = new URL(String(input instanceof Request ? input.url : input));
      seen.push(origin);
      return fetch(`${origin}${url.pathname}${url.search}`, init);
    };
    const client = new Client(
      { name: 'replica-mrtr-client', version: '1.0.0' },
      { capabilities: { elicitation: {}, sampling: {}, roots: {} }, versionNegotiation: { mode: { pin: MODERN } } },
    );
    client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { name: 'Bob' } }));
    client.setRequestHandler('sampling/createMessage', async () => ({
      role: 'assistant',
      content: { type: 'text', text: 'Hi there' },
      model: 'scripted',
      stopReason: 'endTurn',
    }));
    client.setRequestHandler('roots/list', async () => ({ roots: [{ uri: 'file:///a', name: 'a' }] }));
    await client.connect(new StreamableHTTPClientTransport(new URL(`${first.origin}/mcp`), { fetch: alternating }));
    open.push(client);

    const before = seen.length;
    const result = await client.callTool({ name: 'test_input_required_result_multiple_inputs', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'Name: Bob; Greeting: Hi there; Roots: 1' }]);
    // Round 1 and its retry went to different instances.
    expect(new Set(seen.slice(before))).toEqual(new Set(origins));
  });
});

describe('list changes reach listen streams on another instance', () => {
  async function listener(origin: string, filter: { toolsListChanged?: boolean; promptsListChanged?: boolean }) {
    const client = new Client(
      { name: 'replica-listen', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: MODERN } } },
    );
    const got = { tools: 0, prompts: 0 };
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      got.tools += 1;
    });
    client.setNotificationHandler('notifications/prompts/list_changed', () => {
      got.prompts += 1;
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${origin}/mcp`)));
    open.push(client);
    await client.listen(filter);
    return got;
  }

  it("a tool-list change made through the second instance reaches the first one's tools stream, not its prompts stream", async () => {
    const tools = await listener(first.origin, { toolsListChanged: true });
    const prompts = await listener(first.origin, { promptsListChanged: true });

    const changed = await callRound(second.origin, 'test_trigger_tool_change');
    expect(changed.message.result).toMatchObject({ content: [{ type: 'text', text: 'Mutation triggered' }] });
    await waitFor(() => tools.tools > 0, { what: 'tools/list_changed on the first instance' });

    // A later prompt change proves the prompts stream was live and in order: it got that one only.
    await callRound(second.origin, 'test_trigger_prompt_change');
    await waitFor(() => prompts.prompts > 0, { what: 'prompts/list_changed on the first instance' });
    expect(prompts.tools).toBe(0);
    expect(tools).toEqual({ tools: 1, prompts: 0 });
  });
});
