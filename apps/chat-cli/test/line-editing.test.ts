// The REPL's line editor through a real terminal (tmux): Tab completes command names and tool names
// after /call (a unique one in full, several listed on a second Tab), Alt-Enter starts a new line of
// the same entry, and a multi-line paste (bracketed: the terminal marks it) stays in the editor as one
// entry until Enter sends it as one turn. The model is the scripted one; the MCP server is
// server-everything over stdio.
import { describe, expect, it } from 'vitest';
import { everythingConfig } from './cli-process.js';
import { useScriptedChat } from './scripted-chat.js';
import { promptShown } from './tmux-terminal.js';

const chat = useScriptedChat(everythingConfig());

/** The user messages of the model's last request. */
function lastUserMessage(): unknown {
  const messages = (chat.model.requests.at(-1)?.messages ?? []) as { role?: string; content?: unknown }[];
  return messages.filter((message) => message.role === 'user').at(-1)?.content;
}

describe('line editing in a terminal', () => {
  it('Tab completes commands, tool and prompt names; Alt-Enter and a bracketed paste make one multi-line turn', async () => {
    await using term = await chat.startTerminal([], { ready: 'MCP servers: everything', rows: 50 });

    // A command name: one match is completed in place.
    await term.type('/too');
    await term.press('Tab');
    await term.waitForScreen((screen) => /^> \/tools\s*$/m.test(screen));
    await term.press('Enter');
    await term.waitForScreen('everything.get-sum');
    await term.waitForScreen(promptShown);

    // Tool names after /call: several matches are listed on the second Tab, one is completed.
    await term.type('/call everything.get-s');
    await term.press('Tab');
    await term.press('Tab');
    let screen = await term.waitForScreen(
      (text) => text.includes('/call everything.get-structured-content') && text.includes('/call everything.get-sum'),
    );
    await term.type('u');
    await term.press('Tab');
    await term.waitForScreen((text) => /^> \/call everything\.get-sum\s*$/m.test(text));
    await term.line(' a=2 b=3');
    await term.waitForScreen('The sum of 2 and 3 is 5.');
    await term.waitForScreen(promptShown);
    // Prompt names after /prompt: the one match is completed, then its key=value argument typed.
    await term.type('/prompt everything.args');
    await term.press('Tab');
    await term.waitForScreen((text) => /^> \/prompt everything\.args-prompt\s*$/m.test(text));
    await term.line(' city=Paris');
    await term.waitForScreen('added 1 message(s) of prompt everything.args-prompt to the next turn');
    await term.waitForScreen(promptShown);
    // Ctrl-L: a clean screen for what follows (the tool list filled it).
    await term.press('C-l');
    await term.waitForScreen((text) => !text.includes('get-sum'));

    // Alt-Enter: a new line of the same entry (the continuation prompt), Enter sends both as one turn.
    chat.model.script([{ text: 'Two lines received.' }]);
    const before = chat.model.requests.length;
    await term.type('first line');
    await term.press('M-Enter');
    await term.waitForScreen((text) => /^\.\s*$/m.test(text));
    await term.type('second line');
    await term.waitForScreen('. second line');
    expect(chat.model.requests.length).toBe(before);
    await term.press('Enter');
    await term.waitForScreen('Two lines received.');
    expect(chat.model.requests.length).toBe(before + 1);
    expect(lastUserMessage()).toBe('first line\nsecond line');
    await term.waitForScreen(promptShown);

    // A bracketed paste of three lines: shown, not sent by itself; Enter sends it as one turn.
    chat.model.script([{ text: 'Paste received.' }]);
    await term.paste('pasted one\npasted two\npasted three\n');
    screen = await term.waitForScreen('. pasted three');
    expect(screen).toContain('> pasted one');
    expect(screen).toContain('. pasted two');
    // Nothing was sent: the paste waits in the editor (the model would have been asked by now).
    await term.type('and a last line');
    await term.waitForScreen('. and a last line');
    expect(chat.model.requests.length).toBe(before + 1);
    await term.press('Enter');
    await term.waitForScreen('Paste received.');
    expect(chat.model.requests.length).toBe(before + 2);
    expect(lastUserMessage()).toBe('pasted one\npasted two\npasted three\nand a last line');
    await term.waitForScreen(promptShown);

    await term.press('C-d');
    expect(await term.exited()).toBe(0);
  });
});
