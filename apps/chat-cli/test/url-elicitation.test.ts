// URL elicitation (an MCP server asks the user to open a web page of its own, `elicitation/create`
// mode "url"): the real server is server-everything over stdio (its trigger-url-elicitation tool
// sends the request through the official SDK); the browser is BROWSER, set to a script that records
// the URL it was started with (test/fixtures/record-browser.mjs). Through a real terminal (tmux):
// consent first, then the browser opens and the server gets accept; no opens nothing and the server
// gets decline; a non-web URL is declined unasked; with no browser the URL is shown to open by hand.
// Without a terminal (-p in a pipe) the URL is printed and the request cancelled.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { everythingConfig } from './cli-process.js';
import { useScriptedChat } from './scripted-chat.js';
import { promptShown, type TmuxTerminal } from './tmux-terminal.js';

const RECORD_BROWSER = fileURLToPath(new URL('./fixtures/record-browser.mjs', import.meta.url));

const chat = useScriptedChat(everythingConfig());

/** What the screen shows below the last `mark` ('' when it shows no `mark`). */
const after = (screen: string, mark: string) => {
  const at = screen.lastIndexOf(mark);
  return at === -1 ? '' : screen.slice(at + mark.length);
};
/** No desktop and no BROWSER of the machine running the tests. */
const noBrowser = { BROWSER: '', DISPLAY: '', WAYLAND_DISPLAY: '', MCS_CHAT_BROWSER: '' };

/** What the server's tool answered to the model for the call `id` (the last request's tool message). */
function toolResult(id: string): string {
  const messages = (chat.model.requests.at(-1)?.messages ?? []) as { tool_call_id?: string; content?: unknown }[];
  return String(messages.find((message) => message.tool_call_id === id)?.content);
}

async function opened(log: string): Promise<string[][]> {
  const text = await readFile(log, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as string[]);
}

/** Scripts one turn: the model calls trigger-url-elicitation with `url`, then answers `done`. */
async function askToOpen(term: TmuxTerminal, id: string, url: string, done: string): Promise<void> {
  chat.model.script([
    {
      toolCalls: [
        {
          id,
          name: 'everything__trigger-url-elicitation',
          arguments: { url, message: 'Sign in to Example to go on' },
        },
      ],
    },
    { text: done },
  ]);
  await term.line(`open ${id}`);
}

describe('URL elicitation', () => {
  it('in a terminal: asks first; yes opens BROWSER with the URL (accept), no opens nothing (decline), a file: URL is declined unasked', async () => {
    const log = join(chat.dir.path, 'browser.log');
    await using term = await chat.startTerminal(['--yes'], {
      ready: 'MCP servers: everything',
      env: { ...noBrowser, BROWSER: `${process.execPath} ${RECORD_BROWSER} ${log}` },
      columns: 120,
      rows: 50,
    });

    const url = 'https://example.com/verify?step=1&who=ada';
    await askToOpen(term, 'call_yes', url, 'Opened, thanks.');
    let screen = await term.waitForScreen('Open it in your browser? [y]es, [n]o (decline), [c]ancel:');
    // The whole URL and its host are shown before anything opens.
    expect(screen).toContain('MCP server "everything" asks you to open a web page (on example.com):');
    expect(screen).toContain(url);
    expect(screen).toContain('"Sign in to Example to go on"');
    expect(await opened(log)).toEqual([]);
    await term.line('y');
    await term.waitForScreen('Opened, thanks.');
    // The browser is started detached: the answer can reach the server before the recording script
    // (a node process of its own) has written its line, so wait for it, bounded.
    await vi.waitFor(async () => expect(await opened(log)).toEqual([[url]]), { timeout: 15_000, interval: 100 });
    expect(toolResult('call_yes')).toContain('User completed the URL elicitation flow');
    await term.waitForScreen(promptShown);

    await askToOpen(term, 'call_no', 'https://example.com/pay', 'Not opened.');
    // The first question is still on screen: wait for the one asked below this URL, or the 'n' would
    // be typed while the turn runs, before it asks (a line typed then is the next entry, not an answer).
    await term.waitForScreen((shown) => after(shown, 'https://example.com/pay').includes('Open it in your browser?'));
    await term.line('n');
    await term.waitForScreen('Not opened.');
    expect(toolResult('call_no')).toContain('User declined to open the URL');
    expect(await opened(log)).toEqual([[url]]);
    await term.waitForScreen(promptShown);

    await askToOpen(term, 'call_file', 'file:///etc/passwd', 'Refused.');
    screen = await term.waitForScreen('Refused.');
    expect(screen).toContain('which is not an http(s) address: declined');
    expect(screen).not.toContain('Open it in your browser? [y]es, [n]o (decline), [c]ancel: \n');
    expect(toolResult('call_file')).toContain('User declined to open the URL');
    expect(await opened(log)).toEqual([[url]]);

    await term.press('C-d');
    expect(await term.exited()).toBe(0);
  });

  it('in a terminal with no browser: the URL is shown to open by hand, and yes answers accept', async () => {
    await using term = await chat.startTerminal(['--yes'], {
      ready: 'MCP servers: everything',
      env: noBrowser,
      columns: 120,
    });
    await askToOpen(term, 'call_by_hand', 'https://example.com/by-hand', 'Go on then.');
    const screen = await term.waitForScreen('Go ahead? [y]es, [n]o (decline), [c]ancel:');
    expect(screen).toContain('No browser opens here (no BROWSER, no desktop): open the address yourself.');
    expect(screen).toContain('https://example.com/by-hand');
    await term.line('yes');
    await term.waitForScreen('Go on then.');
    expect(toolResult('call_by_hand')).toContain('User completed the URL elicitation flow');
    await term.press('C-d');
    expect(await term.exited()).toBe(0);
  });

  it('without a terminal (-p in a pipe): the URL is printed on stderr and the request cancelled; BROWSER is not started', async () => {
    const log = join(chat.dir.path, 'browser-pipe.log');
    chat.model.script([
      {
        toolCalls: [
          {
            id: 'call_pipe',
            name: 'everything__trigger-url-elicitation',
            arguments: { url: 'https://example.com/piped', message: 'Sign in' },
          },
        ],
      },
      { text: 'Nobody there.' },
    ]);
    const { code, stdout, stderr } = await chat.run(['--yes', '-p', 'open it'], {
      ...noBrowser,
      BROWSER: `${process.execPath} ${RECORD_BROWSER} ${log}`,
    });
    expect(code).toBe(0);
    expect(stdout).toContain('Nobody there.');
    expect(stderr).toContain('MCP server "everything" asks you to open a web page (on example.com):');
    expect(stderr).toContain('https://example.com/piped');
    expect(stderr).toContain('nobody at a terminal to agree: the request was cancelled');
    expect(toolResult('call_pipe')).toContain('User cancelled the URL elicitation');
    expect(await opened(log)).toEqual([]);
  });
});
