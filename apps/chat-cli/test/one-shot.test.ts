// `mcs-chat -p`: the built CLI against the scripted model and a real MCP server (server-everything, stdio).

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { everythingConfig, makeWorkDir, runCli } from './cli-process.js';
import { useScriptedChat } from './scripted-chat.js';

const chat = useScriptedChat(everythingConfig({ system: 'You are a test.' }));
const run = (args: string[]) => chat.run(args);

type Message = { role: string; content?: unknown; tool_call_id?: string };
const messagesOf = (request: Record<string, unknown> | undefined) => (request?.messages ?? []) as Message[];

describe('mcs-chat -p', () => {
  it('streams the final answer to stdout after the model called a real tool', async () => {
    const before = chat.model.requests.length;
    chat.model.script([
      { toolCalls: [{ id: 'call_1', name: 'everything__echo', arguments: { message: 'hello from the test' } }] },
      { text: ['The tool ', 'answered.'] },
    ]);
    const { code, stdout, stderr } = await run(['-p', 'Echo something']);
    expect(code).toBe(0);
    expect(stdout).toBe('The tool answered.\n');
    expect(stderr).toContain('→ everything.echo {"message":"hello from the test"}');
    expect(stderr).toContain('← everything.echo Echo: hello from the test');
    const [first, second] = chat.model.requests.slice(before);
    expect(messagesOf(first)).toEqual([
      { role: 'system', content: 'You are a test.' },
      { role: 'user', content: 'Echo something' },
    ]);
    // The real server's output went back to the model as the tool message.
    expect(messagesOf(second)).toContainEqual({
      role: 'tool',
      tool_call_id: 'call_1',
      content: 'Echo: hello from the test',
    });
  });

  it('--json writes one JSON object per line for every step, in order, and nothing else', async () => {
    chat.model.script([
      { toolCalls: [{ id: 'call_2', name: 'everything__get-sum', arguments: { a: 2, b: 3 } }] },
      { text: ['Five', '.'], usage: { prompt_tokens: 7, completion_tokens: 2 } },
    ]);
    const { code, stdout } = await run(['--json', '-p', 'Add 2 and 3']);
    expect(code).toBe(0);
    const events = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((event) => event.type)).toEqual([
      'tool-call',
      'tool-result',
      'text-delta',
      'text-delta',
      'final',
    ]);
    expect(events[0]).toEqual({
      type: 'tool-call',
      step: 1,
      id: 'call_2',
      name: 'everything.get-sum',
      args: { a: 2, b: 3 },
    });
    expect(events[1]).toMatchObject({ type: 'tool-result', id: 'call_2', name: 'everything.get-sum', isError: false });
    expect(String(events[1]?.content)).toContain('5');
    expect(events.slice(2, 4)).toEqual([
      { type: 'text-delta', step: 2, text: 'Five' },
      { type: 'text-delta', step: 2, text: '.' },
    ]);
    expect(events[4]).toMatchObject({ type: 'final', text: 'Five.', finishReason: 'stop', steps: 2 });
  });

  it('a model failure exits 4 with the message, as text and as a JSON error line', async () => {
    const failure = {
      status: 400,
      body: { error: { message: 'the scripted model refuses', type: 'invalid_request_error' } },
    };
    chat.model.script([failure, failure]);
    const text = await run(['-p', 'hi']);
    expect(text.code).toBe(4);
    expect(text.stdout).toBe('');
    expect(text.stderr).toContain('the scripted model refuses');
    const json = await run(['--json', '-p', 'hi']);
    expect(json.code).toBe(4);
    const lines = json.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'error' });
    expect(JSON.parse(lines[0]!).message).toContain('the scripted model refuses');
  });

  it('an MCP server that cannot start: -p warns and answers without it; --require-servers exits 3 before asking the model', async () => {
    await using work = await makeWorkDir();
    await work.write('config.json', {
      mcp: { backends: { broken: { transport: 'stdio', command: '/nonexistent/mcs-chat-test-server' } } },
    });
    const before = chat.model.requests.length;
    const required = await runCli(['--require-servers', '-p', 'hi'], { cwd: work.path, env: chat.env() });
    expect(required.code).toBe(3);
    expect(required.stdout).toBe('');
    expect(required.stderr).toContain('backend "broken"');
    expect(required.stderr).toContain('/nonexistent/mcs-chat-test-server');
    expect(chat.model.requests.length).toBe(before);

    chat.model.script([{ text: 'without it' }]);
    const lenient = await runCli(['-p', 'hi'], { cwd: work.path, env: chat.env() });
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toBe('without it\n');
    expect(lenient.stderr).toContain('MCP server "broken" is not connected');
  });

  it('--json reports a retried model call (429) as a retry line before the answer', async () => {
    chat.model.script([
      { status: 429, headers: { 'retry-after': '0' }, body: { error: { message: 'slow down' } } },
      { text: 'ok' },
    ]);
    const { code, stdout } = await run(['--json', '-p', 'hi']);
    expect(code).toBe(0);
    const events = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((event) => event.type)).toEqual(['retry', 'text-delta', 'final']);
    expect(events[0]).toMatchObject({ type: 'retry', attempt: 1, category: 'rate_limited' });
  });

  it('-p - reads the prompt from stdin (to its end)', async () => {
    const before = chat.model.requests.length;
    chat.model.script([{ text: ['From stdin.'] }]);
    const cli = chat.start(['-p', '-']);
    cli.child.stdin?.write('line one\n');
    cli.child.stdin?.end('line two\n');
    expect(await cli.exited()).toBe(0);
    expect(cli.stdout()).toBe('From stdin.\n');
    expect(messagesOf(chat.model.requests[before])).toContainEqual({ role: 'user', content: 'line one\nline two' });
  });

  it('-p - with an empty stdin exits 2 saying the prompt is empty', async () => {
    const { code, stderr } = await run(['-p', '-']);
    expect(code).toBe(2);
    expect(stderr).toContain('[USAGE]');
    expect(stderr).toContain('stdin');
  });

  it('a piped stdin without -p is the prompt, read to its end: one turn, not the REPL line by line', async () => {
    const before = chat.model.requests.length;
    chat.model.script([{ text: ['One answer.'] }]);
    const { code, stdout, stderr } = await runCli([], {
      cwd: chat.dir.path,
      env: chat.env(),
      interactive: false,
      stdin: 'question line one\nquestion line two\n',
    });
    expect(code).toBe(0);
    expect(stdout).toBe('One answer.\n');
    // No REPL: no banner, no prompt, and the model was asked once with the whole text.
    expect(stderr).not.toContain('/help lists the commands');
    expect(stdout).not.toContain('> ');
    expect(chat.model.requests.length).toBe(before + 1);
    expect(messagesOf(chat.model.requests[before])).toContainEqual({
      role: 'user',
      content: 'question line one\nquestion line two',
    });
  });

  it('a piped stdin without -p that is empty exits 2 and says how to chat instead; -i keeps the REPL on a pipe', async () => {
    const empty = await runCli([], { cwd: chat.dir.path, env: chat.env(), interactive: false, stdin: '  \n' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('stdin is not a terminal and was empty');
    expect(empty.stderr).toContain('[USAGE]');

    const before = chat.model.requests.length;
    chat.model.script([{ text: 'first answer' }, { text: 'second answer' }]);
    const repl = await runCli(['-i'], {
      cwd: chat.dir.path,
      env: chat.env(),
      interactive: false,
      stdin: 'first turn\nsecond turn\n',
    });
    expect(repl.code).toBe(0);
    expect(repl.stdout).toContain('first answer');
    expect(repl.stdout).toContain('second answer');
    expect(chat.model.requests.length).toBe(before + 2);

    const both = await runCli(['-i', '-p', 'hi'], { cwd: chat.dir.path, env: chat.env(), interactive: false });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--interactive and -p exclude each other');
  });

  it('without --config and ./config.json, reads $XDG_CONFIG_HOME/mcs-chat/config.json', async () => {
    await using home = await makeWorkDir();
    await using cwd = await makeWorkDir();
    await mkdir(join(home.path, 'mcs-chat'));
    await writeFile(join(home.path, 'mcs-chat', 'config.json'), JSON.stringify({ model: 'xdg-model' }));
    const before = chat.model.requests.length;
    chat.model.script([{ text: ['From XDG.'] }]);
    const { code, stdout } = await runCli(['-p', 'hi'], {
      cwd: cwd.path,
      env: chat.env({ XDG_CONFIG_HOME: home.path }),
    });
    expect(code).toBe(0);
    expect(stdout).toBe('From XDG.\n');
    expect(chat.model.requests[before]?.model).toBe('xdg-model');
  });
});
