// The interactive chat through a real pseudo-terminal (tmux), checked on the screen as a person sees
// it: rendered Markdown, tool call lines, approval and an elicitation form typed in, Ctrl-C on a
// typed line, during a tool call (the real server receives the MCP cancellation) and during a
// streamed answer, /tools, /usage, and quitting with no process left behind. The model is the
// scripted one; the MCP server is server-everything over stdio, behind a tap that records what
// reached it (test/fixtures/stdio-tap.mjs).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { childProcesses, everythingEntry, isAlive } from './cli-process.js';
import { useScriptedChat } from './scripted-chat.js';
import { promptShown, type TmuxTerminal } from './tmux-terminal.js';

const TAP = fileURLToPath(new URL('./fixtures/stdio-tap.mjs', import.meta.url));

const chat = useScriptedChat({
  mcp: {
    backends: {
      everything: { transport: 'stdio', command: process.execPath, args: [TAP, 'tap.log', everythingEntry, 'stdio'] },
    },
  },
});

/** A row holding only the prompt: the REPL waits for input. */
const count = (text: string, part: string) => text.split(part).length - 1;

type JsonRpc = { id?: number | string; method?: string; params?: Record<string, unknown> };

async function tapLog(file: string): Promise<JsonRpc[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as JsonRpc);
}

/** Waits for a form question, then types the answer. */
async function answer(term: TmuxTerminal, question: string, reply: string): Promise<void> {
  await term.waitForScreen(question);
  await term.line(reply);
}

const ANSWER = [
  '# Weather report\n\nIt is **sunny** in Paris:\n\n',
  '- morning: *mild*\n- evening: warm\n\n',
  '| city | temp |\n|---|---|\n| Paris | 21 |\n\n',
  '```js\nconst forecast = "sun";\n```\n\nThat is all.',
];

describe('mcs-chat in a terminal', () => {
  it('renders the answer and tool calls, asks for approval and a form, cancels on Ctrl-C and quits cleanly', async () => {
    const tap = join(chat.dir.path, 'tap.log');
    await using term = await chat.startTerminal([], { ready: 'MCP servers: everything', rows: 50 });

    await term.line('/tools');
    await term.waitForScreen('everything.get-sum');

    // Ctrl-C on a half-typed line clears it (and does not quit).
    await term.type('half typed');
    await term.waitForScreen('> half typed');
    await term.press('C-c');
    await term.waitForScreen((screen) => !screen.includes('half typed') && promptShown(screen));

    // Two read-only tools in one step (no approval), then a Markdown answer streamed in pieces.
    chat.model.script([
      {
        toolCalls: [
          { id: 'call_sum', name: 'everything__get-sum', arguments: { a: 2, b: 3 } },
          { id: 'call_image', name: 'everything__get-tiny-image', arguments: {} },
        ],
      },
      { text: ANSWER, usage: { prompt_tokens: 40, completion_tokens: 12 } },
    ]);
    await term.line('weather in Paris?');
    let screen = await term.waitForScreen('That is all.');
    // One line per tool call: server › tool, the arguments, the result on one line; the image summarised.
    expect(screen).toMatch(/✓ everything › get-sum a=2 b=3 → The sum of 2 and 3 is 5\./);
    expect(screen).toMatch(/✓ everything › get-tiny-image → .*\[image image\/png, [\d.]+ (B|kB)\]/);
    // Finished blocks are rendered: no Markdown syntax left, a table drawn, the heading's # gone.
    expect(screen).toContain('Weather report');
    expect(screen).not.toContain('# Weather');
    expect(screen).toContain('It is sunny in Paris:');
    expect(screen).not.toContain('**');
    expect(screen).not.toContain('```');
    expect(screen).toMatch(/│ Paris │ 21 +│/);
    expect(screen).toContain('┌');
    expect(screen).toContain('const forecast = "sun";');
    // Syntax colour and bold are really on screen (SGR codes around the rendered text).
    const coloured = await term.screen({ escapes: true });
    const ESC = String.fromCharCode(27);
    expect(coloured).toContain(`${ESC}[34mconst${ESC}[39m`);
    expect(coloured).toContain(`${ESC}[1msunny`);
    await term.waitForScreen(promptShown);

    // A tool not annotated read-only asks first; approved, its server asks for a form, filled field by field.
    chat.model.script([
      { toolCalls: [{ id: 'call_form', name: 'everything__trigger-elicitation-request', arguments: {} }] },
      { text: 'Thanks for the form.' },
    ]);
    await term.line('ask me something');
    await answer(term, 'Allow everything.trigger-elicitation-request {}? [y]es, [n]o, [a]lways', 'y');
    await answer(term, 'Fill in the form? [y]es, [n]o (decline), [c]ancel:', 'y');
    await answer(term, '(name)', 'Ada Lovelace');
    await answer(term, '(check)', 'y');
    await answer(term, '(firstLine)', '');
    await answer(term, '(email)', 'ada@example.com');
    await answer(term, '(homepage)', '');
    await answer(term, '(birthdate)', '');
    await answer(term, '(integer)', '7');
    await answer(term, '(number)', '');
    await answer(term, '3) Joey', '3');
    await answer(term, '(untitledMultipleSelectEnum)', '1,2');
    await answer(term, '(titledSingleSelectEnum)', '');
    await answer(term, '(titledMultipleSelectEnum)', '');
    await answer(term, '(legacyTitledEnum)', '2');
    screen = await term.waitForScreen('Thanks for the form.');
    expect(screen).toMatch(/✓ everything › trigger-elicitation-request → .*User provided the requested information/);
    const lastMessages = (chat.model.requests.at(-1)?.messages ?? []) as { tool_call_id?: string; content?: unknown }[];
    const formResult = lastMessages.find((message) => message.tool_call_id === 'call_form');
    expect(String(formResult?.content)).toContain('- Name: Ada Lovelace');
    await term.waitForScreen(promptShown);

    // Ctrl-C while a tool runs: the live line shows its progress bar; the call is cancelled at the server.
    const requestsBefore = chat.model.requests.length;
    chat.model.script([
      {
        toolCalls: [
          {
            id: 'call_long',
            name: 'everything__trigger-long-running-operation',
            arguments: { duration: 60, steps: 60 },
          },
        ],
      },
    ]);
    await term.line('run the long operation');
    await term.waitForScreen((text) => /everything › trigger-long-running-operation .*\[█*░+\] \d+\/60/.test(text));
    await term.press('C-c');
    screen = await term.waitForScreen((text) => count(text, '(answer cancelled)') === 1 && promptShown(text));
    const cancelled = await waitFor(
      async () => {
        const messages = await tapLog(tap);
        const call = messages.find(
          (message) => message.method === 'tools/call' && message.params?.name === 'trigger-long-running-operation',
        );
        return messages.find(
          (message) =>
            call !== undefined && message.method === 'notifications/cancelled' && message.params?.requestId === call.id,
        );
      },
      { timeoutMs: 10_000, what: 'notifications/cancelled for the long-running call at the server' },
    );
    expect(cancelled.params?.requestId).toBeDefined();
    // The cancelled turn did not go back to the model with a result.
    expect(chat.model.requests.length).toBe(requestsBefore + 1);

    // Ctrl-C while the answer streams: the model stream is closed. The live tail was plain; what came is kept, rendered.
    const disconnects = chat.model.disconnects;
    chat.model.script([{ text: 'A **partial** answer', hang: true }]);
    await term.line('a long answer please');
    await term.waitForScreen('A **partial** answer');
    await term.press('C-c');
    screen = await term.waitForScreen((text) => count(text, '(answer cancelled)') === 2 && promptShown(text));
    expect(screen).toContain('A partial answer');
    await waitFor(() => chat.model.disconnects > disconnects, { timeoutMs: 10_000, what: 'the model stream to close' });

    await term.line('/usage');
    // Turn 1: two model calls (10+40 prompt, 5+12 completion); the form's turn two; the cancelled tool turn one.
    screen = await term.waitForScreen('all 3 turn(s)');
    expect(screen).toMatch(/turn 1 +scripted-model +prompt 50 +completion 17 +total 67/);

    // Quit with Ctrl-C twice on an empty line: exit 0, the stdio server (and the tap) gone.
    const children = childProcesses(term.pid);
    const processes = [...children, ...children.flatMap((child) => childProcesses(child.pid))];
    expect(processes.some((child) => child.cmdline.includes('server-everything'))).toBe(true);
    await term.press('C-c');
    await term.waitForScreen('(Ctrl-C again, Ctrl-D or /exit quits)');
    await term.press('C-c');
    expect(await term.exited()).toBe(0);
    await waitFor(() => processes.every((child) => !isAlive(child.pid)), {
      timeoutMs: 10_000,
      what: `the CLI's child processes (${processes.map((child) => child.pid).join(', ')}) to end`,
    });
  });
});
