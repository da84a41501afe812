// The tasks extension (SEP-2663) across replicas: tasks live in the SessionStore, so a task created
// through one instance is polled, fed input and cancelled through another. Two app instances share
// one real Redis and nothing else.
import { type RedisServerHandle, startRedisServer, waitFor } from '@mcs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from './helpers/raw-mcp.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const MODERN = '2026-07-28';
const TASKS = 'io.modelcontextprotocol/tasks';

let redis: RedisServerHandle;
let first: TestServer;
let second: TestServer;

beforeAll(async () => {
  redis = await startRedisServer();
  const env = { MCS_TOOL_PACKS: 'conformance', REDIS_URL: redis.url, MCS_SHUTDOWN_TIMEOUT_MS: '2000' };
  first = await startTestServer(env);
  second = await startTestServer(env);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([first?.close(), second?.close()]);
  await redis?.stop();
});

let nextId = 1;

type Answer = { result?: Record<string, unknown>; error?: { code: number; message: string } };

/** One 2026-07-28 request with plain fetch; `tasks: false` leaves the extension out of the capabilities. */
async function rpc(origin: string, method: string, params: Record<string, unknown>, tasks = true): Promise<Answer> {
  const name =
    typeof params.name === 'string' ? params.name : typeof params.taskId === 'string' ? params.taskId : undefined;
  const response = await post(
    `${origin}/mcp`,
    {
      jsonrpc: '2.0',
      id: nextId++,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientInfo': { name: 'tasks-replicas', version: '1.0.0' },
          'io.modelcontextprotocol/clientCapabilities': {
            elicitation: {},
            ...(tasks ? { extensions: { [TASKS]: {} } } : {}),
          },
        },
      },
    },
    { 'mcp-protocol-version': MODERN, 'mcp-method': method, ...(name === undefined ? {} : { 'mcp-name': name }) },
  );
  return response.messages.find((message) => 'result' in message || 'error' in message) as Answer;
}

async function statusOn(origin: string, taskId: string): Promise<Record<string, unknown>> {
  const answer = await rpc(origin, 'tasks/get', { taskId });
  if (answer.result === undefined) throw new Error(`tasks/get failed: ${JSON.stringify(answer.error)}`);
  return answer.result;
}

describe('tasks across two instances on one Redis', () => {
  it('a task created on one instance is polled on the other and completes with its result inlined', async () => {
    const created = await rpc(first.origin, 'tools/call', {
      name: 'slow_compute',
      arguments: { seconds: 0.3, label: 'x' },
    });
    expect(created.result).toMatchObject({
      resultType: 'task',
      status: 'working',
      ttlMs: 600_000,
      pollIntervalMs: 500,
    });
    const taskId = created.result?.taskId as string;
    expect(await statusOn(second.origin, taskId)).toMatchObject({ taskId, status: 'working', resultType: 'complete' });
    await waitFor(async () => (await statusOn(second.origin, taskId)).status === 'completed', { what: 'completed' });
    expect(await statusOn(second.origin, taskId)).toMatchObject({
      status: 'completed',
      result: { content: [{ type: 'text', text: 'slow_compute x: done after 0.3s' }] },
    });
  });

  it('a cancellation through the other instance wins over the completion of the step still running on the first', async () => {
    const created = await rpc(first.origin, 'tools/call', { name: 'slow_compute', arguments: { seconds: 0.5 } });
    const taskId = created.result?.taskId as string;
    const ack = await rpc(second.origin, 'tasks/cancel', { taskId });
    expect(ack.result).toEqual({ resultType: 'complete', _meta: expect.any(Object) });
    expect((await statusOn(first.origin, taskId)).status).toBe('cancelled');
    // The step on the first instance finishes after 0.5 s; the outcome stays "cancelled".
    await new Promise((resolve) => setTimeout(resolve, 900));
    const after = await statusOn(first.origin, taskId);
    expect(after.status).toBe('cancelled');
    expect(after).not.toHaveProperty('result');
    // Idempotent on a terminal task.
    expect((await rpc(first.origin, 'tasks/cancel', { taskId })).result?.resultType).toBe('complete');
  });

  it('input asked by a task created on one instance is answered through the other, which resumes it', async () => {
    const created = await rpc(first.origin, 'tools/call', { name: 'multi_input', arguments: {} });
    const taskId = created.result?.taskId as string;
    await waitFor(async () => (await statusOn(second.origin, taskId)).status === 'input_required', {
      what: 'input_required',
    });
    expect(Object.keys((await statusOn(second.origin, taskId)).inputRequests as object).sort()).toEqual([
      'first',
      'second',
    ]);

    const accept = { action: 'accept', content: { confirm: true } };
    await rpc(second.origin, 'tasks/update', { taskId, inputResponses: { first: accept } });
    const partial = await statusOn(first.origin, taskId);
    expect(partial.status).toBe('input_required');
    expect(Object.keys(partial.inputRequests as object)).toEqual(['second']);

    await rpc(first.origin, 'tasks/update', { taskId, inputResponses: { second: accept } });
    await waitFor(async () => (await statusOn(second.origin, taskId)).status === 'completed', { what: 'completed' });
  });

  it('without the extension: tasks/* are -32021, optional task tools run synchronously, required ones are -32021', async () => {
    const created = await rpc(first.origin, 'tools/call', { name: 'slow_compute', arguments: { seconds: 0.1 } });
    const taskId = created.result?.taskId as string;
    expect((await rpc(second.origin, 'tasks/get', { taskId }, false)).error?.code).toBe(-32021);
    const sync = await rpc(second.origin, 'tools/call', { name: 'slow_compute', arguments: { seconds: 0 } }, false);
    expect(sync.result).toMatchObject({
      resultType: 'complete',
      content: [{ type: 'text', text: 'slow_compute: done after 0s' }],
    });
    const required = await rpc(second.origin, 'tools/call', { name: 'failing_job', arguments: {} }, false);
    expect(required.error).toMatchObject({ code: -32021 });
    expect((await rpc(second.origin, 'tasks/get', { taskId: 'no-such-task' })).error?.code).toBe(-32602);
    for (const taskId of ['', 'x'.repeat(513), 'a\u0001b']) {
      const refused = await post(
        `${second.origin}/mcp`,
        {
          jsonrpc: '2.0',
          id: nextId++,
          method: 'tasks/get',
          params: {
            taskId,
            _meta: {
              'io.modelcontextprotocol/protocolVersion': MODERN,
              'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS]: {} } },
            },
          },
        },
        { 'mcp-protocol-version': MODERN, 'mcp-method': 'tasks/get', 'mcp-name': encodeURIComponent(taskId) || 'x' },
      );
      // Refused before the store sees it: a header mismatch or invalid params, never a server error.
      const error = refused.messages[0]?.error as { code: number } | undefined;
      expect([-32602, -32020], JSON.stringify(refused.messages)).toContain(error?.code);
    }
  });

  it('a replica that stops marks its running tasks failed, which the other replica reports', async () => {
    const third = await startTestServer({
      MCS_TOOL_PACKS: 'conformance',
      REDIS_URL: redis.url,
      MCS_SHUTDOWN_TIMEOUT_MS: '2000',
    });
    const created = await rpc(third.origin, 'tools/call', { name: 'slow_compute', arguments: { seconds: 60 } });
    const taskId = created.result?.taskId as string;
    await third.close();
    expect(await statusOn(first.origin, taskId)).toMatchObject({
      status: 'failed',
      error: { code: -32603, message: expect.stringContaining('stopped') },
    });
  });
});
