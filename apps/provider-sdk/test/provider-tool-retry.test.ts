// Tool calls are started again only when that is safe: a real stdio MCP server (test/fixtures/
// counting-server.mjs) writes one line per run to a file, so the test counts how often each call ran,
// across a kill and restart of the server.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@mcs/test-utils';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProvider, type Provider } from '../src/index.js';
import { mayRetryToolCall } from '../src/tool-call-retry.js';
import { fastSupervision } from './fixtures/backends.js';
import { collect } from './fixtures/scripted-provider.js';
import { type ScriptedModel, startScriptedModel } from './scripted-model.js';

const countingServer = fileURLToPath(new URL('./fixtures/counting-server.mjs', import.meta.url));
const backendNames = ['counting', 'slow', 'optin', 'whole'] as const;

let model: ScriptedModel;
let provider: Provider;
let dir: string;
const runsFile = (backend: string) => join(dir, `${backend}.runs`);

const counting = (backend: string, extra: Record<string, unknown> = {}) => ({
  transport: 'stdio' as const,
  command: process.execPath,
  args: [countingServer],
  env: { RUNS_FILE: runsFile(backend) },
  supervision: fastSupervision,
  // Short enough that a wrongly retried blocking call shows up as a second run, not a hung test.
  callTimeoutMs: 4_000,
  ...extra,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcs-tool-retry-'));
  for (const backend of backendNames) await writeFile(runsFile(backend), '');
  model = await startScriptedModel();
  provider = createProvider(
    {
      model: 'scripted-1',
      baseURL: model.baseURL,
      apiKey: 'test-key',
      mcp: {
        backends: {
          counting: counting('counting'),
          slow: counting('slow', { callTimeoutMs: 300 }),
          optin: counting('optin', {
            callTimeoutMs: 300,
            retryToolCalls: ['charge'],
            policy: { retry: { maxRetries: 1 } },
          }),
          // The whole backend opted in: even its unannotated tools are retried.
          whole: counting('whole', {
            callTimeoutMs: 300,
            retryToolCalls: 'always',
            policy: { retry: { maxRetries: 1 } },
          }),
        },
      },
    },
    { env: {} },
  );
  expect((await provider.pool!.connect()).failed).toEqual([]);
}, 30_000);

afterAll(async () => {
  await provider?.close();
  await model?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  for (const backend of backendNames) await writeFile(runsFile(backend), '');
});

const runs = async (backend: string, tool: string) =>
  (await readFile(runsFile(backend), 'utf8')).split('\n').filter((line) => line === tool).length;

/** Kills the stdio server of `backend` (SIGKILL: no goodbye) once `condition` holds. */
async function killWhen(backend: string, condition: () => Promise<boolean>) {
  await waitFor(condition, { what: `the tool runs of ${backend} to start` });
  const pid = provider.pool!.statuses().find((status) => status.backend === backend)?.pid;
  expect(pid).toBeTypeOf('number');
  process.kill(pid!, 'SIGKILL');
}

describe('tool-call retries', () => {
  it('a tool with side effects whose server is killed mid-call is not run again; the model is told', async () => {
    model.script([
      { toolCalls: [{ id: 'pay', name: 'counting__charge', arguments: { amount: 5 } }] },
      { text: 'sorry' },
    ]);
    const stream = collect(provider.generateStream({ prompt: 'charge 5' }));
    await killWhen('counting', async () => (await runs('counting', 'charge')) === 1);
    const parts = await stream;
    expect(parts.at(-1)).toMatchObject({ type: 'finish', text: 'sorry' });
    const result = parts.find((part) => part.type === 'tool-result');
    expect(result).toMatchObject({ id: 'pay', isError: true, error: { code: 'BACKEND_FAILED', backend: 'counting' } });
    expect(parts.some((part) => part.type === 'retry')).toBe(false);
    // The server is back (restarted): the charge still ran once.
    await waitFor(() => provider.pool!.statuses().find((status) => status.backend === 'counting')?.status === 'ready', {
      what: 'the counting server to restart',
    });
    expect(await runs('counting', 'charge')).toBe(1);
  }, 20_000);

  it('a call past callTimeoutMs is started once', async () => {
    model.script([
      { toolCalls: [{ id: 'pay', name: 'slow__charge', arguments: { amount: 1 } }] },
      { text: 'timed out' },
    ]);
    const parts = await collect(provider.generateStream({ prompt: 'charge 1' }));
    expect(parts.find((part) => part.type === 'tool-result')).toMatchObject({
      isError: true,
      error: { category: 'timeout' },
    });
    expect(parts.find((part) => part.type === 'tool-error')).toMatchObject({
      id: 'pay',
      name: 'slow.charge',
      backend: 'slow',
      transport: 'stdio',
      error: { category: 'timeout' },
    });
    expect(parts.some((part) => part.type === 'retry')).toBe(false);
    expect(await runs('slow', 'charge')).toBe(1);
  }, 20_000);

  it('read-only and idempotent tools are run again after their server was killed, and the stream says so', async () => {
    model.script([
      {
        toolCalls: [
          { id: 'read', name: 'counting__lookup', arguments: { key: 'a' } },
          { id: 'put', name: 'counting__upsert', arguments: { key: 'b' } },
        ],
      },
      { text: 'both done' },
    ]);
    const stream = collect(provider.generateStream({ prompt: 'look up a, upsert b' }));
    await killWhen(
      'counting',
      async () => (await runs('counting', 'lookup')) === 1 && (await runs('counting', 'upsert')) === 1,
    );
    const parts = await stream;
    expect(parts.at(-1)).toMatchObject({ type: 'finish', text: 'both done' });
    const results = parts.filter((part) => part.type === 'tool-result');
    expect(results.map((part) => [part.id, part.isError, part.content])).toEqual([
      ['read', false, 'lookup a: ok'],
      ['put', false, 'upsert b: ok'],
    ]);
    const retries = parts.filter((part) => part.type === 'retry');
    expect(retries.map((part) => part.target === 'tool' && [part.id, part.name, part.backend, part.attempt])).toEqual(
      expect.arrayContaining([
        ['read', 'counting.lookup', 'counting', 1],
        ['put', 'counting.upsert', 'counting', 1],
      ]),
    );
    for (const retry of retries) expect(retry).toMatchObject({ step: 1, category: 'unavailable', transport: 'stdio' });
    // Each retry part comes before its call's result.
    const indexOf = (type: string, id: string) =>
      parts.findIndex((part) => part.type === type && 'id' in part && part.id === id);
    expect(indexOf('retry', 'read')).toBeLessThan(indexOf('tool-result', 'read'));
    expect(await runs('counting', 'lookup')).toBe(2);
    expect(await runs('counting', 'upsert')).toBe(2);
  }, 20_000);

  it('a backend can opt a tool in (retryToolCalls): it is retried per its policy, each retry a stream part', async () => {
    model.script([
      { toolCalls: [{ id: 'pay', name: 'optin__charge', arguments: { amount: 2 } }] },
      { text: 'gave up' },
    ]);
    const parts = await collect(provider.generateStream({ prompt: 'charge 2' }));
    expect(parts.filter((part) => part.type === 'retry')).toEqual([
      expect.objectContaining({ target: 'tool', id: 'pay', backend: 'optin', attempt: 1, category: 'timeout' }),
    ]);
    expect(parts.find((part) => part.type === 'tool-result')).toMatchObject({ isError: true });
    expect(await runs('optin', 'charge')).toBe(2);
  }, 20_000);

  it("a backend opted in as a whole (retryToolCalls: 'always') retries any tool; 'never' not even a read-only one", async () => {
    model.script([
      { toolCalls: [{ id: 'pay', name: 'whole__charge', arguments: { amount: 5 } }] },
      { text: 'gave up' },
    ]);
    const parts = await collect(provider.generateStream({ prompt: 'charge 5' }));
    expect(parts.filter((part) => part.type === 'retry')).toEqual([
      expect.objectContaining({ target: 'tool', id: 'pay', backend: 'whole', attempt: 1, category: 'timeout' }),
    ]);
    expect(await runs('whole', 'charge')).toBe(2);
    // The decision itself, for the setting no backend here uses.
    expect(mayRetryToolCall('never', 'lookup', { readOnlyHint: true })).toBe(false);
    expect(mayRetryToolCall('annotated', 'lookup', { readOnlyHint: true })).toBe(true);
    expect(mayRetryToolCall('annotated', 'charge', undefined)).toBe(false);
  }, 20_000);

  it('the pool alone retries only what the last listing showed as safe (or what the caller allows)', async () => {
    const pool = provider.pool!;
    await pool.listTools();
    const attempts: number[] = [];
    const result = await pool
      .callTool('slow.charge', { amount: 3 }, { onRetry: ({ attempt }) => attempts.push(attempt) })
      .catch((error: unknown) => error);
    expect(result).toMatchObject({ code: 'BACKEND_FAILED', category: 'timeout' });
    expect(attempts).toEqual([]);
    expect(await runs('slow', 'charge')).toBe(1);
    await pool
      .callTool('slow.charge', { amount: 3 }, { retry: true, onRetry: ({ attempt }) => attempts.push(attempt) })
      .catch(() => undefined);
    expect(attempts).toEqual([1, 2]);
    expect(await runs('slow', 'charge')).toBe(4);
  }, 20_000);
});
