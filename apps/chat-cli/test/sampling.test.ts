// Sampling (sampling/createMessage) from a real server: server-everything's trigger-sampling-request
// asks the client's model; mcs-chat shows the request, asks (approve, deny, edit the prompt) and the
// scripted model answers it. Without a terminal --approve decides: ask refuses with a clear message,
// --yes sends it. The server is trusted, so its tool call itself needs no approval.
import { waitFor } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { type CliRun, everythingEntry } from './cli-process.js';
import { useScriptedChat } from './scripted-chat.js';

const chat = useScriptedChat({
  mcpServers: { everything: { command: process.execPath, args: [everythingEntry, 'stdio'], trust: true } },
});

type Message = { role: string; content?: unknown; tool_call_id?: string };
const messagesOf = (request: Record<string, unknown> | undefined) => (request?.messages ?? []) as Message[];
const toolResult = (request: Record<string, unknown> | undefined, id: string) =>
  String(messagesOf(request).find((message) => message.role === 'tool' && message.tool_call_id === id)?.content);
/** The text the model read in a request's user message(s). */
const userText = (request: Record<string, unknown> | undefined) =>
  messagesOf(request)
    .filter((message) => message.role === 'user')
    .map((message) =>
      typeof message.content === 'string'
        ? message.content
        : (message.content as { type: string; text?: string }[]).map((part) => part.text ?? '').join(''),
    )
    .join('\n');

/** The turn: the model calls the sampling tool, the sampling request gets `sampled`, then the model ends with `final`. */
function scriptTurn(
  id: string,
  prompt: string,
  sampled: string | undefined,
  final: string,
  usage?: { prompt_tokens: number; completion_tokens: number },
): void {
  chat.model.script([
    { toolCalls: [{ id, name: 'everything__trigger-sampling-request', arguments: { prompt, maxTokens: 50 } }] },
    ...(sampled === undefined ? [] : [{ text: sampled, ...(usage ? { usage } : {}) }]),
    { text: final },
  ]);
}

async function answer(cli: CliRun, at: number, question: string, reply: string): Promise<number> {
  const next = await cli.waitForStdout(question, at);
  cli.line(reply);
  return next;
}

const QUESTION = 'Send it to the model? [y]es, [n]o, [e]dit the prompt: ';

describe('sampling requests from servers', () => {
  it('REPL: shown and approved, edited, denied; the model answers the approved ones', async () => {
    const cli = chat.start();
    try {
      let at = await cli.waitForStdout('> ');

      // Approved: the scripted model answers the server's request as it was sent (system prompt, no tools).
      scriptTurn('call_yes', 'What is 2+2?', 'four, says the model', 'the server got its answer', {
        prompt_tokens: 21,
        completion_tokens: 4,
      });
      const before = chat.model.requests.length;
      cli.line('sample please');
      const shownAt = await cli.waitForStdout(QUESTION, at);
      const shown = cli.stdout().slice(at, shownAt);
      expect(shown).toContain('MCP server "everything" asks the model for an answer (sampling, up to 50 tokens');
      expect(shown).toContain('  system: You are a helpful test server.');
      expect(shown).toContain('  user: Resource trigger-sampling-request context: What is 2+2?');
      cli.line('y');
      at = await cli.waitForStdout('the server got its answer\n', shownAt);
      const sampling = chat.model.requests[before + 1];
      expect(messagesOf(sampling)[0]).toEqual({ role: 'system', content: 'You are a helpful test server.' });
      expect(userText(sampling)).toBe('Resource trigger-sampling-request context: What is 2+2?');
      expect(sampling?.tools).toBeUndefined();
      expect(sampling?.max_tokens ?? sampling?.max_completion_tokens).toBe(50);
      const result = toolResult(chat.model.requests.at(-1), 'call_yes');
      expect(result).toContain('LLM sampling result');
      expect(result).toContain('four, says the model');
      expect(cli.stderr()).toContain('← sampling for everything (scripted-model): four, says the model');

      // Edited: the new prompt is shown again, then sent instead of the server's.
      scriptTurn('call_edit', 'Tell me a secret', 'edited answer', 'edit noted');
      const beforeEdit = chat.model.requests.length;
      cli.line('sample again');
      at = await answer(cli, at, QUESTION, 'e');
      at = await answer(
        cli,
        at,
        'New prompt (replaces the last user message; Enter keeps it): ',
        'Tell me a joke instead',
      );
      at = await cli.waitForStdout('  user: Tell me a joke instead', at);
      at = await answer(cli, at, QUESTION, 'y');
      at = await cli.waitForStdout('edit noted\n', at);
      expect(userText(chat.model.requests[beforeEdit + 1])).toBe('Tell me a joke instead');
      expect(toolResult(chat.model.requests.at(-1), 'call_edit')).toContain('edited answer');

      // Denied: the model is not asked for it; the server gets "user rejected" and its tool says so.
      scriptTurn('call_no', 'Anything', undefined, 'denial noted');
      const beforeDeny = chat.model.requests.length;
      cli.line('and once more');
      at = await answer(cli, at, QUESTION, 'n');
      at = await cli.waitForStdout('denial noted\n', at);
      expect(chat.model.requests.length).toBe(beforeDeny + 2);
      expect(toolResult(chat.model.requests.at(-1), 'call_no')).toContain('the user rejected the sampling request');
      expect(cli.stderr()).toContain('sampling request of MCP server "everything" refused: the user denied it');

      // /usage counts the model's tokens of the two answered sampling requests too.
      cli.line('/usage');
      at = await cli.waitForStdout(' + 2 sampling request(s)  prompt ', at);
      expect(cli.stdout()).toContain('sampling (everything)  scripted-model  prompt 21  completion 4  total 25');

      // Cancelled while the question waits (SIGINT, as Ctrl-C): the turn ends and the question is
      // withdrawn with it, so the next line is a turn of its own, not the answer to a stale question.
      chat.model.script([
        {
          toolCalls: [{ id: 'call_cancel', name: 'everything__trigger-sampling-request', arguments: { prompt: 'x' } }],
        },
      ]);
      cli.line('sample, then cancel');
      at = await cli.waitForStdout(QUESTION, at);
      const errAt = cli.stderr().length;
      cli.child.kill('SIGINT');
      await waitFor(() => cli.stderr().includes('(answer cancelled)', errAt), {
        timeoutMs: 20_000,
        what: `the cancelled turn (${cli.stderr()})`,
      });
      chat.model.script([{ text: 'a turn of its own' }]);
      cli.line('y');
      at = await cli.waitForStdout('a turn of its own\n', at);
      expect(userText(chat.model.requests.at(-1)).split('\n').at(-1)).toBe('y');

      cli.line('/exit');
      expect(await cli.exited()).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('the model chosen with /model answers the sampling requests, as it answers the turns', async () => {
    const cli = chat.start(['--yes']);
    try {
      let at = await cli.waitForStdout('> ');
      cli.line('/model other-model');
      at = await cli.waitForStdout('model: other-model (from the next turn)', at);
      scriptTurn('call_model', 'Which model?', 'the other model answers', 'sampled by the other model');
      const before = chat.model.requests.length;
      cli.line('sample with the other model');
      at = await cli.waitForStdout('sampled by the other model\n', at);
      // The turn's first request, the sampling request, and the turn's last one: all to the chosen model.
      expect(chat.model.requests.slice(before).map((request) => request.model)).toEqual([
        'other-model',
        'other-model',
        'other-model',
      ]);
      expect(userText(chat.model.requests[before + 1])).toBe('Resource trigger-sampling-request context: Which model?');
      expect(cli.stderr()).toContain('← sampling for everything (other-model): the other model answers');
      cli.line('/exit');
      expect(await cli.exited()).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('-p without a terminal: ask refuses it with a clear message; --yes lets the model answer it', async () => {
    scriptTurn('call_pipe', 'Hello?', undefined, 'refusal noted');
    const before = chat.model.requests.length;
    const refused = await chat.run(['-p', 'sample']);
    expect(refused.code, refused.stderr).toBe(0);
    expect(chat.model.requests.length).toBe(before + 2);
    expect(refused.stderr).toContain(
      'mcs-chat: sampling request of MCP server "everything" refused: no terminal to ask for approval (pass --yes or --approve auto to let the model answer such requests)',
    );
    expect(toolResult(chat.model.requests.at(-1), 'call_pipe')).toContain('the user rejected the sampling request');

    scriptTurn('call_auto', 'Hello?', 'auto answer', 'auto noted');
    const auto = await chat.run(['--yes', '-p', 'sample']);
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stdout).toContain('auto noted');
    expect(auto.stderr).toContain('sampling request of MCP server "everything" sent to the model (--approve auto)');
    expect(toolResult(chat.model.requests.at(-1), 'call_auto')).toContain('auto answer');

    scriptTurn('call_never', 'Hello?', undefined, 'never noted');
    // `never` refuses tools not annotated read-only (trust does not change that), so the sampling tool is not run.
    const never = await chat.run(['--approve', 'never', '-p', 'sample']);
    expect(never.code, never.stderr).toBe(0);
    expect(toolResult(chat.model.requests.at(-1), 'call_never')).toContain('was not run');
  });
});
