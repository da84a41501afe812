// The library API (`createChat`, `openLocalChat`): the README's examples are the files in examples/,
// type-checked here against the built package's types and run against the scripted model and
// server-everything over stdio; `createChat` in-process keeps the conversation and cancels on abort.
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from '@mcs/test-utils';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { createChat } from '../src/index.js';
import { everythingConfig } from './cli-process.js';
import { useScriptedChat } from './scripted-chat.js';

const chat = useScriptedChat(everythingConfig());
const example = (name: string) => fileURLToPath(new URL(`../examples/${name}`, import.meta.url));
const EXAMPLES = ['chat-steps.ts', 'local-chat.ts'];

describe('library API', () => {
  it("the README's examples are examples/*.ts, and they type-check against the package's types", async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    for (const name of EXAMPLES) {
      const code = await readFile(example(name), 'utf8');
      expect(readme).toContain(`<!-- examples/${name} -->\n\n\`\`\`ts\n${code}\`\`\``);
    }
    const { config } = ts.readConfigFile(fileURLToPath(new URL('../tsconfig.json', import.meta.url)), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config, ts.sys, fileURLToPath(new URL('..', import.meta.url)));
    const program = ts.createProgram(EXAMPLES.map(example), { ...options, noEmit: true });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    expect(problems).toEqual([]);
  });

  it('examples/chat-steps.ts prints every step of two turns as JSON; the second turn sees the first', async () => {
    chat.model.script([
      { toolCalls: [{ id: 'call_sum', name: 'everything__get-sum', arguments: { a: 2, b: 3 } }] },
      { text: ['It is ', '5.'] },
      { text: 'Still 5.' },
    ]);
    const before = chat.model.requests.length;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [example('chat-steps.ts'), 'add 2 and 3', 'again?'],
      {
        cwd: chat.dir.path,
        env: chat.env(),
        timeout: 30_000,
      },
    );
    const steps = stdout
      .split('\n')
      .filter((line) => line.startsWith('<< '))
      .map((line) => JSON.parse(line.slice(3)) as { type: string; [key: string]: unknown });
    expect(steps.map((step) => step.type)).toEqual(['tool-call', 'tool-result', 'final', 'final']);
    expect(steps[0]).toMatchObject({ name: 'everything.get-sum', args: { a: 2, b: 3 } });
    expect(steps[1]).toMatchObject({ isError: false, content: 'The sum of 2 and 3 is 5.' });
    expect(steps[2]).toMatchObject({ text: 'It is 5.', finishReason: 'stop', steps: 2 });
    expect(stdout).toContain('turns kept: 2');
    const third = chat.model.requests[before + 2]?.messages as { role: string }[];
    expect(third.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'user']);
  });

  it('examples/local-chat.ts runs the interactive chat (here on pipes) and resolves with its exit code', async () => {
    const child = spawn(process.execPath, [example('local-chat.ts')], { cwd: chat.dir.path, env: chat.env() });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      await waitFor(() => out.includes('> '), { timeoutMs: 20_000, what: 'the prompt' });
      child.stdin.write('/tools\n');
      await waitFor(() => out.includes('everything.get-sum'), { timeoutMs: 20_000, what: '/tools' });
      child.stdin.write('/exit\n');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('createChat in-process: steps carry .json, aborting cancels the turn, close ends the servers', async () => {
    const session = await createChat({ cwd: chat.dir.path, env: chat.env() });
    try {
      expect(session.servers.ready).toEqual(['everything']);
      chat.model.script([{ text: ['first ', 'answer'] }, { text: 'partial', hang: true }]);
      const first = [];
      for await (const step of session.send('hello')) first.push(step);
      expect(first.map((step) => step.type)).toEqual(['text-delta', 'text-delta', 'final']);
      expect(first.at(-1)?.json).toEqual({
        type: 'final',
        text: 'first answer',
        finishReason: 'stop',
        steps: 1,
        usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
      });

      const controller = new AbortController();
      const second = [];
      for await (const step of session.send('wait', { signal: controller.signal })) {
        second.push(step.json);
        if (step.type === 'text-delta') controller.abort();
      }
      expect(second).toEqual([
        { type: 'text-delta', step: 1, text: 'partial' },
        expect.objectContaining({ type: 'error', code: 'CANCELLED' }),
      ]);
      // The cancelled turn is not kept.
      expect(session.history).toEqual([
        { role: 'user', content: 'hello' },
        { role: 'assistant', content: 'first answer' },
      ]);
    } finally {
      await session.close();
    }
  });
});
