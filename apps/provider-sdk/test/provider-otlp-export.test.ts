// `observability.otlpEndpoint`: the provider exports its own spans over OTLP/HTTP (the official
// exporter), to a collector played by a loopback HTTP server that keeps what is POSTed to /v1/traces.
// No SDK is registered globally, by the test or by the provider.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvider, ProviderError } from '../src/index.js';
import { type ScriptedModel, startScriptedModel } from './scripted-model.js';

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: number | string; boolValue?: boolean; arrayValue?: unknown };
}
interface OtlpSpan {
  name: string;
  traceId: string;
  parentSpanId?: string;
  spanId: string;
  attributes: OtlpAttribute[];
}
interface OtlpExport {
  resourceSpans: {
    resource: { attributes: OtlpAttribute[] };
    scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[];
  }[];
}

const received: { path: string | undefined; contentType: string | undefined; body: OtlpExport }[] = [];
const collector = createServer((request: IncomingMessage, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    received.push({
      path: request.url,
      contentType: request.headers['content-type'],
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport,
    });
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
let collectorAddress = '';
let model: ScriptedModel;

beforeAll(async () => {
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  collectorAddress = `127.0.0.1:${(collector.address() as AddressInfo).port}`;
  model = await startScriptedModel();
});

afterAll(async () => {
  await model?.close();
  await new Promise<void>((resolve) => collector.close(() => resolve()));
});

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((entry) => entry.key === key)?.value;
  return value?.stringValue ?? value?.intValue ?? value?.boolValue;
};

describe('observability.otlpEndpoint', () => {
  it('exports the spans of a generate to the collector (POST /v1/traces), with the GenAI names, flushed at close', async () => {
    const provider = createProvider(
      {
        model: 'scripted-1',
        baseURL: model.baseURL,
        apiKey: 'test-key',
        observability: { otlpEndpoint: collectorAddress, serviceName: 'otlp-test' },
      },
      { env: {} },
    );
    model.script([{ text: 'exported' }]);
    const result = await provider.generate({ prompt: 'hi', requestId: 'otlp-1' });
    expect(result.text).toBe('exported');
    // The batch processor holds the spans; close() flushes them.
    await provider.close();

    expect(received.length).toBeGreaterThan(0);
    for (const entry of received) {
      expect(entry.path).toBe('/v1/traces');
      expect(entry.contentType).toMatch(/^application\/json/);
    }
    const resourceSpans = received.flatMap((entry) => entry.body.resourceSpans);
    expect(resourceSpans[0]!.resource.attributes).toContainEqual({
      key: 'service.name',
      value: { stringValue: 'otlp-test' },
    });
    const scopes = resourceSpans.flatMap((entry) => entry.scopeSpans);
    expect(new Set(scopes.map((scope) => scope.scope.name))).toEqual(new Set(['@mcs/provider-sdk']));
    const spans = scopes.flatMap((scope) => scope.spans);
    const agent = spans.find((span) => span.name === 'invoke_agent');
    const chat = spans.find((span) => span.name === 'chat scripted-1');
    expect(agent).toBeDefined();
    expect(chat).toBeDefined();
    expect(attribute(agent!, 'gen_ai.operation.name')).toBe('invoke_agent');
    expect(attribute(agent!, 'mcs.request_id')).toBe('otlp-1');
    expect(attribute(chat!, 'gen_ai.operation.name')).toBe('chat');
    expect(attribute(chat!, 'gen_ai.provider.name')).toBe('openai');
    expect(attribute(chat!, 'gen_ai.request.model')).toBe('scripted-1');
    // The model call is the request's child, in the same trace.
    expect(chat!.traceId).toBe(agent!.traceId);
    expect(chat!.parentSpanId).toBe(agent!.spanId);
    // Nothing was registered globally: the API's proxy still has no SDK behind it.
    const global = trace.getTracerProvider() as { getDelegateTracer?: (name: string) => unknown };
    expect(global.getDelegateTracer?.('@mcs/provider-sdk')).toBeUndefined();
  });

  it('exports nothing with enableTracing: false', async () => {
    received.length = 0;
    const provider = createProvider(
      {
        model: 'scripted-1',
        baseURL: model.baseURL,
        apiKey: 'test-key',
        observability: { otlpEndpoint: collectorAddress, enableTracing: false },
      },
      { env: {} },
    );
    model.script([{ text: 'quiet' }]);
    expect((await provider.generate({ prompt: 'hi' })).text).toBe('quiet');
    await provider.close();
    expect(received).toEqual([]);
  });

  it('refuses an endpoint that is not host:port or an http(s) URL, naming the key', () => {
    for (const otlpEndpoint of ['ftp://collector:4318', 'http://', '::::']) {
      const attempt = () =>
        createProvider(
          { model: 'scripted-1', baseURL: model.baseURL, apiKey: 'k', observability: { otlpEndpoint } },
          { env: {} },
        );
      expect(attempt).toThrow(ProviderError);
      expect(attempt).toThrow(/observability\.otlpEndpoint: expected host:port or an http\(s\) URL/);
    }
  });
});
