// Logs, spans and metrics of a real request: the scripted model (the one allowed imitation) and
// server-everything over stdio. Spans are read back from OpenTelemetry's in-memory exporter, metrics
// from the prom-client registry the test passes in, log lines from the pino logger it passes in.
import { getFreePort } from '@mcs/test-utils';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProvider, type LanguageModelV1, type Provider } from '../src/index.js';
import { createOpenAIChatModel } from '../src/model/openai-chat-model.js';
import { AsyncLocalContextManager } from './fixtures/async-local-context.js';
import { everythingStdio } from './fixtures/backends.js';
import { collect } from './fixtures/scripted-provider.js';
import { type ScriptedModel, startScriptedModel } from './scripted-model.js';

const exporter = new InMemorySpanExporter();
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const registry = new Registry();
const lines: Record<string, unknown>[] = [];
const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });

let model: ScriptedModel;
let provider: Provider;

beforeAll(async () => {
  trace.setGlobalTracerProvider(tracerProvider);
  model = await startScriptedModel();
  provider = createProvider(
    {
      model: 'scripted-1',
      baseURL: model.baseURL,
      apiKey: 'test-key',
      temperature: 0.2,
      fallbackModels: ['scripted-2'],
      modelPolicy: {
        retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 50 },
        // A 5xx opens a breaker at once (the 429 of the first test does not count).
        circuitBreaker: { failureThreshold: 1, recoveryTimeoutMs: 60_000, failureCategories: ['internal'] },
      },
      mcp: { backends: { everything: everythingStdio() } },
    },
    { env: {}, logger, metricsRegistry: registry },
  );
  expect((await provider.pool!.connect()).failed).toEqual([]);
}, 30_000);

afterAll(async () => {
  await provider?.close();
  await model?.close();
  trace.disable();
  await tracerProvider.shutdown();
});

beforeEach(() => {
  exporter.reset();
  lines.length = 0;
});

const value = async (name: string, labels: Record<string, string>) => {
  const metric = (await registry.getMetricsAsJSON()).find((entry) => entry.name === name);
  const found = metric?.values.find((entry) =>
    Object.entries(labels).every(([key, wanted]) => String(entry.labels[key]) === wanted),
  );
  return found?.value;
};
/** Observations of a histogram with these labels. */
const histogramCount = async (name: string, labels: Record<string, string>) => {
  const metric = (await registry.getMetricsAsJSON()).find((entry) => entry.name === name);
  return metric?.values.find(
    (entry) =>
      (entry as { metricName?: string }).metricName === `${name}_count` &&
      Object.entries(labels).every(([key, wanted]) => String(entry.labels[key]) === wanted),
  )?.value;
};
/** Spans ended so far (the processor exports each one asynchronously). */
const finished = async () => {
  await tracerProvider.forceFlush();
  return exporter.getFinishedSpans();
};
const byName = (spans: ReadableSpan[], name: string) => spans.filter((span) => span.name === name);

describe('observability', () => {
  it('a tool loop with a retried model call: spans after the GenAI conventions, metrics, and a request id on every log line', async () => {
    model.script([
      { status: 429, headers: { 'retry-after': '0' }, body: { error: { message: 'slow down' } } },
      { toolCalls: [{ id: 'call_1', name: 'everything__echo', arguments: { message: 'hi' } }] },
      { text: ['Echo', ' said hi'] },
    ]);
    const parts = await collect(provider.generateStream({ prompt: 'Echo hi', requestId: 'req-42', seed: 7 }));
    expect(parts.at(-1)).toMatchObject({ type: 'finish', text: 'Echo said hi' });
    expect(parts[0]).toMatchObject({ type: 'start', requestId: 'req-42' });

    // Spans: one invoke_agent, a chat span per model call and an execute_tool span, both its children.
    const spans = await finished();
    const [root] = byName(spans, 'invoke_agent');
    expect(root).toBeDefined();
    expect(root!.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.request.model': 'scripted-1',
      'gen_ai.response.model': 'scripted-1',
      'gen_ai.provider.name': 'openai',
      'gen_ai.usage.input_tokens': 20,
      'gen_ai.usage.output_tokens': 10,
      'mcs.request_id': 'req-42',
      'mcs.steps': 2,
    });
    const chats = byName(spans, 'chat scripted-1');
    expect(chats).toHaveLength(2);
    for (const chat of chats) {
      expect(chat.parentSpanContext?.spanId).toBe(root!.spanContext().spanId);
      expect(chat.spanContext().traceId).toBe(root!.spanContext().traceId);
      expect(chat.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'scripted-1',
        'gen_ai.request.temperature': 0.2,
        'gen_ai.request.seed': 7,
        'gen_ai.response.model': 'scripted-1',
        'gen_ai.usage.input_tokens': 10,
        'gen_ai.usage.output_tokens': 5,
      });
    }
    expect(chats[0]!.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
    expect(chats[0]!.events.map((event) => event.name)).toEqual(['retry']);
    expect(chats[0]!.events[0]!.attributes).toMatchObject({ attempt: 1, 'mcs.error.category': 'rate_limited' });
    expect(chats[1]!.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    expect(chats[1]!.attributes['gen_ai.response.time_to_first_chunk']).toBeTypeOf('number');
    const [tool] = byName(spans, 'execute_tool everything.echo');
    expect(tool!.parentSpanContext?.spanId).toBe(root!.spanContext().spanId);
    expect(tool!.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'everything.echo',
      'gen_ai.tool.call.id': 'call_1',
      'mcp.method.name': 'tools/call',
      'mcs.backend': 'everything',
      'mcs.transport': 'stdio',
    });

    // Metrics on the registry passed in.
    expect(await value('mcs_provider_requests_total', { model: 'scripted-1', status: 'ok' })).toBe(1);
    expect(await value('mcs_provider_tool_calls_total', { backend: 'everything', status: 'ok' })).toBe(1);
    expect(
      await value('mcs_provider_retries_total', { target: 'model', name: 'scripted-1', category: 'rate_limited' }),
    ).toBe(1);
    expect(await value('mcs_provider_tokens_total', { model: 'scripted-1', type: 'input' })).toBe(20);
    expect(await histogramCount('mcs_provider_request_duration_seconds', { model: 'scripted-1' })).toBe(1);
    expect(await histogramCount('mcs_provider_time_to_first_token_seconds', { model: 'scripted-1' })).toBe(1);
    expect(await histogramCount('mcs_provider_tool_call_duration_seconds', { backend: 'everything' })).toBe(1);
    expect(
      await value('mcs_provider_pool_connections', { backend: 'everything', transport: 'stdio', state: 'ready' }),
    ).toBe(1);

    // Logs: the request id on every line; step on the step's lines; backend and tool on the tool's.
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(line.requestId).toBe('req-42');
    const messages = lines.map((line) => line.msg);
    expect(messages).toEqual(
      expect.arrayContaining([
        'generate started',
        'model call started',
        'model call retried',
        'tool call started',
        'tool call finished',
        'generate finished',
      ]),
    );
    for (const line of lines.filter((entry) => String(entry.msg).startsWith('model call')))
      expect(line.step).toBeTypeOf('number');
    const toolLines = lines.filter((entry) => String(entry.msg).startsWith('tool call'));
    expect(toolLines).toHaveLength(2);
    for (const line of toolLines)
      expect(line).toMatchObject({ step: 1, backend: 'everything', tool: 'everything.echo' });
  });

  it('a model that fails opens its breaker and falls over: breaker state, fallback and failure metrics, error spans', async () => {
    model.script([
      // One failure opens the main model's breaker (failureThreshold 1): its retry is refused without a request.
      { status: 500, body: { error: { message: 'boom' } } },
      { text: 'from the fallback' },
      // A second request: the main model is cooling down (open), the fallback answers 401 (not retried).
      { status: 401, body: { error: { message: 'bad key' } } },
    ]);
    const answer = await provider.generate({ prompt: 'hi', tools: [] });
    expect(answer.model).toBe('scripted-2');
    expect(await value('mcs_provider_breaker_state', { policy: 'model:scripted-1' })).toBe(2);
    expect(await value('mcs_provider_model_fallbacks_total', { from: 'scripted-1', to: 'scripted-2' })).toBe(1);

    exporter.reset();
    const parts = await collect(provider.generateStream({ prompt: 'again', tools: [] }));
    expect(parts.at(-1)).toMatchObject({ type: 'error', error: { code: 'MODEL_FAILED', category: 'unauthenticated' } });
    expect(await value('mcs_provider_requests_total', { model: 'scripted-1', status: 'unauthenticated' })).toBe(1);
    const [root] = byName(await finished(), 'invoke_agent');
    expect(root!.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(root!.attributes).toMatchObject({ 'error.type': 'MODEL_FAILED', 'mcs.error.category': 'unauthenticated' });
    expect(lines.find((line) => line.msg === 'generate failed')).toMatchObject({
      code: 'MODEL_FAILED',
      category: 'unauthenticated',
    });
  });

  it('leaving the loop early counts as cancelled and ends every span', async () => {
    model.script([{ text: ['one', 'two', 'three'] }]);
    for await (const part of provider.generateStream({ prompt: 'hi', tools: [], model: 'scripted-2' })) {
      if (part.type === 'text-delta') break;
    }
    expect(await value('mcs_provider_requests_total', { model: 'scripted-2', status: 'cancelled' })).toBe(1);
    const spans = await finished();
    expect(byName(spans, 'invoke_agent')).toHaveLength(1);
    expect(byName(spans, 'chat scripted-2')).toHaveLength(1);
  });
});

describe('tool call metrics', () => {
  it("count failed calls by backend and status: the tool's own error, a made-up tool", async () => {
    model.script([
      {
        toolCalls: [
          { id: 'bad-args', name: 'everything__get-sum', arguments: { a: 'x' } },
          { id: 'made-up', name: 'nowhere__tool', arguments: {} },
        ],
      },
      { text: 'recovered' },
    ]);
    // scripted-2: the first test file's model may still be cooling down after the breaker test.
    const answer = await provider.generate({ prompt: 'sum', model: 'scripted-2' });
    expect(answer.toolCalls.map(({ result }) => result.isError)).toEqual([true, true]);
    expect(await value('mcs_provider_tool_calls_total', { backend: 'everything', status: 'tool_error' })).toBe(1);
    expect(await value('mcs_provider_tool_calls_total', { backend: '', status: 'not_found' })).toBe(1);
    const failed = lines.filter((line) => line.msg === 'tool call failed');
    expect(failed).toEqual([expect.objectContaining({ step: 1, tool: 'nowhere__tool', code: 'UNKNOWN_BACKEND' })]);
  });
});

describe('span context', () => {
  it("the work runs in its span's context: the caller's span is the request's parent; listing, model request and tool call nest under theirs", async () => {
    const contexts = new AsyncLocalContextManager();
    context.setGlobalContextManager(contexts);
    const active = () => trace.getActiveSpan()?.spanContext().spanId;
    const seen: Record<string, string | undefined> = {};
    // The file's real pool and a real OpenAI chat model on the scripted server, each seen from the inside.
    const real = provider.pool!;
    const pool = new Proxy(real, {
      get(target, key) {
        if (key === 'listTools' || key === 'callTool') {
          return (...args: unknown[]) => {
            seen[key] = active();
            return (target[key] as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const openai = createOpenAIChatModel({
      modelId: 'scripted-1',
      apiKey: 'k',
      baseURL: model.baseURL,
      requestTimeoutMs: 10_000,
    });
    const languageModel: LanguageModelV1 = {
      ...openai,
      doGenerate: (options) => openai.doGenerate(options),
      doStream: (options) => {
        seen.doStream ??= active();
        return openai.doStream(options);
      },
    };
    try {
      await using observed = createProvider({ model: 'scripted-1', apiKey: 'k' }, { env: {}, pool, languageModel });
      model.script([
        { toolCalls: [{ id: 'call_9', name: 'everything__echo', arguments: { message: 'hi' } }] },
        { text: 'done' },
      ]);
      const tracer = trace.getTracer('the-application');
      const parts = await tracer.startActiveSpan('handle chat request', async (span) => {
        try {
          return await collect(observed.generateStream({ prompt: 'Echo hi' }));
        } finally {
          span.end();
        }
      });
      expect(parts.at(-1)).toMatchObject({ type: 'finish', text: 'done' });
      const spans = await finished();
      const id = (span: ReadableSpan | undefined) => span?.spanContext().spanId;
      const [app] = byName(spans, 'handle chat request');
      const [root] = byName(spans, 'invoke_agent');
      const [firstChat] = byName(spans, 'chat scripted-1');
      const [tool] = byName(spans, 'execute_tool everything.echo');
      expect(root!.parentSpanContext?.spanId).toBe(id(app));
      expect(firstChat!.parentSpanContext?.spanId).toBe(id(root));
      expect(tool!.parentSpanContext?.spanId).toBe(id(root));
      expect(seen).toEqual({ listTools: id(root), doStream: id(firstChat), callTool: id(tool) });
    } finally {
      context.disable();
    }
  });
});

describe('defaults', () => {
  it('silent and span-free without an SDK, no metrics without a registry; the Prometheus endpoint when configured', async () => {
    trace.disable();
    try {
      const quiet = createProvider({ model: 'scripted-1', baseURL: model.baseURL, apiKey: 'k' }, { env: {} });
      expect(quiet.metricsRegistry).toBeUndefined();
      model.script([{ text: 'ok' }]);
      expect((await quiet.generate({ prompt: 'hi' })).text).toBe('ok');
      expect(await finished()).toEqual([]);
      await quiet.close();

      const port = await getFreePort();
      const served = createProvider(
        {
          model: 'scripted-1',
          baseURL: model.baseURL,
          apiKey: 'k',
          observability: { enablePrometheus: true, prometheusPort: port, enableTracing: false },
        },
        { env: {} },
      );
      const endpoint = await served.metricsEndpoint;
      expect(endpoint).toBe(`http://127.0.0.1:${port}/metrics`);
      model.script([{ text: 'ok' }]);
      await served.generate({ prompt: 'hi' });
      const scraped = await fetch(endpoint!);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('mcs_provider_requests_total{model="scripted-1",status="ok"} 1');
      // A second provider on the same port cannot serve it: said through metricsEndpoint.
      const clash = createProvider(
        {
          model: 'scripted-1',
          apiKey: 'k',
          observability: { enablePrometheus: true, prometheusPort: port, logLevel: 'silent' },
        },
        { env: {} },
      );
      await expect(clash.metricsEndpoint).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
      // Providers may share a registry (the metrics are registered once); a request refused before
      // it starts is counted under the model it would have asked.
      const shared = createProvider(
        { model: 'scripted-3', apiKey: 'k', observability: { enableTracing: false } },
        { env: {}, metricsRegistry: registry },
      );
      expect(shared.metricsRegistry).toBe(registry);
      await collect(shared.generateStream({}));
      expect(await value('mcs_provider_requests_total', { model: 'scripted-3', status: 'invalid_input' })).toBe(1);
      await shared.close();
      await clash.close();
      await served.close();
      await expect(fetch(endpoint!)).rejects.toThrow();
    } finally {
      trace.setGlobalTracerProvider(tracerProvider);
    }
  });
});
