import { generateSecretBoxKey } from '@mcs/auth';
import { type RedisServerHandle, startRedisServer, waitFor } from '@mcs/test-utils';
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeSession, JSON_AND_SSE, parseBody, sessionHeaders } from './helpers/raw-mcp.js';
import { buildServer, type ServerProcess, startServerProcess } from './helpers/replica-process.js';

const REPLICAS = 3;
/** One key ring for every replica: a sealed input-required `requestState` opens on any of them. */
const SECRET_KEYS = JSON.stringify({ keys: [{ id: 'k1', key: generateSecretBoxKey() }] });

type Replica = ServerProcess;

let redis: RedisServerHandle;
const replicas: Replica[] = [];

function startReplica(redisUrl: string): Promise<Replica> {
  return startServerProcess({
    redisUrl,
    env: { MCS_TOOL_PACKS: 'default,conformance', MCS_SECRET_KEYS: SECRET_KEYS },
  });
}

/** A fetch that sends each request to the next replica in turn. */
function roundRobinFetch(): { fetch: typeof fetch; hits: string[] } {
  let next = 0;
  const hits: string[] = [];
  const rotating = (input: string | URL | Request, init?: RequestInit) => {
    const replica = replicas[next % replicas.length] as Replica;
    next += 1;
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const target = new URL(url.pathname + url.search, replica.origin);
    hits.push(`${init?.method ?? 'GET'} ${replica.origin}`);
    return fetch(target, init);
  };
  return { fetch: rotating as typeof fetch, hits };
}

beforeAll(async () => {
  await buildServer();
  redis = await startRedisServer();
  for (let index = 0; index < REPLICAS; index += 1) replicas.push(await startReplica(redis.url));
}, 180_000);

afterAll(async () => {
  for (const replica of replicas) await replica.kill();
  await redis?.stop();
});

function textOf(result: unknown): string {
  return ((result as { content?: Array<{ text?: string }> }).content ?? []).map((block) => block.text ?? '').join('');
}

describe(`${REPLICAS} replicas (separate processes) sharing one Redis`, () => {
  it('serves one session whose requests alternate between replicas', { timeout: 60_000 }, async () => {
    const { fetch: rotating, hits } = roundRobinFetch();
    const client = new Client({ name: 'replica-test', version: '1.0.0' }, { capabilities: { sampling: {} } });
    client.setRequestHandler('sampling/createMessage', async () => ({
      model: 'scripted',
      role: 'assistant',
      content: { type: 'text', text: 'sampled across replicas' },
    }));
    const updates: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (notification) => {
      updates.push(notification.params.uri);
    });
    const transport = new StreamableHTTPClientTransport(new URL(`${replicas[0]?.origin}/mcp`), { fetch: rotating });
    await client.connect(transport);
    try {
      expect(transport.sessionId).toBeDefined();
      for (let round = 0; round < REPLICAS; round += 1) {
        const echo = await client.callTool({ name: 'echo', arguments: { text: `round ${round}` } });
        expect(textOf(echo)).toBe(`round ${round}`);
      }

      const progress: number[] = [];
      const withProgress = await client.callTool(
        { name: 'test_tool_with_progress', arguments: {} },
        { onprogress: (update: { progress: number }) => progress.push(update.progress) },
      );
      expect(textOf(withProgress)).toContain('successfully');
      // The SDK client may drop the last progress when it arrives together with the result.
      expect(progress.slice(0, 2)).toEqual([0, 50]);

      // The server asks the client (sampling); the answer is POSTed to another replica and routed back.
      const sampled = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'hi' } });
      expect(textOf(sampled)).toBe('LLM response: sampled across replicas');

      // The GET stream is held by one replica; the notification is produced on another.
      await client.subscribeResource({ uri: 'test://watched-resource' });
      await waitFor(async () => (await heldStreams()) > 0, { what: 'a held GET stream' });
      await client.callTool({ name: 'test_watched_resource_update', arguments: {} });
      await waitFor(() => updates.length > 0, { what: 'resources/updated on the GET stream' });
      expect(updates).toEqual(['test://watched-resource']);

      expect(new Set(hits.map((hit) => hit.split(' ')[1])).size).toBe(REPLICAS);
    } finally {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    }
  });

  it('2024-11-05 HTTP+SSE: the stream on one replica, the POSTs on the others', { timeout: 30_000 }, async () => {
    const { fetch: rotating, hits } = roundRobinFetch();
    const client = new Client({ name: 'sse-replica-test', version: '1.0.0' });
    const transport = new SSEClientTransport(new URL(`${replicas[0]?.origin}/sse`), { fetch: rotating });
    await client.connect(transport);
    try {
      for (let round = 0; round < REPLICAS; round += 1) {
        const echo = await client.callTool({ name: 'echo', arguments: { text: `sse ${round}` } });
        expect(textOf(echo)).toBe(`sse ${round}`);
      }
      const progress: number[] = [];
      await client.callTool(
        { name: 'test_tool_with_progress', arguments: {} },
        { onprogress: (update: { progress: number }) => progress.push(update.progress) },
      );
      // The SDK client may drop the last progress when it arrives together with the result.
      expect(progress.slice(0, 2)).toEqual([0, 50]);
      expect(new Set(hits.map((hit) => hit.split(' ')[1])).size).toBe(REPLICAS);
    } finally {
      await client.close();
    }
  });

  it('2026-07-28 stateless requests on every replica', { timeout: 30_000 }, async () => {
    const { fetch: rotating, hits } = roundRobinFetch();
    const client = new Client(
      { name: 'modern-replica-test', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(`${replicas[0]?.origin}/mcp`), { fetch: rotating }));
    try {
      for (let round = 0; round < REPLICAS; round += 1) {
        const echo = await client.callTool({ name: 'echo', arguments: { text: `modern ${round}` } });
        expect(textOf(echo)).toBe(`modern ${round}`);
      }
      expect(new Set(hits.map((hit) => hit.split(' ')[1])).size).toBe(REPLICAS);
    } finally {
      await client.close();
    }
  });

  it('2026-07-28 input-required rounds of one call, each on another replica', { timeout: 30_000 }, async () => {
    const { fetch: rotating, hits } = roundRobinFetch();
    const client = new Client(
      { name: 'replica-mrtr', version: '1.0.0' },
      { capabilities: { elicitation: {} }, versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    const asked: string[] = [];
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.push(request.params.message);
      return { action: 'accept', content: { name: 'Ann', color: 'teal' } };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${replicas[0]?.origin}/mcp`), { fetch: rotating }));
    try {
      const before = hits.length;
      const result = await client.callTool({ name: 'test_input_required_result_multi_round', arguments: {} });
      expect(textOf(result)).toBe('Multi-round complete for Ann who likes teal');
      expect(asked).toEqual(['Step 1: What is your name?', 'Step 2: What is your favorite color?']);
      // Three rounds, three processes: the state between them travelled sealed with the client.
      expect(new Set(hits.slice(before)).size).toBe(REPLICAS);
    } finally {
      await client.close();
    }
  });

  it('a task created on one replica is polled on a second and cancelled on a third', { timeout: 30_000 }, async () => {
    let id = 1;
    const rpc = async (replica: Replica | undefined, method: string, params: Record<string, unknown>, name: string) => {
      const response = await fetch(`${replica?.origin}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: JSON_AND_SSE,
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': method,
          'mcp-name': name,
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: id++,
          method,
          params: {
            ...params,
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } },
            },
          },
        }),
      });
      const messages = parseBody(response.headers.get('content-type'), await response.text());
      return messages.find((message) => 'result' in message)?.result as Record<string, unknown>;
    };
    const created = await rpc(
      replicas[0],
      'tools/call',
      { name: 'slow_compute', arguments: { seconds: 30 } },
      'slow_compute',
    );
    expect(created).toMatchObject({ resultType: 'task', status: 'working' });
    const taskId = created.taskId as string;
    expect(await rpc(replicas[1], 'tasks/get', { taskId }, taskId)).toMatchObject({ taskId, status: 'working' });
    expect(await rpc(replicas[2], 'tasks/cancel', { taskId }, taskId)).toMatchObject({ resultType: 'complete' });
    expect(await rpc(replicas[0], 'tasks/get', { taskId }, taskId)).toMatchObject({ taskId, status: 'cancelled' });
  });

  it('a cancellation POSTed to another replica reaches the request and frees its server', {
    timeout: 30_000,
  }, async () => {
    const { fetch: rotating } = roundRobinFetch();
    const client = new Client({ name: 'cancel-test', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    const controller = new AbortController();
    let asked = false;
    // The user never answers: the client gives up and cancels the tool call instead.
    client.setRequestHandler('elicitation/create', async () => {
      asked = true;
      controller.abort();
      return new Promise<never>(() => undefined);
    });
    const transport = new StreamableHTTPClientTransport(new URL(`${replicas[0]?.origin}/mcp`), { fetch: rotating });
    await client.connect(transport);
    try {
      await expect(
        client.callTool(
          { name: 'test_elicitation', arguments: { message: 'never answered' } },
          { signal: controller.signal },
        ),
      ).rejects.toThrow();
      expect(asked).toBe(true);
      await waitFor(async () => (await sumOfMetric('mcs_exchanges')) === 0, { what: 'no exchange left running' });
    } finally {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    }
  });

  it('resumes a request stream with Last-Event-ID on another replica', { timeout: 30_000 }, async () => {
    const [first, second] = replicas as [Replica, Replica];
    const version = '2025-11-25';
    const sessionId = await initializeSession(`${first.origin}/mcp`, version);
    const controller = new AbortController();
    const response = await fetch(`${first.origin}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: JSON_AND_SSE, ...sessionHeaders(sessionId, version) },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: 'p1' } },
      }),
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    // Read up to the priming event (an id and no data), then drop the connection.
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let buffered = '';
    while (!/^id: (.+)$/m.test(buffered)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += new TextDecoder().decode(value);
    }
    const lastEventId = /^id: (.+)$/m.exec(buffered)?.[1];
    expect(lastEventId).toBeDefined();
    controller.abort();

    const resumed = await fetch(`${second.origin}/mcp`, {
      headers: {
        accept: 'text/event-stream',
        'last-event-id': lastEventId ?? '',
        ...sessionHeaders(sessionId, version),
      },
    });
    expect(resumed.status).toBe(200);
    const messages = parseBody('text/event-stream', await resumed.text());
    const result = messages.find((message) => message.id === 7);
    expect(textOf(result?.result)).toContain('successfully');
    const progressValues = messages
      .filter((message) => message.method === 'notifications/progress')
      .map((message) => (message.params as { progress: number }).progress);
    expect(progressValues.length).toBeGreaterThan(0);
    expect(progressValues.at(-1)).toBe(100);
  });

  it('stops gracefully on SIGTERM (exit code 0)', { timeout: 30_000 }, async () => {
    const replica = replicas[REPLICAS - 1] as Replica;
    replica.child.kill('SIGTERM');
    const [code] = await replica.exited;
    expect(code).toBe(0);
  });
});

async function sumOfMetric(name: string): Promise<number> {
  let total = 0;
  for (const replica of replicas) {
    if (replica.child.exitCode !== null) continue;
    const metrics = await (await fetch(`${replica.origin}/metrics`)).text();
    total += Number(new RegExp(`^${name} (\\d+)`, 'm').exec(metrics)?.[1] ?? '0');
  }
  return total;
}

const heldStreams = () => sumOfMetric('mcs_streams');
