// Importing the package and creating a provider must not load the `openai` client (about 800
// modules, most of a CLI's start-up); it is loaded at the first model call. Nor the OpenTelemetry SDK
// and OTLP exporter, loaded only for `observability.otlpEndpoint`. Checked in a child process
// on the built package, with a module hook that lists every module loaded.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startScriptedModel } from './scripted-model.js';

const DIST = new URL('../dist/index.js', import.meta.url).href;

const SCRIPT = `
import { registerHooks } from 'node:module';
const loaded = [];
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
const openaiLoaded = () => loaded.filter((url) => /\\/node_modules\\/openai\\//.test(url)).length;
// The OpenTelemetry SDK and OTLP exporter: loaded only for observability.otlpEndpoint.
const otelSdkLoaded = () =>
  loaded.filter((url) => /\\/node_modules\\/@opentelemetry\\/(sdk-trace|exporter-trace-otlp-http|resources|core)\\//.test(url)).length;
const { createProvider } = await import(${JSON.stringify(DIST)});
await using provider = createProvider({ model: 'scripted-1', apiKey: 'test-key', baseURL: process.argv[1] });
const before = openaiLoaded();
const result = await provider.generate({ prompt: 'hi' });
const otel = otelSdkLoaded();
// With an endpoint they are (the scripted model's origin answers the export with a 404, unretried).
const exporting = createProvider({ model: 'scripted-1', apiKey: 'test-key', baseURL: process.argv[1],
  observability: { otlpEndpoint: new URL(process.argv[1]).origin } });
await exporting.generate({ prompt: 'hi' });
await exporting.close();
console.log(JSON.stringify({ before, after: openaiLoaded(), otel, otelExporting: otelSdkLoaded(), text: result.text }));
`;

describe('the openai client and the OpenTelemetry SDK', () => {
  it('openai is loaded at the first model call, not at import or createProvider; the OpenTelemetry SDK only with otlpEndpoint', async () => {
    await using model = await startScriptedModel();
    model.script([{ text: 'hello' }, { text: 'hello again' }]);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', SCRIPT, model.baseURL],
      { timeout: 30_000, cwd: fileURLToPath(new URL('..', import.meta.url)) },
    );
    const { before, after, otel, otelExporting, text } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    expect(text).toBe('hello');
    expect(before).toBe(0);
    expect(after).toBeGreaterThan(100);
    // No otlpEndpoint: the OpenTelemetry SDK is never loaded (only @opentelemetry/api).
    expect(otel).toBe(0);
    expect(otelExporting).toBeGreaterThan(10);
  });
});
