// Server log lines in a real terminal (tmux): while the REPL waits at its prompt with a half-typed
// line, a log message of server-everything (its simulated logging, one every 5 s) is printed above
// the prompt, dimmed, and the typed text stays on the prompt line below it.
import { describe, expect, it } from 'vitest';
import { everythingConfig } from './cli-process.js';
import { useScriptedChat } from './scripted-chat.js';

const chat = useScriptedChat(everythingConfig());

const LOG_LINE = /^\[everything\] \w+: (\w+-level |Alert level-)message/;
const rows = (screen: string) => screen.split('\n').map((row) => row.trimEnd());

describe('server log lines in a terminal', () => {
  it('go above the prompt while it waits, dimmed, keeping the half-typed line', async () => {
    await using term = await chat.startTerminal(['--log-level', 'debug'], { ready: 'MCP servers: everything' });
    // A command (the user's own call: no approval): server-everything starts logging, one message at once.
    await term.line('/call everything.toggle-simulated-logging');
    await term.waitForScreen('Started simulated, random-leveled logging');
    const before = rows(await term.waitForScreen((screen) => rows(screen).some((row) => LOG_LINE.test(row)))).filter(
      (row) => LOG_LINE.test(row),
    ).length;
    await term.type('half typed');
    // The next message comes within 5 s, while the prompt waits with the typed text.
    const screen = await term.waitForScreen(
      (shown) => rows(shown).filter((row) => LOG_LINE.test(row)).length > before && shown.includes('> half typed'),
      { timeoutMs: 20_000 },
    );
    const lines = rows(screen).filter((row) => row !== '');
    expect(lines.at(-1)).toBe('> half typed');
    expect(LOG_LINE.test(lines.at(-2) ?? '')).toBe(true);
    // Nothing printed into the prompt's own row.
    expect(lines.filter((row) => row.includes('half typed'))).toEqual(['> half typed']);
    // Dimmed (SGR 2) on screen.
    const escaped = await term.screen({ escapes: true });
    expect(escaped).toContain('\u001b[2m[everything] ');

    await term.press('C-c');
    await term.press('C-c');
    await term.press('C-c');
    expect(await term.exited()).toBe(0);
  });
});
