// A sampling request in a real terminal (tmux): the request is drawn above its question, the prompt
// is edited and sent, and the scripted model's answer reaches server-everything's tool; Ctrl-C while
// the question waits cancels the turn and withdraws the question, whose row is ended so the status
// lines printed after it stay on screen.
import { describe, expect, it } from 'vitest';
import { everythingEntry } from './cli-process.js';
import { useScriptedChat } from './scripted-chat.js';

const chat = useScriptedChat({
  mcpServers: { everything: { command: process.execPath, args: [everythingEntry, 'stdio'], trust: true } },
});

const QUESTION = 'Send it to the model? [y]es, [n]o, [e]dit the prompt:';
type Message = { role: string; content?: unknown; tool_call_id?: string };

describe('sampling in a terminal', () => {
  it('shows the request, edits the prompt, sends it; Ctrl-C withdraws a waiting question', async () => {
    await using term = await chat.startTerminal([], { ready: 'MCP servers: everything' });
    const call = (id: string, prompt: string) => ({
      toolCalls: [{ id, name: 'everything__trigger-sampling-request', arguments: { prompt, maxTokens: 40 } }],
    });
    chat.model.script([call('call_t', 'Name a colour'), { text: 'teal, from the model' }, { text: 'All done.' }]);
    await term.line('sample in the terminal');
    let screen = await term.waitForScreen(QUESTION);
    expect(screen).toContain('MCP server "everything" asks the model for an answer (sampling, up to 40 tokens');
    expect(screen).toContain('  system: You are a helpful test server.');
    expect(screen).toContain('  user: Resource trigger-sampling-request context: Name a colour');
    await term.line('e');
    await term.waitForScreen('New prompt (replaces the last user message; Enter keeps it):');
    await term.line('Name a fruit');
    await term.waitForScreen('  user: Name a fruit');
    await term.line('y');
    screen = await term.waitForScreen('All done.');
    expect(screen).toMatch(/✓ everything › trigger-sampling-request .*→ LLM sampling result/);
    const sampling = chat.model.requests.at(-2);
    expect(((sampling?.messages ?? []) as Message[]).at(-1)?.content).toEqual([{ type: 'text', text: 'Name a fruit' }]);

    // Ctrl-C while the question waits: the turn is cancelled, the prompt is back, and what is typed next is a turn.
    chat.model.script([call('call_c', 'Never mind')]);
    await term.line('sample and cancel');
    await term.waitForScreen((shown) => shown.split(QUESTION).length - 1 === 3);
    await term.press('C-c');
    // Both lines stay on screen below the question (readline's redraw of the prompt erased them before).
    screen = await term.waitForScreen('(answer cancelled)');
    expect(screen).toContain('mcs-chat: sampling request of MCP server "everything" refused: the user did not answer');
    chat.model.script([{ text: 'A turn of its own.' }]);
    await term.line('y');
    await term.waitForScreen('A turn of its own.');
    const last = ((chat.model.requests.at(-1)?.messages ?? []) as Message[]).at(-1);
    expect(last).toMatchObject({ role: 'user', content: 'y' });

    await term.press('C-c');
    await term.press('C-c');
    expect(await term.exited()).toBe(0);
  });
});
