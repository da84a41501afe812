// What `import '@mcs/provider-sdk'` and an MCP pool over stdio load: not grpc-js and the gateway
// contract (only a pool with a gRPC backend), nor yaml (YAML config files), jose (servers' JWTs),
// pino and prom-client (made with a provider), ajv (the first schema checked), @opentelemetry/api
// (a span to make: not while no OpenTelemetry SDK is registered, even through a provider's request).
// mcs-chat's start to
// its prompt is this path (bench/chat-cli); each of these cost it tens of milliseconds of CPU.
// Checked in a child process on the built package, with a module hook that lists every module loaded.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { getFreePort } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { startScriptedModel } from './scripted-model.js';

const DIST = new URL('../dist/index.js', import.meta.url).href;
const everything = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');

const SCRIPT = `
import { registerHooks } from 'node:module';
const loaded = [];
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
const packages = ['@grpc/grpc-js', '@bufbuild/protobuf', 'yaml', 'jose', 'pino', 'prom-client', 'ajv', '@opentelemetry/api'];
const heavy = () =>
  Object.fromEntries(packages.map((name) => [name, loaded.filter((url) => url.includes('/node_modules/' + name + '/')).length]));
const [everything, grpcPort, modelURL] = process.argv.slice(1);
const { createMcpClientPool, createProvider } = await import(${JSON.stringify(DIST)});
const afterImport = heavy();
const pool = createMcpClientPool({
  backends: { everything: { transport: 'stdio', command: process.execPath, args: [everything, 'stdio'] } },
});
const connected = await pool.connect({ timeoutMs: 20_000 });
const tools = (await pool.listTools()).tools.length;
await pool.close();
const afterStdioPool = heavy();
// A provider's whole request (the scripted model answers) with no OpenTelemetry SDK: no span, no API.
const provider = createProvider({ model: 'scripted-model', baseURL: modelURL, apiKey: 'test' });
const answer = (await provider.generate({ prompt: 'hi' })).text;
await provider.close();
const afterRequest = heavy();
// A gRPC backend loads its client (nothing listens on the port: the connection only has to exist).
const grpcPool = createMcpClientPool({ backends: { gw: { transport: 'grpc', address: '127.0.0.1:' + grpcPort } } });
const grpcStatus = grpcPool.statuses()[0]?.status;
await grpcPool.close();
// Once an SDK-like tracer provider is registered through the API, a request makes spans and loads it.
const api = await import('@opentelemetry/api');
const spans = [];
const tracer = { startSpan: (name) => { spans.push(name); return api.trace.wrapSpanContext(api.INVALID_SPAN_CONTEXT); } };
api.trace.setGlobalTracerProvider({ getTracer: () => tracer });
const traced = createProvider({ model: 'scripted-model', baseURL: modelURL, apiKey: 'test' });
await traced.generate({ prompt: 'hi again' });
await traced.close();
console.log(JSON.stringify({ afterImport, afterStdioPool, answer, afterRequest, spans, ready: connected.ready, tools, grpcStatus, afterGrpcPool: heavy() }));
`;

describe('import @mcs/provider-sdk and a stdio pool', () => {
  it('load no grpc-js, protobuf, yaml, jose, pino, prom-client, ajv or @opentelemetry/api; a gRPC backend loads grpc-js', async () => {
    await using model = await startScriptedModel();
    model.script([{ text: 'an answer' }, { text: 'a traced answer' }]);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', SCRIPT, everything, String(await getFreePort()), model.baseURL],
      { timeout: 60_000, cwd: fileURLToPath(new URL('..', import.meta.url)) },
    );
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    const none = {
      '@grpc/grpc-js': 0,
      '@bufbuild/protobuf': 0,
      yaml: 0,
      jose: 0,
      pino: 0,
      'prom-client': 0,
      ajv: 0,
      '@opentelemetry/api': 0,
    };
    expect(result.afterImport).toEqual(none);
    // The pool really worked over stdio, and still loaded none of them.
    expect(result.ready).toEqual(['everything']);
    expect(result.tools).toBeGreaterThan(5);
    expect(result.afterStdioPool).toEqual(none);
    // A provider's request with no SDK registered: answered, and still no @opentelemetry/api (pino and
    // prom-client come with a provider).
    expect(result.answer).toBe('an answer');
    expect(result.afterRequest['@opentelemetry/api']).toBe(0);
    // Registered, the request's spans are made (the API is loaded then).
    expect(result.spans).toEqual(expect.arrayContaining(['invoke_agent', 'chat scripted-model']));
    expect(result.grpcStatus).toBeDefined();
    expect(result.afterGrpcPool['@grpc/grpc-js']).toBeGreaterThan(10);
  });
});
