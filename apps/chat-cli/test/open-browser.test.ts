// When mcs-chat opens a URL (a sign-in, a server's URL elicitation) in a browser: BROWSER when set,
// else the desktop's opener; only with someone at the terminal; otherwise the URL is printed only
// (the sign-in tests run without a terminal: printed, never opened).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { browserCommand, openInBrowser } from '../src/auth/open-browser.js';
import { makeWorkDir } from './cli-process.js';

const RECORD_BROWSER = fileURLToPath(new URL('./fixtures/record-browser.mjs', import.meta.url));

describe.runIf(process.platform === 'linux')('browserCommand (Linux)', () => {
  it('opens with xdg-open on a desktop at a terminal, never without a display, a terminal, or with MCS_CHAT_BROWSER=none', () => {
    expect(browserCommand({ DISPLAY: ':0' }, true)).toEqual(['xdg-open', []]);
    expect(browserCommand({ WAYLAND_DISPLAY: 'wayland-0' }, true)).toEqual(['xdg-open', []]);
    expect(browserCommand({}, true)).toBeUndefined();
    expect(browserCommand({ DISPLAY: ':0' }, false)).toBeUndefined();
    expect(browserCommand({ DISPLAY: ':0', MCS_CHAT_BROWSER: 'none' }, true)).toBeUndefined();
  });

  it('BROWSER wins, even without a desktop: its first command of a :-list, split into words', () => {
    expect(browserCommand({ BROWSER: 'firefox', DISPLAY: ':0' }, true)).toEqual(['firefox', []]);
    expect(browserCommand({ BROWSER: 'w3m' }, true)).toEqual(['w3m', []]);
    expect(browserCommand({ BROWSER: ' firefox --new-window %s :lynx' }, true)).toEqual([
      'firefox',
      ['--new-window', '%s'],
    ]);
    expect(browserCommand({ BROWSER: '', DISPLAY: ':0' }, true)).toEqual(['xdg-open', []]);
    expect(browserCommand({ BROWSER: 'firefox' }, false)).toBeUndefined();
    expect(browserCommand({ BROWSER: 'firefox', MCS_CHAT_BROWSER: 'none' }, true)).toBeUndefined();
  });
});

describe('browserCommand (each platform)', () => {
  it("opens without a shell on every platform: Windows's cmd /c start would run what follows an & of the URL", () => {
    const url = 'https://auth.example/authorize?response_type=code&client_id=x&calc';
    for (const platform of ['win32', 'darwin', 'linux'] as const) {
      const command = browserCommand({ DISPLAY: ':0' }, true, platform);
      expect(command, platform).toBeDefined();
      const [file, args] = command!;
      // A shell, or an opener that re-reads its arguments as a command line, would split the URL.
      expect(['cmd', 'cmd.exe', 'sh', 'bash', 'powershell'], platform).not.toContain(file.toLowerCase());
      expect([...args, url].filter((arg) => arg.includes('&'))).toEqual([url]);
    }
    expect(browserCommand({}, true, 'win32')).toEqual(['rundll32', ['url.dll,FileProtocolHandler']]);
    expect(browserCommand({}, true, 'darwin')).toEqual(['open', []]);
    // Windows separates BROWSER's list with ';' (its paths hold ':').
    expect(browserCommand({ BROWSER: 'C:\\Tools\\browser.exe;other' }, true, 'win32')).toEqual([
      'C:\\Tools\\browser.exe',
      [],
    ]);
  });
});

describe('openInBrowser', () => {
  it("opens only http(s) URLs: a file: or custom-scheme URL (a sign-in URL is the server's) is refused, nothing started", async () => {
    await using dir = await makeWorkDir();
    const log = join(dir.path, 'opened.log');
    for (const href of ['file:///bin/sh', 'ms-msdt:/id PCWDiagnostic', 'vscode://x/y']) {
      const refused = await openInBrowser([process.execPath, [RECORD_BROWSER, log]], new URL(href));
      expect(refused?.message, href).toMatch(/not an http\(s\) address/);
    }
    expect(await openInBrowser([process.execPath, [RECORD_BROWSER, log]], new URL('http://127.0.0.1:1/x'))).toBe(
      undefined,
    );
    const lines = async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    await waitFor(async () => ((await lines()).length > 0 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'the http URL to be recorded',
    });
    expect((await lines()).map((line) => JSON.parse(line))).toEqual([['http://127.0.0.1:1/x']]);
  });

  it('passes the URL as the last argument, or in place of %s; a command that does not exist is reported, not thrown', async () => {
    await using dir = await makeWorkDir();
    const log = join(dir.path, 'opened.log');
    const url = new URL('https://example.com/a b?c=d');
    expect(await openInBrowser([process.execPath, [RECORD_BROWSER, log]], url)).toBeUndefined();
    expect(await openInBrowser([process.execPath, [RECORD_BROWSER, log, '--url=%s', 'x']], url)).toBeUndefined();
    const lines = async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    await waitFor(async () => ((await lines()).length === 2 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'both browser starts to be recorded',
    });
    expect((await lines()).map((line) => JSON.parse(line)).sort()).toEqual(
      [['https://example.com/a%20b?c=d'], ['--url=https://example.com/a%20b?c=d', 'x']].sort(),
    );
    const failed = await openInBrowser(['/nonexistent/mcs-chat-test-browser', []], url);
    expect((failed as NodeJS.ErrnoException | undefined)?.code).toBe('ENOENT');
  });
});
