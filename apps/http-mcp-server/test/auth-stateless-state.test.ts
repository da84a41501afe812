// With MCS_AUTH=on, what a 2026-07-28 caller gets back from an input-required round or a task is
// its own: bob cannot finish alice's multi-round call with her requestState, nor read or cancel her
// task, though both calls are stateless and carry no session.
import { describe, expect, it } from 'vitest';
import { OTHER_USER, obtainTokens, startAuthServer, startCallbackServer } from './auth-harness.js';
import { post } from './helpers/raw-mcp.js';

const MODERN = '2026-07-28';
const TASKS = 'io.modelcontextprotocol/tasks';

let nextId = 1;
async function rpc(resource: string, token: string, method: string, params: Record<string, unknown>, name: string) {
  const response = await post(
    resource,
    {
      jsonrpc: '2.0',
      id: nextId++,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientCapabilities': { elicitation: {}, extensions: { [TASKS]: {} } },
        },
      },
    },
    { authorization: `Bearer ${token}`, 'mcp-protocol-version': MODERN, 'mcp-method': method, 'mcp-name': name },
  );
  expect(response.status, response.text).toBeLessThan(500);
  return response.messages.find((message) => 'result' in message || 'error' in message) as {
    result?: Record<string, unknown>;
    error?: { code: number };
  };
}

describe('2026-07-28 state belongs to its caller (MCS_AUTH=on)', () => {
  it("bob cannot use alice's requestState or her task; alice can", { timeout: 60_000 }, async () => {
    await using server = await startAuthServer({ MCS_TOOL_PACKS: 'conformance' });
    await using callback = await startCallbackServer();
    const alice = (await obtainTokens(server, callback.redirectUri)).accessToken;
    const bob = (await obtainTokens(server, callback.redirectUri, { user: OTHER_USER })).accessToken;
    const tool = 'test_input_required_result_request_state';

    const round1 = await rpc(server.resource, alice, 'tools/call', { name: tool, arguments: {} }, tool);
    const retry = {
      name: tool,
      arguments: {},
      inputResponses: { confirm: { action: 'accept', content: { ok: true } } },
      requestState: round1.result?.requestState,
    };
    expect((await rpc(server.resource, bob, 'tools/call', retry, tool)).error?.code).toBe(-32602);
    expect((await rpc(server.resource, alice, 'tools/call', retry, tool)).result).toMatchObject({
      content: [{ type: 'text', text: 'state-ok: requestState validated' }],
    });

    const created = await rpc(
      server.resource,
      alice,
      'tools/call',
      { name: 'slow_compute', arguments: { seconds: 5 } },
      'slow_compute',
    );
    const taskId = created.result?.taskId as string;
    expect(typeof taskId).toBe('string');
    expect((await rpc(server.resource, bob, 'tasks/get', { taskId }, taskId)).error?.code).toBe(-32602);
    expect((await rpc(server.resource, bob, 'tasks/cancel', { taskId }, taskId)).error?.code).toBe(-32602);
    expect((await rpc(server.resource, alice, 'tasks/get', { taskId }, taskId)).result).toMatchObject({
      status: 'working',
    });
    expect((await rpc(server.resource, alice, 'tasks/cancel', { taskId }, taskId)).result?.resultType).toBe('complete');
  });
});
