// The REPL's slash commands, saved conversations (/save, /load, --resume) and the history file, on
// the built CLI driven through its stdin, with the scripted model and server-everything over stdio.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { waitFor } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { type CliRun, everythingConfig, makeWorkDir, type WorkDir } from './cli-process.js';
import { useScriptedChat } from './scripted-chat.js';

const chat = useScriptedChat(everythingConfig());

type Message = { role: string; content?: unknown };
const messagesOf = (request: Record<string, unknown> | undefined) => (request?.messages ?? []) as Message[];

/** Waits (bounded) for `text` on stderr. */
const waitForStderr = (cli: CliRun, text: string) =>
  waitFor(() => cli.stderr().includes(text), { timeoutMs: 20_000, what: `"${text}" on stderr (${cli.stderr()})` });

/** XDG state and data directories of their own (in `root`): a test sees only its own history and conversations. */
const ownDirs = (root: WorkDir) => ({
  XDG_STATE_HOME: join(root.path, 'state'),
  XDG_DATA_HOME: join(root.path, 'data'),
});

describe('mcs-chat REPL commands', () => {
  it('/help, /servers and /call (key=value typed by the schema, quoted text, JSON, bad arguments)', async () => {
    const cli = chat.start();
    try {
      let at = await cli.waitForStdout('> ');
      cli.line('/help');
      at = await cli.waitForStdout('/call <server>.<tool> [key=value ...]', at);
      for (const command of ['/servers', '/usage', '/model [name]', '/save [name|path]', '/load <name|path>'])
        expect(cli.stdout()).toContain(command);
      expect(cli.stdout()).toContain('Ctrl-C');

      cli.line('/servers');
      at = await cli.waitForStdout('tool(s)', at);
      expect(cli.stdout()).toMatch(
        /everything {2}stdio {2}\S+ {2}auth: none {2}trust: no {2}\d+ tool\(s\) {2}\(pid \d+\)/,
      );
      const pidBefore = /everything {2}stdio .*\(pid (\d+)/.exec(cli.stdout())?.[1];
      cli.line('/servers reconnect everything');
      at = await cli.waitForStdout('MCP server "everything" reconnected: ready, auth: none', at);
      cli.line('/servers');
      at = await cli.waitForStdout('tool(s)  (pid', at);
      const pidAfter = [...cli.stdout().matchAll(/everything {2}stdio .*\(pid (\d+)/g)].at(-1)?.[1];
      expect(pidAfter).toBeDefined();
      expect(pidAfter).not.toBe(pidBefore);
      cli.line('/servers reconnect nope');
      await waitForStderr(cli, 'no MCP server named "nope" (servers: everything)');
      cli.line('/login everything');
      await waitForStderr(cli, 'MCP server "everything" does not sign in here (its auth: none)');

      cli.line('/call everything.get-sum a=2 b=3');
      at = await cli.waitForStdout('The sum of 2 and 3 is 5.', at);
      cli.line('/call everything.echo message="hello  world"');
      at = await cli.waitForStdout('Echo: hello  world', at);
      cli.line('/call everything.echo {"message":"from json"}');
      at = await cli.waitForStdout('Echo: from json', at);
      // The servers' root is the working directory (server-everything lists what it got).
      cli.line('/call everything.get-roots-list');
      at = await cli.waitForStdout(`URI: ${pathToFileURL(chat.dir.path).href}\n`, at);

      cli.line('/call everything.get-sum a=two b=3');
      await waitForStderr(cli, 'invalid arguments: a:');
      cli.line('/call everything.get-sum a=1 c=3');
      await waitForStderr(cli, 'unknown argument c (arguments: a, b)');
      cli.line('/call everything.echo message="open');
      await waitForStderr(cli, 'quote is not closed');
      cli.line('/call everything.nope');
      await waitForStderr(cli, 'no tool everything.nope; /tools lists them');
      cli.line('/bogus');
      await waitForStderr(cli, 'unknown command /bogus');
      expect(cli.stderr()).not.toMatch(/\n\s+at /);

      cli.line('/exit');
      expect(await cli.exited()).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('/prompt takes key=value arguments and names missing ones; /model switches; /usage counts tokens', async () => {
    const cli = chat.start();
    try {
      let at = await cli.waitForStdout('> ');
      cli.line('/prompt everything.args-prompt');
      await waitForStderr(cli, 'missing required prompt argument city=...');
      cli.line('/prompt everything.args-prompt city="New York" state=NY');
      at = await cli.waitForStdout('added 1 message(s) of prompt everything.args-prompt', at);

      cli.line('/model');
      at = await cli.waitForStdout('model: scripted-model', at);
      cli.line('/model other-model');
      at = await cli.waitForStdout('model: other-model (from the next turn)', at);

      cli.line('/usage');
      at = await cli.waitForStdout('no tokens used yet', at);
      chat.model.script([
        { text: 'first', usage: { prompt_tokens: 7, completion_tokens: 2 } },
        { text: 'second', usage: { prompt_tokens: 11, completion_tokens: 3 } },
      ]);
      cli.line('what is the weather?');
      at = await cli.waitForStdout('first\n', at);
      const request = chat.model.requests.at(-1);
      expect(request?.model).toBe('other-model');
      expect(String(messagesOf(request)[0]?.content)).toContain('New York');
      cli.line('and tomorrow?');
      at = await cli.waitForStdout('second\n', at);
      cli.line('/usage');
      at = await cli.waitForStdout('all 2 turn(s)  prompt 18  completion 5  total 23', at);
      expect(cli.stdout()).toContain('turn 1  other-model  prompt 7  completion 2  total 9');
      expect(cli.stdout()).toContain('turn 2  other-model  prompt 11  completion 3  total 14');
      cli.line('/exit');
      expect(await cli.exited()).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('/save and /load round-trip a conversation; a damaged file is refused; --resume continues the last one', async () => {
    await using root = await makeWorkDir();
    const dirs = ownDirs(root);
    const cli = chat.start([], dirs);
    try {
      let at = await cli.waitForStdout('> ');
      chat.model.script([{ text: 'remembered answer' }, { text: 'after load' }]);
      cli.line('remember this');
      at = await cli.waitForStdout('remembered answer\n', at);
      cli.line('/save round-trip');
      at = await cli.waitForStdout('saved 2 message(s) to ', at);
      const file = join(dirs.XDG_DATA_HOME, 'mcs-chat', 'conversations', 'round-trip.json');
      const saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      expect(saved).toMatchObject({ format: 'mcs-chat/conversation', version: 1, model: 'scripted-model' });
      expect(saved.messages).toEqual([
        { role: 'user', content: 'remember this' },
        { role: 'assistant', content: 'remembered answer' },
      ]);
      expect((await stat(file)).mode & 0o777).toBe(0o600);

      cli.line('/clear');
      at = await cli.waitForStdout('conversation cleared', at);
      cli.line('/load round-trip');
      at = await cli.waitForStdout(`loaded 2 message(s) from ${file}`, at);
      cli.line('go on');
      at = await cli.waitForStdout('after load\n', at);
      expect(messagesOf(chat.model.requests.at(-1))).toEqual([
        { role: 'user', content: 'remember this' },
        { role: 'assistant', content: 'remembered answer' },
        { role: 'user', content: 'go on' },
      ]);

      await writeFile(join(chat.dir.path, 'damaged.json'), JSON.stringify({ ...saved, messages: [{ role: 'robot' }] }));
      cli.line('/load ./damaged.json');
      await waitForStderr(cli, 'damaged.json: not a valid conversation: messages.0');
      await writeFile(join(chat.dir.path, 'not-json.json'), '{"format":');
      cli.line('/load ./not-json.json');
      await waitForStderr(cli, 'not-json.json: not valid JSON');
      cli.line('/exit');
      expect(await cli.exited()).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }

    // The answered turns were saved as they came: --resume continues with all of them.
    const resumed = chat.start(['--resume'], dirs);
    try {
      const at = await resumed.waitForStdout('> ');
      expect(resumed.stderr()).toMatch(/continuing .*session-.*\.json \(4 message\(s\)\)/);
      chat.model.script([{ text: 'resumed' }]);
      resumed.line('still there?');
      await resumed.waitForStdout('resumed\n', at);
      expect(messagesOf(chat.model.requests.at(-1)).map((message) => message.content)).toEqual([
        'remember this',
        'remembered answer',
        'go on',
        'after load',
        'still there?',
      ]);
      resumed.line('/exit');
      expect(await resumed.exited()).toBe(0);
    } finally {
      resumed.child.kill('SIGKILL');
    }
  });

  it('--resume with nothing saved says so and starts a new conversation', async () => {
    await using root = await makeWorkDir();
    const cli = chat.start(['--resume'], ownDirs(root));
    try {
      await cli.waitForStdout('> ');
      expect(cli.stderr()).toContain('no saved conversation in');
      cli.child.stdin?.end();
      expect(await cli.exited()).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('keeps the history in $XDG_STATE_HOME/mcs-chat/history: bounded, private (0600), without secret-looking lines', async () => {
    await using root = await makeWorkDir();
    const dirs = ownDirs(root);
    const env = { ...dirs, MCS_CHAT_HISTORY_SIZE: '3' };
    const file = join(dirs.XDG_STATE_HOME, 'mcs-chat', 'history');
    const entries = async () =>
      (await readFile(file, 'utf8'))
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as string);
    const cli = chat.start([], env);
    try {
      let at = await cli.waitForStdout('> ');
      for (const line of ['/model m1', '/model m2', '/model sk-abcdefghijklmnopqrstuvwxyz123456', ' /model hidden']) {
        cli.line(line);
        at = await cli.waitForStdout('(from the next turn)', at);
      }
      cli.line('/model m3');
      at = await cli.waitForStdout('model: m3', at);
      await waitFor(async () => (await entries().catch((): string[] => [])).includes('/model m3'), {
        timeoutMs: 10_000,
        what: 'the history file to hold the last line',
      });
      expect(await entries()).toEqual(['/model m1', '/model m2', '/model m3']);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      cli.line('/exit');
      expect(await cli.exited()).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
    // A second run adds to the same file, still bounded to the last 3.
    const again = chat.start([], env);
    try {
      const prompt = await again.waitForStdout('> ');
      again.line('/usage');
      // Lines that arrive together are one pasted turn: wait for the next prompt first.
      await again.waitForStdout('> ', prompt);
      again.line('/exit');
      expect(await again.exited()).toBe(0);
      expect(await entries()).toEqual(['/model m3', '/usage', '/exit']);
    } finally {
      again.child.kill('SIGKILL');
    }
  });

  it('an invalid MCS_CHAT_HISTORY_SIZE is a config error (exit 2)', async () => {
    const { code, stderr } = await chat.run([], { MCS_CHAT_HISTORY_SIZE: 'lots' });
    expect(code).toBe(2);
    expect(stderr).toContain('MCS_CHAT_HISTORY_SIZE: must be a whole number');
  });
});
