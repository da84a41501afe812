// The interactive chat of the built CLI, driven through its stdin, against the scripted model and a
// real MCP server (server-everything over stdio, a child process of the CLI).
import { getFreePort, waitFor } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { childProcesses, everythingConfig, isAlive, makeWorkDir, startCli } from './cli-process.js';
import { useScriptedChat } from './scripted-chat.js';

const chat = useScriptedChat(everythingConfig());

type Message = { role: string; content?: unknown };
const messagesOf = (request: Record<string, unknown> | undefined) => (request?.messages ?? []) as Message[];
const start = () => chat.start();

describe('mcs-chat REPL', () => {
  it('keeps the history across turns, lists the tools, and /exit closes the stdio server and exits 0', async () => {
    const cli = start();
    try {
      let at = await cli.waitForStdout('> ');
      cli.line('/tools');
      // Each tool is its own line (and write): wait for a late one, not only the first.
      at = await cli.waitForStdout('everything.get-sum', at);
      expect(cli.stdout()).toContain('everything.echo');
      const backend = await waitFor(
        () => childProcesses(cli.child.pid!).find((child) => child.cmdline.includes('server-everything')),
        { timeoutMs: 10_000, what: 'the server-everything child of mcs-chat' },
      );

      const before = chat.model.requests.length;
      chat.model.script([{ text: ['first ', 'answer'] }, { text: 'second answer' }]);
      cli.line('first question');
      at = await cli.waitForStdout('first answer\n', at);
      cli.line('second question');
      at = await cli.waitForStdout('second answer\n', at);
      expect(messagesOf(chat.model.requests[before + 1])).toEqual([
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: 'second question' },
      ]);
      // A trailing backslash continues the entry: two lines, one turn (the backslash dropped).
      chat.model.script([{ text: 'third answer' }]);
      cli.line('third\\');
      cli.line('question');
      at = await cli.waitForStdout('third answer\n', at);
      expect(messagesOf(chat.model.requests.at(-1)).at(-1)).toEqual({ role: 'user', content: 'third\nquestion' });

      cli.line('/exit');
      expect(await cli.exited()).toBe(0);
      await waitFor(() => !isAlive(backend.pid), {
        timeoutMs: 10_000,
        what: `server-everything (${backend.pid}) to end`,
      });
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('Ctrl-C (SIGINT) cancels the running answer and the REPL goes on; Ctrl-D exits 0', async () => {
    const cli = start();
    try {
      let at = await cli.waitForStdout('> ');
      const disconnects = chat.model.disconnects;
      chat.model.script([{ text: 'partial', hang: true }, { text: 'after the cancel' }]);
      cli.line('a long question');
      at = await cli.waitForStdout('partial', at);
      cli.child.kill('SIGINT');
      await waitFor(() => cli.stderr().includes('(answer cancelled)'), {
        timeoutMs: 20_000,
        what: 'the cancel notice',
      });
      await waitFor(() => chat.model.disconnects > disconnects, {
        timeoutMs: 20_000,
        what: 'the model stream to close',
      });
      expect(cli.stderr()).not.toContain('[CANCELLED]');
      cli.line('next question');
      await cli.waitForStdout('after the cancel\n', at);
      // The cancelled turn is not in the history.
      expect(messagesOf(chat.model.requests.at(-1))).toEqual([{ role: 'user', content: 'next question' }]);
      cli.child.stdin?.end();
      expect(await cli.exited()).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('/prompt and /read add a server prompt and a resource to the next turn; /clear forgets; SIGTERM exits 0', async () => {
    const cli = start();
    try {
      let at = await cli.waitForStdout('> ');
      cli.line('/prompt everything.simple-prompt');
      at = await cli.waitForStdout('added 1 message(s) of prompt everything.simple-prompt', at);
      cli.line('/read demo://resource/dynamic/text/1');
      at = await cli.waitForStdout('added resource demo://resource/dynamic/text/1', at);
      cli.line('/prompt everything.simple-prompt not-key-value');
      await waitFor(() => cli.stderr().includes('"not-key-value" is not key=value'), {
        timeoutMs: 10_000,
        what: 'the bad arguments message',
      });
      chat.model.script([{ text: 'with context' }, { text: 'fresh' }]);
      cli.line('use them');
      at = await cli.waitForStdout('with context\n', at);
      const messages = messagesOf(chat.model.requests.at(-1));
      expect(messages[0]).toEqual({ role: 'user', content: 'This is a simple prompt without arguments.' });
      expect(messages[1]?.content).toMatch(
        /^Contents of the resource demo:\/\/resource\/dynamic\/text\/1:\nResource 1: /,
      );
      expect(messages[2]).toEqual({ role: 'user', content: 'use them' });

      cli.line('/config');
      at = await cli.waitForStdout('"transport": "stdio"', at);

      cli.line('/clear');
      at = await cli.waitForStdout('conversation cleared', at);
      cli.line('again');
      await cli.waitForStdout('fresh\n', at);
      expect(messagesOf(chat.model.requests.at(-1))).toEqual([{ role: 'user', content: 'again' }]);

      cli.child.kill('SIGTERM');
      expect(await cli.exited()).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it("/resources and /prompts list the servers' resources, templates and prompts", async () => {
    const cli = start();
    try {
      let at = await cli.waitForStdout('> ');
      cli.line('/resources');
      at = await cli.waitForStdout('[everything, template]', at);
      expect(cli.stdout()).toMatch(/demo:\/\/\S+ {2}\[everything\]/);
      cli.line('/prompts');
      at = await cli.waitForStdout('everything.args-prompt {', at);
      expect(cli.stdout()).toContain('everything.simple-prompt');
      // A URI that /resources listed is read without naming the server.
      const uri = /(demo:\/\/\S+) {2}\[everything\]/.exec(cli.stdout())![1]!;
      cli.line(`/read ${uri}`);
      await cli.waitForStdout(`added resource ${uri}`, at);
      cli.line('/exit');
      expect(await cli.exited()).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('names the MCP servers that could not connect at start; /tools, /prompts and turns go on without them', async () => {
    await using work = await makeWorkDir();
    const config = everythingConfig();
    const backends = (config.mcp as { backends: Record<string, unknown> }).backends;
    backends.broken = { transport: 'stdio', command: process.execPath, args: ['-e', 'process.exit(3)'] };
    backends.closed = { transport: 'http', url: `http://127.0.0.1:${await getFreePort()}/mcp` };
    await work.write('config.json', config);
    const cli = startCli([], { cwd: work.path, env: chat.env() });
    try {
      let at = await cli.waitForStdout('> ');
      expect(cli.stderr()).toContain('MCP server "broken" is not connected');
      expect(cli.stderr()).toContain('MCP server "closed" is not connected');
      expect(cli.stderr()).toContain('MCP servers: everything;');
      cli.line('/tools');
      at = await cli.waitForStdout('(MCP server "closed" is unavailable', at);
      expect(cli.stdout()).toContain('everything.echo');
      expect(cli.stdout()).toContain('(MCP server "broken" is unavailable');
      cli.line('/prompts');
      at = await cli.waitForStdout('everything.simple-prompt', at);
      // /servers shows why each dead one is down, not only that it is restarting.
      cli.line('/servers');
      at = await cli.waitForStdout('\nclosed  http', at);
      await cli.waitForStdout('\n', at);
      expect(cli.stdout()).toMatch(/\nbroken {2}stdio {2}\S+ .*unavailable: .*\(last failure: .*exited with code 3/);
      expect(cli.stdout()).toMatch(/\nclosed {2}http {2}\S+ .*unavailable: .*\(last failure: .*unreachable/);
      // Aimed at a dead server, /read and /prompt say so after the listing's bound (as /call does),
      // not after the pool's reconnection attempts (60 s each, retried: minutes).
      const said = (text: string) =>
        waitFor(() => cli.stderr().includes(text), { timeoutMs: 30_000, what: `${text} (stderr: ${cli.stderr()})` });
      cli.line('/read demo://resource/static/document/architecture.md broken');
      await said('mcs-chat: MCP server "broken" is unavailable');
      cli.line('/prompt closed.any-prompt');
      await said('mcs-chat: MCP server "closed" is unavailable');
      cli.line('/prompt simple-prompt');
      await said('prompt names are <server>.<prompt> (got "simple-prompt"); /prompts lists them');
      chat.model.script([{ text: 'answered anyway' }]);
      cli.line('question');
      await cli.waitForStdout('answered anyway\n', at);
      expect(cli.stderr()).toMatch(/left out of this turn: .*broken/);
      cli.line('/exit');
      expect(await cli.exited()).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('--json keeps stdout to JSON lines: command output as info events, turns as steps', async () => {
    const cli = chat.start(['--json']);
    try {
      cli.line('/tools');
      let at = await cli.waitForStdout('everything.echo');
      chat.model.script([{ text: 'json answer' }]);
      cli.line('question');
      at = await cli.waitForStdout('"type":"final"', at);
      cli.line('/exit');
      expect(await cli.exited()).toBe(0);
      const events = cli
        .stdout()
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(new Set(events.map((event) => event.type))).toEqual(new Set(['info', 'text-delta', 'final']));
      expect(events).toContainEqual({ type: 'text-delta', step: 1, text: 'json answer' });
      expect(cli.stderr()).toContain('> ');
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
});
