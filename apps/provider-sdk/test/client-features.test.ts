// The pool as a full MCP client against real servers: server-everything's elicitation, sampling and
// roots trigger tools, its progress, log and resource-update notifications, and a tiny counting
// server (fixtures/catalog-server.mjs) for list caching and list_changed re-listing.
import { fileURLToPath } from 'node:url';
import { waitFor } from '@mcs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMcpClientPool,
  createSamplingHandler,
  type ElicitationAnswer,
  type ElicitationRequest,
  type McpClientPool,
  type PoolEventMap,
  type SamplingModelInput,
  type SamplingRequest,
} from '../src/index.js';
import { everythingStdio, fastSupervision, startEverythingHttp } from './fixtures/backends.js';

const catalogServer = fileURLToPath(new URL('./fixtures/catalog-server.mjs', import.meta.url));

// Text parts, and the message of a tool's error part.
const textOf = (result: { parts: { type: string; text?: string; message?: string }[] }) =>
  result.parts.map((part) => part.text ?? part.message ?? '').join('\n');

describe('client features against server-everything (stdio)', () => {
  let pool: McpClientPool;
  const elicitations: ElicitationRequest[] = [];
  let nextAnswer: (request: ElicitationRequest) => ElicitationAnswer = () => ({ action: 'cancel' });
  const sampled: { request: SamplingRequest; input: SamplingModelInput }[] = [];
  let approve = true;

  beforeAll(async () => {
    let pending: SamplingRequest | undefined;
    pool = createMcpClientPool(
      { backends: { everything: everythingStdio() } },
      {
        onElicitation: (request) => {
          elicitations.push(request);
          return nextAnswer(request);
        },
        onSampling: createSamplingHandler({
          approve: (request) => {
            pending = request;
            return approve;
          },
          callModel: async (input) => {
            sampled.push({ request: pending!, input });
            return { text: 'a sampled answer', model: 'scripted-model', finishReason: 'stop' };
          },
        }),
        roots: [{ uri: 'file:///work/first', name: 'first' }],
      },
    );
    const { failed } = await pool.connect();
    expect(failed).toEqual([]);
  }, 30_000);

  afterAll(() => pool?.close());

  it('advertises elicitation, sampling and roots: the server offers the tools that need them', async () => {
    const { tools } = await pool.listTools();
    const names = tools.map((tool) => tool.backendToolName);
    expect(names).toEqual(
      expect.arrayContaining([
        'trigger-elicitation-request',
        'trigger-url-elicitation',
        'trigger-sampling-request',
        'get-roots-list',
      ]),
    );
    // Without capabilities server-everything offers 13 tools.
    expect(names.length).toBeGreaterThan(13);
  });

  it('form elicitation: the handler sees the schema and its defaults; omitted fields get them (SEP-1034)', async () => {
    nextAnswer = () => ({ action: 'accept', content: { name: 'Ada Lovelace', check: true } });
    const result = await pool.callTool('everything.trigger-elicitation-request');
    const request = elicitations.at(-1)!;
    expect(request).toMatchObject({ mode: 'form', backend: 'everything' });
    if (request.mode !== 'form') throw new Error('expected a form');
    expect(request.defaults).toMatchObject({ integer: 42, untitledSingleSelectEnum: 'Monica' });
    expect(request.validate({ name: 'x' })).toEqual({ ok: true });
    expect(request.validate({ name: 'x', integer: 500 })).toMatchObject({ ok: false });
    const text = textOf(result);
    expect(text).toContain('- Name: Ada Lovelace');
    expect(text).toContain('- Agreed to terms: true');
    expect(text).toContain('- Favorite Integer: 42');
    expect(text).toContain('"firstLine": "It was a dark and stormy night."');
  });

  it('decline and cancel reach the server as such', async () => {
    nextAnswer = () => ({ action: 'decline' });
    expect(textOf(await pool.callTool('everything.trigger-elicitation-request'))).toContain('User declined');
    nextAnswer = () => ({ action: 'cancel' });
    expect(textOf(await pool.callTool('everything.trigger-elicitation-request'))).toContain('User cancelled');
  });

  it('an answer that does not match the requested schema is never sent: the server gets an error', async () => {
    nextAnswer = () => ({ action: 'accept', content: { name: 'Ada', integer: 500 } });
    const result = await pool.callTool('everything.trigger-elicitation-request');
    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).toContain('does not match the requested schema');
    expect(text).not.toContain('500');
  });

  it('URL elicitation: the handler gets the URL; accept is sent without content', async () => {
    nextAnswer = () => ({ action: 'accept' });
    const result = await pool.callTool('everything.trigger-url-elicitation', { url: 'https://example.com/sign-in' });
    expect(elicitations.at(-1)).toMatchObject({ mode: 'url', url: 'https://example.com/sign-in' });
    expect(textOf(result)).toContain('User completed the URL elicitation flow');
  });

  it('sampling: approved requests run the model with the server messages; refused ones are errors', async () => {
    approve = true;
    const result = await pool.callTool('everything.trigger-sampling-request', { prompt: 'say hi', maxTokens: 50 });
    const text = textOf(result);
    expect(text).toContain('a sampled answer');
    expect(text).toContain('scripted-model');
    expect(text).toContain('endTurn');
    const { request, input } = sampled.at(-1)!;
    expect(request.backend).toBe('everything');
    expect(input).toMatchObject({ system: 'You are a helpful test server.', maxTokens: 50, temperature: 0.7 });
    expect(JSON.stringify(input.messages)).toContain('say hi');

    approve = false;
    const count = sampled.length;
    const refused = await pool.callTool('everything.trigger-sampling-request', { prompt: 'again' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('rejected');
    expect(sampled.length).toBe(count);
  });

  it('roots: the server asks for them, and again after setRoots (roots/list_changed)', async () => {
    expect(textOf(await pool.callTool('everything.get-roots-list'))).toContain('file:///work/first');
    const logs: PoolEventMap['log'][] = [];
    const off = pool.on('log', (event) => logs.push(event));
    await pool.setRoots([
      { uri: 'file:///work/first', name: 'first' },
      { uri: 'file:///work/second', name: 'second' },
    ]);
    // The server re-requests the roots on the notification and logs what it got.
    await waitFor(() => logs.some((event) => String(event.data).includes('2 root(s) received')), {
      timeoutMs: 10_000,
      what: 'the server to ask for the new roots',
    });
    off();
    expect(textOf(await pool.callTool('everything.get-roots-list'))).toContain('file:///work/second');
    await expect(pool.setRoots([{ uri: 'https://example.com' }])).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('progress of a tool call is an event (and the call`s onProgress)', async () => {
    const events: PoolEventMap['progress'][] = [];
    const own: number[] = [];
    const off = pool.on('progress', (event) => events.push(event));
    await pool.callTool(
      'everything.trigger-long-running-operation',
      { duration: 0.3, steps: 3 },
      { onProgress: ({ progress }) => own.push(progress) },
    );
    off();
    // The last update and the result may cross: the SDK drops progress of a call already answered.
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.map((event) => event.total)).toEqual(events.map(() => 3));
    expect(events[0]).toMatchObject({ backend: 'everything', tool: 'everything.trigger-long-running-operation' });
    expect(own).toEqual(events.map((event) => event.progress));
  });

  it('log messages at the level asked for are events', async () => {
    const logs: PoolEventMap['log'][] = [];
    const off = pool.on('log', (event) => logs.push(event));
    await pool.setLoggingLevel('debug');
    await pool.callTool('everything.toggle-simulated-logging');
    await waitFor(() => logs.length > 0, { timeoutMs: 10_000, what: 'a log event' });
    await pool.callTool('everything.toggle-simulated-logging');
    off();
    expect(logs[0]).toMatchObject({ backend: 'everything', level: expect.any(String) });
  });

  it('resources/subscribe: updates of a subscribed resource are events', async () => {
    const { resources } = await pool.listResources();
    const uri = resources[0]!.uri;
    const updates: PoolEventMap['resource_updated'][] = [];
    const off = pool.on('resource_updated', (event) => updates.push(event));
    await pool.subscribeResource(uri);
    await pool.callTool('everything.toggle-subscriber-updates');
    await waitFor(() => updates.length > 0, { timeoutMs: 10_000, what: 'a resource update' });
    await pool.callTool('everything.toggle-subscriber-updates');
    await pool.unsubscribeResource(uri);
    off();
    expect(updates[0]).toEqual({ backend: 'everything', uri });
  });
});

async function listCounts(pool: McpClientPool): Promise<Record<string, number>> {
  return JSON.parse(textOf(await pool.callTool('catalog.list-counts')));
}

function catalogPool(env: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  return createMcpClientPool({
    backends: {
      catalog: {
        transport: 'stdio',
        command: process.execPath,
        args: [catalogServer],
        env,
        supervision: fastSupervision,
        ...extra,
      },
    },
  });
}

describe('list caching', () => {
  it('lists are asked once and again only after list_changed', async () => {
    await using pool = catalogPool();
    for (let round = 0; round < 3; round++) await pool.listTools();
    await pool.listPrompts();
    await pool.listPrompts();
    expect(await listCounts(pool)).toEqual({ 'tools/list': 1, 'prompts/list': 1 });

    const changed = new Promise<PoolEventMap['list_changed']>((resolve) => {
      const off = pool.on('list_changed', (event) => {
        off();
        resolve(event);
      });
    });
    await pool.callTool('catalog.add-tool', { name: 'late-tool' });
    expect(await changed).toEqual({ backend: 'catalog', kind: 'tools' });
    const { tools } = await pool.listTools();
    expect(tools.map((tool) => tool.name)).toContain('catalog.late-tool');
    await pool.listTools();
    // Prompts did not change: still the first listing.
    await pool.listPrompts();
    expect(await listCounts(pool)).toEqual({ 'tools/list': 2, 'prompts/list': 1 });
  });

  it('a server that never announces changes: lists are kept for listCacheTtlMs; 0 asks every time', async () => {
    {
      await using pool = catalogPool({ LIST_CHANGED: '0' });
      for (let round = 0; round < 3; round++) await pool.listTools();
      expect((await listCounts(pool))['tools/list']).toBe(1);
    }
    await using pool = catalogPool({ LIST_CHANGED: '0' }, { listCacheTtlMs: 0 });
    for (let round = 0; round < 3; round++) await pool.listTools();
    expect((await listCounts(pool))['tools/list']).toBe(3);
  });
});

describe('a backend that has just died', () => {
  it('is left out of the next listing as down, without waiting for listWaitMs', async () => {
    const http = await startEverythingHttp();
    await using pool = createMcpClientPool(
      { backends: { remote: { transport: 'http', url: http.url, supervision: fastSupervision } } },
      { listWaitMs: 10_000 },
    );
    try {
      expect((await pool.connect()).failed).toEqual([]);
    } finally {
      await http.stop();
    }
    // The first request after the death fails to connect; its retry finds the backend restarting.
    const { resourceTemplates, unavailable } = await pool.listResourceTemplates();
    expect(resourceTemplates).toEqual([]);
    expect(unavailable).toHaveLength(1);
    expect(unavailable[0]!.status).toBe('restarting');
    // Not the "did not answer within 10000 ms" of a listing that waited its whole bound.
    expect(unavailable[0]!.error.category).toBe('unavailable');
    // And the one after that does not even ask.
    expect((await pool.listTools()).unavailable[0]).toMatchObject({ backend: 'remote', status: 'restarting' });
  }, 30_000);
});

describe('the policy deadline of a call without a signal', () => {
  it('still ends a call that keeps reporting progress (the backend enforces it)', async () => {
    await using pool = createMcpClientPool({
      backends: {
        everything: { ...everythingStdio(), policy: { timeout: { timeoutMs: 300 }, retry: { maxRetries: 0 } } },
      },
    });
    const progress: number[] = [];
    // Progress every 100 ms restarts the inactivity timeout (callTimeoutMs); only the deadline ends it.
    const call = pool.callTool(
      'everything.trigger-long-running-operation',
      { duration: 20, steps: 200 },
      { onProgress: ({ progress: step }) => progress.push(step) },
    );
    await expect(call).rejects.toMatchObject({ code: 'BACKEND_FAILED', category: 'timeout' });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.length).toBeLessThan(100);
  }, 30_000);
});
