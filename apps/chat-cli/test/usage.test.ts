// Flags, config and .env handling of the built CLI: usage and config errors exit 2 naming the problem.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScriptedModel, startScriptedModel } from '../../provider-sdk/test/scripted-model.js';
import { makeWorkDir, modelEnv, runCli, type WorkDir } from './cli-process.js';

let model: ScriptedModel;
let dir: WorkDir;

beforeAll(async () => {
  model = await startScriptedModel();
  dir = await makeWorkDir();
});

afterAll(async () => {
  await dir?.[Symbol.asyncDispose]();
  await model?.close();
});

const run = (args: string[], env = modelEnv('http://127.0.0.1:9/v1')) => runCli(args, { cwd: dir.path, env });

describe('mcs-chat flags', () => {
  it('--help prints the usage on stdout and exits 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('usage: mcs-chat [--config <file>] [--model <name>] [-p <prompt>] [--json]');
  });

  it('--version prints the package version and exits 0', async () => {
    const { code, stdout } = await run(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('0.1.0');
  });

  it('an unknown flag exits 2 naming it', async () => {
    const { code, stdout, stderr } = await run(['--bogus', '-p', 'hi']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain("'--bogus'");
    expect(stderr).toContain('[USAGE]');
  });

  it('a flag without its value exits 2', async () => {
    const { code, stderr } = await run(['-p']);
    expect(code).toBe(2);
    expect(stderr).toContain('--prompt');
  });
});

describe('mcs-chat config', () => {
  it('a missing --config file exits 2 naming the file', async () => {
    const { code, stderr } = await run(['--config', 'missing.json', '-p', 'hi']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/missing\.json: config file not found/);
  });

  it('a config that is not JSON exits 2 naming the file', async () => {
    await dir.write('broken.json', '{ "model": ');
    const { code, stderr } = await run(['--config', 'broken.json', '-p', 'hi']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/broken\.json: not valid JSON/);
  });

  it('a bad field exits 2 naming the file and the field', async () => {
    await dir.write('bad-field.json', { mcp: { backends: { web: { transport: 'http', url: 'ftp://example' } } } });
    const { code, stderr } = await run(['--config', 'bad-field.json', '-p', 'hi']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/bad-field\.json: .*mcp\.backends\.web\.url: must be an http:\/\/ or https:\/\/ URL/);
  });

  it('an unknown key exits 2 naming it', async () => {
    await dir.write('unknown-key.json', { modle: 'typo' });
    const { code, stderr } = await run(['--config', 'unknown-key.json', '-p', 'hi']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown-key.json');
    expect(stderr).toContain('modle');
  });

  it('an unset variable in the config exits 2 naming the variable; --json reports it as an error line', async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${VAR} syntax
    await dir.write('env-missing.json', { apiKey: '${MCS_CHAT_TEST_UNSET_KEY}' });
    const { code, stdout } = await run(['--config', 'env-missing.json', '--json', '-p', 'hi']);
    expect(code).toBe(2);
    const event = JSON.parse(stdout.trim());
    expect(event).toMatchObject({ type: 'error', code: 'CONFIG_INVALID' });
    expect(event.message).toContain('MCS_CHAT_TEST_UNSET_KEY');
  });

  it('no model anywhere exits 2 saying to set OPENAI_MODEL', async () => {
    const { OPENAI_MODEL: _unset, ...env } = modelEnv(model.baseURL);
    const { code, stderr } = await run(['-p', 'hi'], env);
    expect(code).toBe(2);
    expect(stderr).toContain('OPENAI_MODEL');
  });

  it('reads ./.env for unset variables; the real environment wins; --model wins over both', async () => {
    await using work = await makeWorkDir();
    await work.write('.env', 'OPENAI_MODEL=model-from-dotenv\nOPENAI_BASE_URL=http://127.0.0.1:9/v1\n');
    const { OPENAI_MODEL: _unset, ...env } = modelEnv(model.baseURL);
    model.script([{ text: 'one' }, { text: 'two' }]);
    const first = await runCli(['-p', 'hi'], { cwd: work.path, env });
    expect(first).toMatchObject({ code: 0, stdout: 'one\n' });
    const second = await runCli(['--model', 'model-from-flag', '-p', 'hi'], { cwd: work.path, env });
    expect(second).toMatchObject({ code: 0, stdout: 'two\n' });
    expect(model.requests.slice(-2).map((request) => request.model)).toEqual(['model-from-dotenv', 'model-from-flag']);
  });
});
