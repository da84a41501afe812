// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} placeholders are part of what is tested
// The provider's tool loop against the scripted OpenAI-compatible server (the one allowed imitation)
// with a real MCP backend: server-everything over stdio.
import { waitFor } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { createProvider, ProviderError, type StreamPart } from '../src/index.js';
import { everythingStdio } from './fixtures/backends.js';
import { collect, useScriptedProvider } from './fixtures/scripted-provider.js';

const scripted = useScriptedProvider(
  (baseURL) => ({
    model: 'scripted-1',
    baseURL,
    apiKey: 'test-key',
    system: 'You are a test.',
    modelPolicy: { retry: { baseDelayMs: 10, maxDelayMs: 2_000 } },
    mcp: { backends: { everything: everythingStdio() } },
  }),
  { connect: true },
);

type Message = { role: string; content?: unknown; tool_call_id?: string; tool_calls?: { id: string }[] };
const messagesOf = (index: number) => scripted.model.requests[index]!.messages as Message[];

describe('tool loop', () => {
  it('sends the pool tools, runs the model tool call, feeds the result back and returns the final answer', async () => {
    scripted.model.script([
      { toolCalls: [{ id: 'call_1', name: 'everything__echo', arguments: { message: 'hi' } }] },
      { text: ['The tool said: ', 'Echo: hi'] },
    ]);
    const result = await scripted.provider.generate({ prompt: 'Echo hi' });
    expect(result.text).toBe('The tool said: Echo: hi');
    expect(result).toMatchObject({
      finishReason: 'stop',
      steps: 2,
      usage: { promptTokens: 20, completionTokens: 10, totalTokens: 30 },
    });
    expect(result.toolCalls).toHaveLength(1);
    expect(result.toolCalls[0]!.call).toMatchObject({
      name: 'everything.echo',
      modelToolName: 'everything__echo',
      args: { message: 'hi' },
    });
    expect(result.toolCalls[0]!.result).toMatchObject({ isError: false, content: 'Echo: hi' });

    const first = scripted.model.requests[0]!;
    expect(first).toMatchObject({ model: 'scripted-1', stream: true });
    const tools = first.tools as {
      function: { name: string; parameters: Record<string, unknown>; strict?: boolean };
    }[];
    const echo = tools.find((tool) => tool.function.name === 'everything__echo');
    // Its schema closed for strict mode (every property required); no `$schema` on any tool.
    expect(echo?.function).toMatchObject({
      strict: true,
      parameters: { type: 'object', required: ['message'], additionalProperties: false },
    });
    for (const tool of tools) expect(tool.function.parameters.$schema).toBeUndefined();
    // A tool with an optional argument (a default) is sent as listed, not strict.
    const slow = tools.find((tool) => tool.function.name === 'everything__trigger-long-running-operation');
    expect(slow?.function.strict).toBeUndefined();
    expect(slow?.function.parameters.additionalProperties).toBeUndefined();
    expect(messagesOf(0)).toEqual([
      { role: 'system', content: 'You are a test.' },
      { role: 'user', content: 'Echo hi' },
    ]);
    expect(messagesOf(1).slice(2)).toEqual([
      expect.objectContaining({ role: 'assistant', tool_calls: [expect.objectContaining({ id: 'call_1' })] }),
      { role: 'tool', tool_call_id: 'call_1', content: 'Echo: hi' },
    ]);
    expect(result.messages.at(-1)).toEqual({ role: 'assistant', content: 'The tool said: Echo: hi' });
  });

  it('streams typed parts in order: start, per step (text deltas, step-finish, tool call, tool result), finish', async () => {
    scripted.model.script([
      { text: ['Let me ', 'check.'], toolCalls: [{ name: 'everything__echo', arguments: { message: 'x' } }] },
      { text: ['Done', '.'] },
    ]);
    const parts = await collect(scripted.provider.generateStream({ prompt: 'go' }));
    expect(parts.map((part) => part.type)).toEqual([
      'start',
      'step-start',
      'text-delta',
      'text-delta',
      'step-finish',
      'tool-call',
      'tool-result',
      'step-start',
      'text-delta',
      'text-delta',
      'step-finish',
      'finish',
    ]);
    expect(parts[0]).toMatchObject({
      type: 'start',
      model: 'scripted-1',
      tools: expect.arrayContaining(['everything.echo']),
    });
    expect(parts.filter((part) => part.type === 'step-finish')).toEqual([
      expect.objectContaining({ step: 1, model: 'scripted-1', finishReason: 'tool_calls', toolCalls: 1 }),
      expect.objectContaining({ step: 2, model: 'scripted-1', finishReason: 'stop', toolCalls: 0 }),
    ]);
    const call = parts.find((part) => part.type === 'tool-call');
    expect(call).toMatchObject({ name: 'everything.echo', backend: 'everything', transport: 'stdio' });
    expect(parts.find((part) => part.type === 'tool-result')).toMatchObject({
      backend: 'everything',
      transport: 'stdio',
    });
    expect(parts.filter((part) => part.type === 'text-delta').map((part) => [part.step, part.text])).toEqual([
      [1, 'Let me '],
      [1, 'check.'],
      [2, 'Done'],
      [2, '.'],
    ]);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', text: 'Done.', steps: 2, finishReason: 'stop' });
  });

  it('runs several tool calls of one step and answers each by its id', async () => {
    scripted.model.script([
      {
        toolCalls: [
          { id: 'a', name: 'everything__echo', arguments: { message: 'one' } },
          { id: 'b', name: 'everything__get-sum', arguments: { a: 2, b: 3 } },
        ],
      },
      { text: 'both done' },
    ]);
    const result = await scripted.provider.generate({ prompt: 'two tools' });
    expect(result.text).toBe('both done');
    expect(result.toolCalls.map(({ call, result: r }) => [call.id, r.isError])).toEqual([
      ['a', false],
      ['b', false],
    ]);
    const toolMessages = messagesOf(1).filter((message) => message.role === 'tool');
    expect(toolMessages).toEqual([
      { role: 'tool', tool_call_id: 'a', content: 'Echo: one' },
      { role: 'tool', tool_call_id: 'b', content: expect.stringContaining('5') },
    ]);
  });

  it('runs the calls of one step concurrently: the second reports progress before the first has finished', async () => {
    const slow = { name: 'everything__trigger-long-running-operation', arguments: { duration: 2, steps: 4 } };
    scripted.model.script([
      {
        toolCalls: [
          { id: 'first', ...slow },
          { id: 'second', ...slow },
        ],
      },
      { text: 'both slow ones done' },
    ]);
    const parts = await collect(scripted.provider.generateStream({ prompt: 'two slow tools' }));
    const progress = parts.flatMap((part) => (part.type === 'tool-progress' ? [part.id] : []));
    // Run one after the other, every progress of "first" would come before the first of "second".
    // (The last progress of a call can be lost: the SDK client may settle the call first; 4 steps leave margin.)
    expect(progress.indexOf('second')).toBeLessThan(progress.lastIndexOf('first'));
    expect(parts.filter((part) => part.type === 'tool-result').map((part) => part.id)).toEqual(['first', 'second']);
    // Every tool part names its backend and transport.
    for (const part of parts.filter((entry) => entry.type.startsWith('tool-')))
      expect(part).toMatchObject({ backend: 'everything', transport: 'stdio' });
    expect(parts.at(-1)).toMatchObject({ type: 'finish', text: 'both slow ones done' });
  });

  it('gives tool failures back to the model as tool messages: tool error, unknown tool, bad JSON', async () => {
    scripted.model.script([
      {
        toolCalls: [
          { id: 'bad-args', name: 'everything__get-sum', arguments: { a: 'x' } },
          { id: 'unknown', name: 'nowhere__tool', arguments: {} },
          { id: 'bad-json', name: 'everything__echo', arguments: '{"message": ' },
        ],
      },
      { text: 'recovered' },
    ]);
    const result = await scripted.provider.generate({ prompt: 'break things' });
    expect(result.text).toBe('recovered');
    expect(result.toolCalls.map(({ result: r }) => r.isError)).toEqual([true, true, true]);
    expect(result.toolCalls[1]!.result.error).toMatchObject({ code: 'UNKNOWN_BACKEND' });
    expect(result.toolCalls[2]!.result.error).toMatchObject({ code: 'TOOL_ARGUMENTS_INVALID' });
    const toolMessages = messagesOf(1).filter((message) => message.role === 'tool');
    expect(toolMessages.map((message) => message.tool_call_id)).toEqual(['bad-args', 'unknown', 'bad-json']);
    for (const message of toolMessages) expect(String(message.content)).toMatch(/error/i);
  });

  it('toolChoice forces one tool (by pool name) on the first step only; an unknown one is refused', async () => {
    scripted.model.script([
      { toolCalls: [{ id: 'forced', name: 'everything__echo', arguments: { message: 'forced' } }] },
      { text: 'answered' },
    ]);
    const result = await scripted.provider.generate({ prompt: 'go', toolChoice: { tool: 'everything.echo' } });
    expect(result.text).toBe('answered');
    expect(scripted.model.requests[0]!.tool_choice).toEqual({
      type: 'function',
      function: { name: 'everything__echo' },
    });
    expect(scripted.model.requests[1]!.tool_choice).toBe('auto');
    const parts = await collect(
      scripted.provider.generateStream({ prompt: 'go', toolChoice: { tool: 'everything.nope' } }),
    );
    expect(parts.at(-1)).toMatchObject({ type: 'error', error: { code: 'CONFIG_INVALID' } });
    expect(scripted.model.requests).toHaveLength(2);
  });

  it('a call that cannot be made is a tool-error part before its result', async () => {
    scripted.model.script([{ toolCalls: [{ id: 'x', name: 'nowhere__tool', arguments: {} }] }, { text: 'ok' }]);
    const parts = await collect(scripted.provider.generateStream({ prompt: 'go' }));
    const types = parts.map((part) => part.type);
    expect(types.indexOf('tool-error')).toBe(types.indexOf('tool-result') - 1);
    expect(parts.find((part) => part.type === 'tool-error')).toMatchObject({
      id: 'x',
      name: 'nowhere__tool',
      error: { code: 'UNKNOWN_BACKEND' },
    });
  });

  it("runs only the tools offered in this request: a tool the request's `tools` left out, or a made-up one, is refused", async () => {
    scripted.model.script([
      {
        toolCalls: [
          // A pool tool the request did not offer, named the pool's way (some compatible servers allow dots).
          { id: 'left-out', name: 'everything.echo', arguments: { message: 'should not run' } },
          { id: 'made-up', name: 'nowhere__tool', arguments: {} },
          { id: 'offered', name: 'everything__get-sum', arguments: { a: 1, b: 2 } },
        ],
      },
      { text: 'done' },
    ]);
    const result = await scripted.provider.generate({ prompt: 'go', tools: ['everything.get-sum'] });
    const byId = new Map(result.toolCalls.map(({ call, result: r }) => [call.id, r]));
    for (const id of ['left-out', 'made-up']) {
      expect(byId.get(id)).toMatchObject({ isError: true, error: { code: 'UNKNOWN_BACKEND' } });
      expect(byId.get(id)!.content).toContain('is not one of the tools offered to the model in this request');
    }
    expect(byId.get('offered')).toMatchObject({ isError: false, content: expect.stringContaining('3') });
  });

  it('stops with MAX_STEPS_EXCEEDED when the model keeps calling tools', async () => {
    const call = { toolCalls: [{ name: 'everything__echo', arguments: { message: 'again' } }] };
    scripted.model.script([call, call, call]);
    const error = await scripted.provider.generate({ prompt: 'loop', maxSteps: 2 }).catch((thrown: unknown) => thrown);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'MAX_STEPS_EXCEEDED' });
    expect((error as Error).message).toContain('2 steps');
    expect(scripted.model.requests).toHaveLength(2);
  });
});

describe('conversation', () => {
  it('continues with the previous messages: exactly one system message, first, on every turn', async () => {
    scripted.model.script([{ text: 'one' }, { text: 'two' }, { text: 'three' }]);
    const first = await scripted.provider.generate({ prompt: 'turn 1', tools: [] });
    const second = await scripted.provider.generate({
      messages: [...first.messages, { role: 'user', content: 'turn 2' }],
    });
    await scripted.provider.generate({
      messages: [...second.messages, { role: 'user', content: 'turn 3' }],
      tools: [],
    });
    expect(scripted.model.requests.map((_, index) => messagesOf(index).map((message) => message.role))).toEqual([
      ['system', 'user'],
      ['system', 'user', 'assistant', 'user'],
      ['system', 'user', 'assistant', 'user', 'assistant', 'user'],
    ]);
    expect(second.messages.filter((message) => message.role === 'system')).toHaveLength(1);
  });

  it('a request `system` replaces the leading system message of the conversation it continues', async () => {
    scripted.model.script([{ text: 'one' }, { text: 'two' }]);
    const first = await scripted.provider.generate({ prompt: 'turn 1', tools: [] });
    await scripted.provider.generate({
      system: 'Be brief.',
      messages: [...first.messages, { role: 'user', content: 'turn 2' }],
    });
    expect(messagesOf(1)[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(messagesOf(1).filter((message) => message.role === 'system')).toHaveLength(1);
  });
});

describe('cancellation', () => {
  it('aborting mid-stream stops the model stream and ends with a CANCELLED error part', async () => {
    scripted.model.script([{ text: ['Hel'], hang: true }]);
    const controller = new AbortController();
    const parts: StreamPart[] = [];
    for await (const part of scripted.provider.generateStream({ prompt: 'long story', signal: controller.signal })) {
      parts.push(part);
      if (part.type === 'text-delta') controller.abort();
    }
    expect(parts.map((part) => part.type)).toEqual(['start', 'step-start', 'text-delta', 'abort', 'error']);
    expect(parts.at(-1)).toMatchObject({ type: 'error', error: { code: 'CANCELLED', category: 'cancelled' } });
    await waitFor(() => scripted.model.disconnects === 1, { what: 'the model stream to be closed' });
  });

  it('aborting while a tool runs (after its first progress) cancels the MCP call; the model never gets a result', async () => {
    scripted.model.script([
      { toolCalls: [{ name: 'everything__trigger-long-running-operation', arguments: { duration: 60, steps: 60 } }] },
      { text: 'never' },
    ]);
    const controller = new AbortController();
    const parts: StreamPart[] = [];
    for await (const part of scripted.provider.generateStream({ prompt: 'slow', signal: controller.signal })) {
      parts.push(part);
      // The backend is running the 60 s operation now (the test would time out if it were not cancelled).
      if (part.type === 'tool-progress') controller.abort();
    }
    const types = parts.map((part) => part.type);
    expect(types.slice(types.indexOf('tool-call'), types.indexOf('tool-call') + 2)).toEqual([
      'tool-call',
      'tool-progress',
    ]);
    expect(types.slice(-2)).toEqual(['abort', 'error']);
    expect(parts.find((part) => part.type === 'tool-call')).toMatchObject({
      name: 'everything.trigger-long-running-operation',
    });
    expect(parts.find((part) => part.type === 'tool-progress')).toMatchObject({
      type: 'tool-progress',
      name: 'everything.trigger-long-running-operation',
      total: 60,
    });
    expect(parts.at(-1)).toMatchObject({ type: 'error', error: { code: 'CANCELLED' } });
    expect(parts.some((part) => part.type === 'tool-result')).toBe(false);
    expect(scripted.model.requests).toHaveLength(1);
    // The shared MCP session is still usable.
    expect((await scripted.provider.pool!.callTool('everything.echo', { message: 'still here' })).isError).toBe(false);
  });
});

describe('model resilience', () => {
  it('retries a 429 (after its Retry-After) and a 500, then succeeds', async () => {
    scripted.model.script([{ status: 429, headers: { 'retry-after': '1' } }, { status: 500 }, { text: 'finally' }]);
    const result = await scripted.provider.generate({ prompt: 'hi', tools: [] });
    expect(result.text).toBe('finally');
    expect(scripted.model.requests).toHaveLength(3);
    expect(scripted.model.requests[0]!.tools).toBeUndefined();
  });

  it('does not retry a 401: MODEL_FAILED with category unauthenticated', async () => {
    scripted.model.script([{ status: 401 }, { text: 'unreachable' }]);
    const error = await scripted.provider.generate({ prompt: 'hi' }).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'MODEL_FAILED', category: 'unauthenticated' });
    expect(scripted.model.requests).toHaveLength(1);
  });
});

describe('configuration', () => {
  it('takes model, base URL and key from OPENAI_* when the config has none; no mcp means no tools', async () => {
    await using bare = createProvider(
      {},
      { env: { OPENAI_MODEL: 'env-model', OPENAI_BASE_URL: scripted.model.baseURL, OPENAI_API_KEY: 'k' } },
    );
    scripted.model.script([{ text: 'from env' }]);
    expect((await bare.generate({ messages: [{ role: 'user', content: 'hi' }] })).text).toBe('from env');
    expect(scripted.model.requests[0]).toMatchObject({ model: 'env-model' });
    expect(scripted.model.requests[0]!.tools).toBeUndefined();
    expect(bare.pool).toBeUndefined();
  });

  it('applies a named profile and ${VAR} to the whole provider config', async () => {
    await using prod = createProvider(
      {
        model: 'dev-model',
        baseURL: scripted.model.baseURL,
        apiKey: '${MODEL_KEY}',
        profiles: { prod: { model: 'prod-model', maxSteps: 1 } },
      },
      { profile: 'prod', env: { MODEL_KEY: 'from-env' } },
    );
    scripted.model.script([{ text: 'prod answer' }]);
    expect((await prod.generate({ prompt: 'hi' })).text).toBe('prod answer');
    expect(scripted.model.requests[0]).toMatchObject({ model: 'prod-model' });
  });

  it('refuses bad configs and requests with errors naming the field', async () => {
    const attempt = (config: unknown, env: Record<string, string> = {}) => {
      try {
        createProvider(config, { env });
      } catch (error) {
        return error as ProviderError;
      }
      throw new Error('expected a ProviderError');
    };
    expect(attempt({ baseURL: scripted.model.baseURL, apiKey: 'k' })).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(attempt({ baseURL: scripted.model.baseURL, apiKey: 'k' }).message).toContain('OPENAI_MODEL');
    expect(attempt({ model: 'm', apiKey: 'k', maxSteps: 0 }).message).toContain('maxSteps');
    expect(attempt({ model: 'm', apiKey: 'k', modelPolicy: { retry: { nope: 1 } } }).message).toContain('modelPolicy');
    expect(
      attempt({ model: 'm', apiKey: 'k', mcp: { backends: { x: { transport: 'http', url: 'nope' } } } }).message,
    ).toContain('mcp.backends.x.url');
    const parts = await collect(scripted.provider.generateStream({}));
    expect(parts).toEqual([{ type: 'error', error: expect.objectContaining({ code: 'CONFIG_INVALID' }) }]);
    expect(parts[0]!.type === 'error' && parts[0]!.error.message).toContain('give a prompt or at least one message');
  });
});
