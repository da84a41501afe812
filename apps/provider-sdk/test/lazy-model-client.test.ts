// Importing the package and creating a provider must not load the `openai` client (about 800
// modules, most of a CLI's start-up); it is loaded at the first model call. Checked in a child process
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
const { createProvider } = await import(${JSON.stringify(DIST)});
await using provider = createProvider({ model: 'scripted-1', apiKey: 'test-key', baseURL: process.argv[1] });
const before = openaiLoaded();
const result = await provider.generate({ prompt: 'hi' });
console.log(JSON.stringify({ before, after: openaiLoaded(), text: result.text }));
`;

describe('the openai client', () => {
  it('is loaded at the first model call, not when the package is imported or a provider created', async () => {
    await using model = await startScriptedModel();
    model.script([{ text: 'hello' }]);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', SCRIPT, model.baseURL],
      { timeout: 30_000, cwd: fileURLToPath(new URL('..', import.meta.url)) },
    );
    const { before, after, text } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    expect(text).toBe('hello');
    expect(before).toBe(0);
    expect(after).toBeGreaterThan(100);
  });
});
