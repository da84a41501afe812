// A backend that is down must not block the pool: a stdio server that exits at once and an HTTP URL
// on a closed port and a gRPC address on a closed port sit next to a real server-everything; lists and the tool loop go on without them.
import { getFreePort } from '@mcs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpClientPool, createProvider, type McpClientPool, type StreamPart } from '../src/index.js';
import { everythingStdio, fastSupervision } from './fixtures/backends.js';
import { type ScriptedModel, startScriptedModel } from './scripted-model.js';

let pool: McpClientPool;
let model: ScriptedModel;

beforeAll(async () => {
  model = await startScriptedModel();
  const closedPort = await getFreePort();
  const closedGrpcPort = await getFreePort();
  pool = createMcpClientPool(
    {
      backends: {
        local: everythingStdio(),
        dead: {
          transport: 'stdio',
          command: process.execPath,
          args: ['-e', 'process.exit(3)'],
          supervision: fastSupervision,
        },
        closed: { transport: 'http', url: `http://127.0.0.1:${closedPort}/mcp`, supervision: fastSupervision },
        nogateway: { transport: 'grpc', address: `127.0.0.1:${closedGrpcPort}` },
      },
    },
    { listWaitMs: 5_000 },
  );
  const connected = await pool.connect({ timeoutMs: 30_000 });
  expect(connected.ready).toEqual(['local']);
  expect(connected.failed.map(({ backend }) => backend).sort()).toEqual(['closed', 'dead', 'nogateway']);
}, 60_000);

afterAll(async () => {
  await pool?.close();
  await model?.close();
});

const unavailableNames = (list: { unavailable: { backend: string }[] }) =>
  list.unavailable.map(({ backend }) => backend).sort();

describe('a dead backend', () => {
  it('does not block listTools, listResources, listResourceTemplates or listPrompts; it is reported', async () => {
    const [tools, resources, templates, prompts] = await Promise.all([
      pool.listTools(),
      pool.listResources(),
      pool.listResourceTemplates(),
      pool.listPrompts(),
    ]);
    expect(tools.tools.map((tool) => tool.name)).toContain('local.echo');
    expect(tools.tools.every((tool) => tool.backend === 'local')).toBe(true);
    expect(resources.resources.length).toBeGreaterThan(0);
    expect(templates.resourceTemplates.length).toBeGreaterThan(0);
    expect(prompts.prompts.map((prompt) => prompt.name)).toContain('local.simple-prompt');
    for (const list of [tools, resources, templates, prompts])
      expect(unavailableNames(list)).toEqual(['closed', 'dead', 'nogateway']);
    const dead = tools.unavailable.find(({ backend }) => backend === 'dead')!;
    expect(dead.error).toMatchObject({ code: 'BACKEND_FAILED', backend: 'dead' });
    expect(dead.status).toBeTypeOf('string');
  });

  it('does not block generate: the model gets the tools that answered, the others are a stream part', async () => {
    await using provider = createProvider(
      { model: 'scripted-1', baseURL: model.baseURL, apiKey: 'test-key' },
      { pool, env: {} },
    );
    model.script([
      { toolCalls: [{ id: 'call_1', name: 'local__echo', arguments: { message: 'still here' } }] },
      { text: ['done'] },
    ]);
    const parts: StreamPart[] = [];
    for await (const part of provider.generateStream({ prompt: 'Echo' })) parts.push(part);
    // Right after `start`, before the first step.
    expect(parts.slice(0, 3).map((part) => part.type)).toEqual(['start', 'backends-unavailable', 'step-start']);
    expect(unavailableNames(parts[1] as { unavailable: { backend: string }[] })).toEqual([
      'closed',
      'dead',
      'nogateway',
    ]);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', text: 'done' });
    expect(parts.find((part) => part.type === 'tool-result')).toMatchObject({
      isError: false,
      content: 'Echo: still here',
    });
    const sent = (model.requests[0]!.tools as { function: { name: string } }[]).map((tool) => tool.function.name);
    expect(sent).toContain('local__echo');
    expect(sent.every((name) => name.startsWith('local__'))).toBe(true);

    model.script([{ text: ['ok'] }]);
    const result = await provider.generate({ prompt: 'again' });
    expect(result.text).toBe('ok');
    expect(result.unavailable.map(({ backend }) => backend).sort()).toEqual(['closed', 'dead', 'nogateway']);
  });
});
