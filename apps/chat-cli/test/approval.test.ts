// Tool approval and elicitation forms in the REPL (driven through stdin pipes), and what happens
// without anyone to ask (-p with a piped stdin), against server-everything over stdio.
import { waitFor } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { type CliRun, everythingConfig, startCli } from './cli-process.js';
import { useScriptedChat } from './scripted-chat.js';

const chat = useScriptedChat(everythingConfig());

type Message = { role: string; content?: unknown; tool_call_id?: string };
const toolMessage = (request: Record<string, unknown> | undefined, id: string) =>
  ((request?.messages ?? []) as Message[]).find((message) => message.role === 'tool' && message.tool_call_id === id);

/** Not annotated read-only: asks for approval; when run, it asks the client for a 13-field form. */
const elicitationCall = (id: string) => ({
  toolCalls: [{ id, name: 'everything__trigger-elicitation-request', arguments: {} }],
});

/** Waits for `question` on stdout after `at`, then types `answer`; returns the index after the question. */
async function answer(cli: CliRun, at: number, question: string, reply: string): Promise<number> {
  const next = await cli.waitForStdout(question, at);
  cli.line(reply);
  return next;
}

describe('tool approval and elicitation', () => {
  it('a denied call is not run and the model is told; an approved one runs and its form is filled from stdin', async () => {
    const cli = chat.start();
    try {
      let at = await cli.waitForStdout('> ');
      chat.model.script([elicitationCall('call_deny'), { text: 'you said no' }]);
      cli.line('ask me');
      at = await answer(cli, at, 'Allow everything.trigger-elicitation-request {}? [y]es, [n]o, [a]lways', 'n');
      // Had the tool run, its call would wait for the form: the turn could not end before it was answered.
      at = await cli.waitForStdout('you said no\n', at);
      expect(cli.stdout()).not.toContain('Fill in the form?');
      expect(String(toolMessage(chat.model.requests.at(-1), 'call_deny')?.content)).toContain(
        'was not run: the user denied it',
      );

      chat.model.script([elicitationCall('call_form'), { text: 'thanks for the form' }]);
      cli.line('ask me again');
      at = await answer(cli, at, 'Allow everything.trigger-elicitation-request {}?', 'y');
      at = await answer(cli, at, 'Fill in the form? [y]es, [n]o (decline), [c]ancel: ', 'y');
      at = await answer(cli, at, 'String (name) - Your full, legal name [string]: ', 'Ada Lovelace');
      at = await answer(cli, at, '(check)', 'maybe');
      at = await answer(cli, at, '(answer y or n)', 'y');
      at = await answer(cli, at, '(firstLine)', '');
      at = await answer(cli, at, '(email)', 'ada@example.com');
      at = await answer(cli, at, '(homepage)', '');
      at = await answer(cli, at, '(birthdate)', '');
      at = await answer(cli, at, '(integer)', '500');
      at = await answer(cli, at, '(at most 100)', '7');
      at = await answer(cli, at, '(number)', '');
      at = await answer(cli, at, '3) Joey', '3');
      at = await answer(cli, at, '(untitledMultipleSelectEnum)', '1,2');
      at = await answer(cli, at, '(titledSingleSelectEnum)', '');
      at = await answer(cli, at, '(titledMultipleSelectEnum)', '');
      at = await answer(cli, at, '(legacyTitledEnum)', '2');
      at = await cli.waitForStdout('thanks for the form\n', at);
      const result = String(toolMessage(chat.model.requests.at(-1), 'call_form')?.content);
      expect(result).toContain('User provided the requested information');
      expect(result).toContain('- Name: Ada Lovelace');
      expect(result).toContain('- Agreed to terms: true');
      expect(result).toContain('- Email: ada@example.com');
      expect(result).toContain('- Favorite Integer: 7');

      // "always": asked once, then the same tool runs without asking; a declined form is the server's answer.
      chat.model.script([elicitationCall('call_always'), { text: 'declined noted' }]);
      cli.line('once more');
      at = await answer(cli, at, 'Allow everything.trigger-elicitation-request {}?', 'a');
      at = await answer(cli, at, 'Fill in the form?', 'n');
      at = await cli.waitForStdout('declined noted\n', at);
      expect(String(toolMessage(chat.model.requests.at(-1), 'call_always')?.content)).toContain('declined');
      chat.model.script([elicitationCall('call_again'), { text: 'cancel noted' }]);
      cli.line('and again');
      at = await answer(cli, at, 'Fill in the form?', 'c');
      at = await cli.waitForStdout('cancel noted\n', at);
      expect(cli.stdout().split('Allow everything.trigger-elicitation-request').length - 1).toBe(3);

      cli.line('/exit');
      expect(await cli.exited()).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('-p with no terminal refuses calls that need approval (read-only tools run); --yes runs them', async () => {
    chat.model.script([
      {
        toolCalls: [
          { id: 'call_ro', name: 'everything__echo', arguments: { message: 'read-only' } },
          { id: 'call_rw', name: 'everything__toggle-simulated-logging', arguments: {} },
        ],
      },
      { text: 'done' },
    ]);
    const refused = await chat.run(['-p', 'go']);
    expect(refused.code).toBe(0);
    const request = chat.model.requests.at(-1);
    expect(toolMessage(request, 'call_ro')?.content).toBe('Echo: read-only');
    expect(String(toolMessage(request, 'call_rw')?.content)).toContain(
      'no terminal to ask for approval (pass --yes or --approve auto',
    );
    expect(refused.stderr).toContain('✗ everything.toggle-simulated-logging');

    chat.model.script([
      { toolCalls: [{ id: 'call_yes', name: 'everything__toggle-simulated-logging', arguments: {} }] },
      { text: 'done' },
    ]);
    const approved = await chat.run(['--yes', '-p', 'go']);
    expect(approved.code).toBe(0);
    expect(String(toolMessage(chat.model.requests.at(-1), 'call_yes')?.content)).not.toContain('not run');

    const never = await chat.run(['--approve', 'sometimes', '-p', 'go']);
    expect(never.code).toBe(2);
    expect(never.stderr).toContain('--approve must be one of ask, auto, never');
  });

  it('/tools and /call work without a model key; a turn then says what to set and the REPL goes on', async () => {
    const { OPENAI_API_KEY: _unset, ...env } = chat.env();
    const cli = startCli([], { cwd: chat.dir.path, env });
    try {
      let at = await cli.waitForStdout('> ');
      cli.line('/call everything.echo message=keyless');
      at = await cli.waitForStdout('Echo: keyless', at);
      cli.line('hello');
      await waitFor(() => cli.stderr().includes('OPENAI_API_KEY'), {
        timeoutMs: 20_000,
        what: `the missing key named on stderr (${cli.stderr()})`,
      });
      cli.line('/call everything.get-sum a=1 b=1');
      await cli.waitForStdout('The sum of 1 and 1 is 2.', at);
      cli.line('/exit');
      expect(await cli.exited()).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('with no model set at all the start line says so (not "model undefined") and /call still works', async () => {
    const { OPENAI_API_KEY: _key, OPENAI_MODEL: _model, ...env } = chat.env();
    const cli = startCli([], { cwd: chat.dir.path, env });
    try {
      const at = await cli.waitForStdout('> ');
      await waitFor(() => cli.stderr().includes('MCP servers: everything'), {
        what: `the start line (${cli.stderr()})`,
      });
      expect(cli.stderr()).toContain('model not set (OPENAI_MODEL or --model), MCP servers: everything');
      expect(cli.stderr()).not.toContain('undefined');
      cli.line('/call everything.echo message=modelless');
      await cli.waitForStdout('Echo: modelless', at);
      cli.line('/exit');
      expect(await cli.exited()).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
});
