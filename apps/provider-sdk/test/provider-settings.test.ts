// Request settings, structured output, usage, fallback models and the model interface, against the
// scripted OpenAI-compatible server (the one allowed imitation).
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createOpenAIChatModel,
  createProvider,
  type LanguageModelV1,
  type ModelCallOptions,
  type ModelStreamPart,
  type ProviderConfigInput,
  type StreamPart,
} from '../src/index.js';
import { collect, useScriptedProvider } from './fixtures/scripted-provider.js';

const scripted = useScriptedProvider((baseURL) => ({
  model: 'scripted-1',
  baseURL,
  apiKey: 'test-key',
  system: 'You are a test.',
}));

/** A failure with a category, as a provider's own error would say. */
const outage = () => Object.assign(new Error('overloaded'), { code: 'OVERLOADED', category: 'unavailable' });

/** A LanguageModelV1 of the test's own, `<name>-1` from `test-<name>`: the loop only streams. */
function streamingModel(name: string, doStream: LanguageModelV1['doStream']): LanguageModelV1 {
  return {
    specificationVersion: 'v1',
    provider: `test-${name}`,
    modelId: `${name}-1`,
    async doGenerate() {
      throw new Error('not used by the loop');
    },
    doStream,
  };
}

/**
 * `main-1`, whose calls fail with an outage but for the one `isHeld(call)` picks (1 is the first): that one
 * waits until the test fails it, so that its failure comes exactly when told; `heldStarted` says it began.
 */
function modelWithHeldCall(isHeld: (call: number) => boolean) {
  let calls = 0;
  let failHeld: (error: Error) => void = () => {};
  let heldStarts: () => void = () => {};
  const heldStarted = new Promise<void>((resolve) => {
    heldStarts = resolve;
  });
  const model = streamingModel('main', async () => {
    calls += 1;
    if (!isHeld(calls)) throw outage();
    heldStarts();
    await new Promise((_, reject) => {
      failHeld = reject;
    });
    throw new Error('unreachable');
  });
  return { model, heldStarted, failHeld: (error: Error) => failHeld(error) };
}

/** A provider on the scripted server falling back to its model `backup`; its main model is `languageModel` if given. */
function providerWithBackup(
  settings: Pick<ProviderConfigInput, 'model' | 'modelPolicy'>,
  languageModel?: LanguageModelV1,
) {
  return createProvider(
    { ...settings, baseURL: scripted.model.baseURL, apiKey: 'k', fallbackModels: ['backup'] },
    { env: {}, ...(languageModel === undefined ? {} : { languageModel }) },
  );
}

describe('request settings', () => {
  it('sends topP, stop, seed, a per-request model, provider options and a JSON response format', async () => {
    scripted.model.script([{ text: '{}' }]);
    const result = await scripted.provider.generate({
      prompt: 'hi',
      topP: 0.5,
      stop: 'END',
      seed: 7,
      model: 'scripted-2',
      temperature: 0.2,
      maxTokens: 50,
      providerOptions: { reasoning_effort: 'low' },
      responseFormat: { type: 'json' },
    });
    expect(result.model).toBe('scripted-2');
    expect(scripted.model.requests[0]).toMatchObject({
      model: 'scripted-2',
      top_p: 0.5,
      stop: ['END'],
      seed: 7,
      temperature: 0.2,
      max_completion_tokens: 50,
      reasoning_effort: 'low',
      response_format: { type: 'json_object' },
    });
  });

  it('refuses bad settings with errors naming the field', async () => {
    const error = await scripted.provider
      .generate({ prompt: 'hi', topP: 3, stop: ['a', 'b', 'c', 'd', 'e'], responseFormat: { type: 'xml' } as never })
      .catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
    for (const field of ['topP', 'stop', 'responseFormat']) expect((error as Error).message).toContain(field);
    expect(scripted.model.requests).toHaveLength(0);
  });

  it('reports usage per step and in total, with cached and reasoning tokens when the API sends them', async () => {
    scripted.model.script([
      {
        text: 'counted',
        usage: {
          prompt_tokens: 12,
          completion_tokens: 8,
          prompt_tokens_details: { cached_tokens: 4 },
          completion_tokens_details: { reasoning_tokens: 3 },
        },
      },
    ]);
    const parts = await collect(scripted.provider.generateStream({ prompt: 'hi' }));
    const expected = {
      promptTokens: 12,
      completionTokens: 8,
      totalTokens: 20,
      cachedPromptTokens: 4,
      reasoningTokens: 3,
    };
    expect(parts.find((part) => part.type === 'step-finish')).toMatchObject({ step: 1, usage: expected });
    expect(parts.at(-1)).toMatchObject({ type: 'finish', usage: expected });
  });
});

describe('usage over steps', () => {
  it('sums every step into the total, cached and reasoning tokens too', async () => {
    scripted.model.script([
      {
        // No pool here: the tool call fails, the model is told, and a second step follows.
        toolCalls: [{ id: 't', name: 'x__y', arguments: {} }],
        usage: {
          prompt_tokens: 12,
          completion_tokens: 8,
          prompt_tokens_details: { cached_tokens: 4 },
          completion_tokens_details: { reasoning_tokens: 3 },
        },
      },
      { text: 'done', usage: { prompt_tokens: 5, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 1 } } },
    ]);
    const result = await scripted.provider.generate({ prompt: 'hi' });
    expect(result.stepUsage).toEqual([
      { promptTokens: 12, completionTokens: 8, totalTokens: 20, cachedPromptTokens: 4, reasoningTokens: 3 },
      { promptTokens: 5, completionTokens: 2, totalTokens: 7, cachedPromptTokens: 1 },
    ]);
    expect(result.usage).toEqual({
      promptTokens: 17,
      completionTokens: 10,
      totalTokens: 27,
      cachedPromptTokens: 5,
      reasoningTokens: 3,
    });
  });
});

describe('generateObject', () => {
  const City = z.object({ city: z.string(), population: z.number().int() });

  it('asks for JSON matching the zod schema (strict) and returns the validated object', async () => {
    scripted.model.script([{ text: ['{"city":"Paris",', '"population":2100000}'] }]);
    const result = await scripted.provider.generateObject({
      prompt: 'Largest city of France?',
      schema: City,
      schemaName: 'city',
    });
    expect(result.object).toEqual({ city: 'Paris', population: 2_100_000 });
    const format = scripted.model.requests[0]!.response_format as {
      type: string;
      json_schema: { name: string; strict: boolean; schema: Record<string, unknown> };
    };
    expect(format).toMatchObject({ type: 'json_schema', json_schema: { name: 'city', strict: true } });
    expect(format.json_schema.schema).toMatchObject({
      type: 'object',
      required: ['city', 'population'],
      additionalProperties: false,
    });
    expect(format.json_schema.schema.$schema).toBeUndefined();
  });

  it('an answer that is not JSON, or does not match, is OUTPUT_INVALID naming the field', async () => {
    scripted.model.script([{ text: 'Paris, I think' }, { text: '{"city":"Paris","population":"many"}' }]);
    const notJson = await scripted.provider
      .generateObject({ prompt: 'q', schema: City })
      .catch((thrown: unknown) => thrown);
    expect(notJson).toMatchObject({ code: 'OUTPUT_INVALID', category: 'protocol' });
    const mismatch = await scripted.provider
      .generateObject({ prompt: 'q', schema: City })
      .catch((thrown: unknown) => thrown);
    expect(mismatch).toMatchObject({ code: 'OUTPUT_INVALID' });
    expect((mismatch as Error).message).toContain('population');
  });
});

describe('fallback models', () => {
  it('asks the next model when one stays unavailable after its retries, and says which answered', async () => {
    await using withBackup = providerWithBackup({
      model: 'primary',
      modelPolicy: { retry: { maxRetries: 1, baseDelayMs: 10 }, circuitBreaker: { failureThreshold: 2 } },
    });
    scripted.model.script([{ status: 503 }, { status: 503 }, { text: 'from backup' }]);
    const parts = await collect(withBackup.generateStream({ prompt: 'hi' }));
    expect(parts.map((part) => part.type)).toEqual([
      'start',
      'step-start',
      'retry',
      'model-fallback',
      'text-delta',
      'step-finish',
      'finish',
    ]);
    expect(parts.find((part) => part.type === 'model-fallback')).toMatchObject({
      from: 'primary',
      to: 'backup',
      error: { category: 'unavailable' },
    });
    expect(parts.at(-1)).toMatchObject({ type: 'finish', model: 'backup', text: 'from backup' });
    expect(scripted.model.requests.map((request) => request.model)).toEqual(['primary', 'primary', 'backup']);

    // Two failures opened the primary's breaker: while it cools down it is skipped without a request.
    scripted.model.requests.length = 0;
    scripted.model.script([{ text: 'backup again' }]);
    const second = await collect(withBackup.generateStream({ prompt: 'again' }));
    expect(second.find((part) => part.type === 'model-fallback')).toMatchObject({
      from: 'primary',
      to: 'backup',
      error: { message: expect.stringContaining('cooling down') },
    });
    expect(scripted.model.requests.map((request) => request.model)).toEqual(['backup']);
  });

  it('falls over on rate limits too, and asks the first model again once its cooldown (recoveryTimeoutMs) has passed', async () => {
    await using withBackup = providerWithBackup({
      model: 'primary',
      modelPolicy: {
        retry: { maxRetries: 1, baseDelayMs: 10 },
        circuitBreaker: { failureThreshold: 2, recoveryTimeoutMs: 200 },
      },
    });
    const limited = { status: 429, headers: { 'retry-after': '0' } };
    scripted.model.script([limited, limited, { text: 'from backup' }]);
    const first = await collect(withBackup.generateStream({ prompt: 'hi' }));
    expect(first.find((part) => part.type === 'model-fallback')).toMatchObject({
      from: 'primary',
      to: 'backup',
      error: { category: 'rate_limited' },
    });
    expect(first.at(-1)).toMatchObject({ type: 'finish', model: 'backup' });
    // Past the cooldown (not a timing assertion: any longer wait gives the same answer).
    await new Promise((resolve) => setTimeout(resolve, 400));
    scripted.model.requests.length = 0;
    scripted.model.script([{ text: 'primary is back' }]);
    const parts = await collect(withBackup.generateStream({ prompt: 'again' }));
    expect(parts.some((part) => part.type === 'model-fallback')).toBe(false);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', model: 'primary', text: 'primary is back' });
    expect(scripted.model.requests.map((request) => request.model)).toEqual(['primary']);
  });

  it('falls over at once when the breaker opens during the retries, instead of waiting out its cooldown', async () => {
    await using withBackup = providerWithBackup({
      model: 'primary',
      modelPolicy: {
        retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 60_000 },
        circuitBreaker: { failureThreshold: 1, recoveryTimeoutMs: 60_000 },
      },
    });
    scripted.model.script([{ status: 503 }, { text: 'from backup' }]);
    const parts: StreamPart[] = [];
    for await (const part of withBackup.generateStream({ prompt: 'hi' })) {
      parts.push(part);
      // Waiting for the open circuit would take a minute: stop there, it is the failure.
      if (part.type === 'retry' && part.delayMs > 10_000) break;
    }
    expect(parts.filter((part) => part.type === 'retry')).toEqual([]);
    expect(parts.find((part) => part.type === 'model-fallback')).toMatchObject({
      from: 'primary',
      to: 'backup',
      error: { category: 'unavailable', message: expect.stringContaining('503') },
    });
    expect(parts.at(-1)).toMatchObject({ type: 'finish', model: 'backup', text: 'from backup' });
    expect(scripted.model.requests.map((request) => request.model)).toEqual(['primary', 'backup']);
  });

  it("a request refused during another's half-open probe falls over when that probe fails", async () => {
    // The first call fails and opens the breaker; the probe after the cooldown is held until the test fails it.
    const main = modelWithHeldCall((call) => call > 1);
    await using withBackup = providerWithBackup(
      {
        modelPolicy: {
          retry: { maxRetries: 5, baseDelayMs: 50, maxDelayMs: 60_000 },
          circuitBreaker: { failureThreshold: 1, recoveryTimeoutMs: 1_500 },
        },
      },
      main.model,
    );
    scripted.model.script([{ text: 'backup 0' }, { text: 'backup for B' }, { text: 'backup for A' }]);
    expect(await withBackup.generate({ prompt: 'hi' })).toMatchObject({ model: 'backup' });
    // Past the cooldown (any longer wait gives the same answer): A becomes the breaker's probe.
    await new Promise((resolve) => setTimeout(resolve, 1_700));
    const a = collect(withBackup.generateStream({ prompt: 'A' }));
    await main.heldStarted;
    // B is refused (the probe's slot is taken) and retries; then the probe fails and reopens the breaker.
    const bParts: StreamPart[] = [];
    const b = (async () => {
      for await (const part of withBackup.generateStream({ prompt: 'B' })) {
        bParts.push(part);
        if (part.type === 'retry' && part.attempt === 1) main.failHeld(outage());
        // Waiting out the reopened breaker takes 1.5 s: stop there, it is the failure.
        if (part.type === 'retry' && part.delayMs >= 1_000) break;
      }
    })();
    await Promise.all([a, b]);
    expect(bParts.filter((part) => part.type === 'retry' && part.delayMs >= 1_000)).toEqual([]);
    expect(bParts.at(-1)).toMatchObject({ type: 'finish', model: 'backup' });
    expect((await a).at(-1)).toMatchObject({ type: 'finish', model: 'backup' });
  });

  it('a request whose attempt fails after another request opened the breaker falls over at once', async () => {
    // A's request (the first call) is in flight until the test fails it; every later call fails.
    const main = modelWithHeldCall((call) => call === 1);
    await using withBackup = providerWithBackup(
      {
        modelPolicy: {
          retry: { maxRetries: 5, baseDelayMs: 10, maxDelayMs: 60_000 },
          circuitBreaker: { failureThreshold: 1, recoveryTimeoutMs: 60_000 },
        },
      },
      main.model,
    );
    scripted.model.script([{ text: 'backup for B' }, { text: 'backup for A' }]);
    const aParts: StreamPart[] = [];
    const a = (async () => {
      for await (const part of withBackup.generateStream({ prompt: 'A' })) {
        aParts.push(part);
        // Waiting out the open breaker takes a minute: stop there, it is the failure.
        if (part.type === 'retry' && part.delayMs >= 10_000) break;
      }
    })();
    await main.heldStarted;
    // B fails and opens the breaker while A's request is still in flight; then A's fails too.
    expect(await withBackup.generate({ prompt: 'B' })).toMatchObject({ model: 'backup' });
    main.failHeld(outage());
    await a;
    expect(aParts.filter((part) => part.type === 'retry')).toEqual([]);
    expect(aParts.find((part) => part.type === 'model-fallback')).toMatchObject({
      from: 'main-1',
      error: { message: expect.stringContaining('overloaded') },
    });
    expect(aParts.at(-1)).toMatchObject({ type: 'finish', model: 'backup' });
  });

  it('a failure that is not retried ends the request even when it opens the breaker', async () => {
    await using withBackup = providerWithBackup({
      model: 'primary',
      modelPolicy: { circuitBreaker: { failureThreshold: 1, failureCategories: ['unauthenticated'] } },
    });
    scripted.model.script([{ status: 401 }, { text: 'not asked' }]);
    await expect(withBackup.generate({ prompt: 'hi' })).rejects.toMatchObject({
      code: 'MODEL_FAILED',
      category: 'unauthenticated',
    });
    expect(scripted.model.requests.map((request) => request.model)).toEqual(['primary']);
  });

  it('does not fall over on a failure that is not retried (401), nor after text went out', async () => {
    await using withBackup = createProvider(
      { model: 'primary', baseURL: scripted.model.baseURL, apiKey: 'k', fallbackModels: [{ model: 'backup' }] },
      { env: {} },
    );
    scripted.model.script([{ status: 401 }]);
    await expect(withBackup.generate({ prompt: 'hi' })).rejects.toMatchObject({ category: 'unauthenticated' });
    scripted.model.script([{ text: ['par'], drop: 'after-text' }]);
    await expect(withBackup.generate({ prompt: 'hi' })).rejects.toMatchObject({ code: 'MODEL_FAILED' });
    expect(scripted.model.requests.map((request) => request.model)).toEqual(['primary', 'primary']);
  });
});

describe('model interface', () => {
  it('runs any LanguageModelV1 under the same loop (deadlines, retries, parts)', async () => {
    const seen: ModelCallOptions[] = [];
    const echo = streamingModel('echo', async (options) => {
      seen.push(options);
      const last = options.messages.at(-1);
      async function* parts(): AsyncGenerator<ModelStreamPart> {
        yield { type: 'stream-start' };
        yield { type: 'text-delta', text: `echo: ${String(last?.content)}` };
        yield { type: 'finish', finishReason: 'stop' };
        yield { type: 'usage', usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 } };
      }
      return parts();
    });
    await using custom = createProvider({ system: 'Be an echo.' }, { languageModel: echo, env: {} });
    const result = await custom.generate({ prompt: 'hello' });
    expect(result).toMatchObject({ text: 'echo: hello', model: 'echo-1', usage: { totalTokens: 2 } });
    expect(seen[0]!.messages.map((message) => message.role)).toEqual(['system', 'user']);
  });

  it("another model's failures are retried under the provider's policy and deadlines, each a retry part", async () => {
    let calls = 0;
    const flaky = streamingModel('flaky', async ({ signal }) => {
      calls += 1;
      // First: an outage; then a stream that stays silent until the first-token deadline aborts it;
      // then an answer.
      if (calls === 1) throw outage();
      async function* parts(): AsyncGenerator<ModelStreamPart> {
        yield { type: 'stream-start' };
        if (calls === 2) {
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
          return;
        }
        yield { type: 'text-delta', text: 'third time' };
        yield { type: 'finish', finishReason: 'stop' };
      }
      return parts();
    });
    await using custom = createProvider(
      { firstTokenTimeoutMs: 200, modelPolicy: { retry: { baseDelayMs: 1, maxDelayMs: 10 } } },
      { languageModel: flaky, env: {} },
    );
    const parts = await collect(custom.generateStream({ prompt: 'hi' }));
    const retries = parts.filter((part) => part.type === 'retry');
    expect(retries).toEqual([
      expect.objectContaining({ target: 'model', model: 'flaky-1', attempt: 1, category: 'unavailable' }),
      expect.objectContaining({ target: 'model', model: 'flaky-1', attempt: 2, category: 'timeout' }),
    ]);
    expect(retries[1]!.error.message).toContain('firstTokenTimeoutMs');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', model: 'flaky-1', text: 'third time' });
    expect(calls).toBe(3);
  });

  it('the chat-completions model answers doGenerate (one request, not streamed): text, tool calls, usage', async () => {
    const model = createOpenAIChatModel({
      modelId: 'scripted-1',
      baseURL: scripted.model.baseURL,
      apiKey: 'k',
      requestTimeoutMs: 10_000,
    });
    expect(model).toMatchObject({ specificationVersion: 'v1', provider: 'openai-chat', modelId: 'scripted-1' });
    scripted.model.script([
      {
        text: 'calling',
        toolCalls: [{ id: 'c1', name: 'x__y', arguments: { a: 1 } }],
        usage: { prompt_tokens: 3, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 1 } },
      },
      { status: 429, headers: { 'retry-after': '7' } },
    ]);
    const call = {
      messages: [{ role: 'user' as const, content: 'hi' }],
      tools: [{ name: 'x__y', parameters: { type: 'object', properties: {} } }],
      settings: { temperature: 0 },
      signal: new AbortController().signal,
    };
    expect(await model.doGenerate(call)).toEqual({
      text: 'calling',
      toolCalls: [{ id: 'c1', name: 'x__y', arguments: '{"a":1}' }],
      finishReason: 'tool_calls',
      usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5, cachedPromptTokens: 1 },
      responseModel: 'scripted-1',
    });
    expect(scripted.model.requests[0]).toMatchObject({ model: 'scripted-1', stream: false, temperature: 0 });
    expect(scripted.model.requests[0]!.tools).toEqual([
      { type: 'function', function: { name: 'x__y', parameters: { type: 'object', properties: {} } } },
    ]);
    // An HTTP error rejects (the client's error: status and headers, which the policy reads).
    await expect(model.doGenerate(call)).rejects.toMatchObject({ status: 429 });
  });
});
