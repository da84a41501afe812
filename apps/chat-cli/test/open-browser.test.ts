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

describe('openInBrowser', () => {
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
