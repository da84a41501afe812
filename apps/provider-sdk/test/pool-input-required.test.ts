// Input-required results (MCP 2026-07-28, SEP-2322) end to end: the pool against our own
// http-mcp-server (built, a child process, its `conformance` tool pack). The pool's HTTP backends
// default to `protocol: auto`, so the server is found to speak 2026-07-28 and its tools answer
// `input_required`; the pool answers the embedded requests through its elicitation, sampling and
// roots handlers and retries with `inputResponses` and the echoed `requestState` (the SDK's round
// driver). With `protocol: legacy` the same tools ask over the 2025 server-to-client requests.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getFreePort, waitFor } from '@mcs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMcpClientPool,
  createSamplingHandler,
  type ElicitationRequest,
  type McpClientPool,
  type SamplingModelInput,
} from '../src/index.js';

const serverMain = fileURLToPath(new URL('../../http-mcp-server/dist/main.js', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

const textOf = (result: { parts: { type: string; text?: string; message?: string }[] }) =>
  result.parts.map((part) => part.text ?? part.message ?? '').join('\n');

/** Answers each form by its field names, as a user would. */
const answers: Record<string, string> = { name: 'Ada', color: 'teal', context: 'tests' };

let child: ChildProcess;
let url: string;

beforeAll(async () => {
  // As test/auth-e2e.test.ts: the server is not a dependency of this package, so build it if needed.
  if (!existsSync(serverMain)) {
    execFileSync(
      join(repoRoot, 'node_modules', '.bin', 'turbo'),
      ['run', 'build', '--filter', '@mcs/http-mcp-server...'],
      {
        cwd: repoRoot,
        stdio: 'ignore',
        timeout: 240_000,
      },
    );
  }
  const port = await getFreePort();
  const origin = `http://127.0.0.1:${port}`;
  url = `${origin}/mcp`;
  child = spawn(process.execPath, [serverMain], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: origin,
      LOG_LEVEL: 'silent',
      MCS_AUTH: 'off',
      MCS_TOOL_PACKS: 'conformance',
    },
    stdio: 'ignore',
  });
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`http-mcp-server exited with ${child.exitCode}`);
      return (await fetch(url).catch(() => undefined)) !== undefined;
    },
    { what: 'the http-mcp-server to listen', timeoutMs: 30_000 },
  );
}, 280_000);

afterAll(async () => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe.each(['auto', 'legacy'] as const)('input required through the pool (protocol: %s)', (protocol) => {
  let pool: McpClientPool;
  const elicited: ElicitationRequest[] = [];
  const sampled: SamplingModelInput[] = [];

  beforeAll(() => {
    pool = createMcpClientPool(
      { backends: { mcs: { transport: 'http', url, protocol, policy: { retry: { maxRetries: 0 } } } } },
      {
        onElicitation: (request) => {
          elicited.push(request);
          if (request.mode !== 'form') return { action: 'decline' };
          const fields = Object.keys(request.requestedSchema.properties);
          return {
            action: 'accept',
            content: Object.fromEntries(fields.map((field) => [field, answers[field] ?? 'x'])),
          };
        },
        onSampling: createSamplingHandler({
          approve: () => true,
          callModel: async (input) => {
            sampled.push(input);
            return { text: 'Paris', model: 'scripted-model', finishReason: 'stop' };
          },
        }),
        roots: [{ uri: 'file:///work/project', name: 'project' }],
      },
    );
  });

  afterAll(async () => {
    await pool.close();
  });

  const call = async (tool: string) => textOf(await pool.callTool(`mcs.${tool}`, {}));

  it('speaks the revision asked for', async () => {
    const { failed } = await pool.connect();
    expect(failed).toEqual([]);
    expect(pool.statuses()).toEqual([
      expect.objectContaining({ backend: 'mcs', protocolVersion: protocol === 'auto' ? '2026-07-28' : '2025-11-25' }),
    ]);
  });

  it('an elicitation is answered by the pool’s handler and the call completes', async () => {
    expect(await call('test_input_required_result_elicitation')).toBe('Hello, Ada!');
    expect(elicited.at(-1)).toMatchObject({ mode: 'form', backend: 'mcs', message: 'What is your name?' });
  });

  it('a sampling request goes to the model through the sampling handler', async () => {
    expect(await call('test_input_required_result_sampling')).toBe('Sampling result: Paris');
    expect(JSON.stringify(sampled.at(-1)?.messages)).toContain('What is the capital of France?');
  });

  it('a roots request is answered with the pool’s roots', async () => {
    expect(await call('test_input_required_result_list_roots')).toBe('Found 1 root(s)');
  });

  it('elicitation, sampling and roots in one round, and a second round carrying requestState', async () => {
    expect(await call('test_input_required_result_multiple_inputs')).toBe('Name: Ada; Greeting: Paris; Roots: 1');
    expect(await call('test_input_required_result_multi_round')).toBe('Multi-round complete for Ada who likes teal');
  });
});
