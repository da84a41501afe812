// When mcs-chat opens the sign-in URL in a browser: only with a desktop and someone at the terminal;
// otherwise the URL is printed only (the sign-in tests run without a terminal: printed, never opened).
import { describe, expect, it } from 'vitest';
import { browserCommand } from '../src/auth/open-browser.js';

describe.runIf(process.platform === 'linux')('browserCommand (Linux)', () => {
  it('opens with xdg-open on a desktop at a terminal, never without a display, a terminal, or with MCS_CHAT_BROWSER=none', () => {
    expect(browserCommand({ DISPLAY: ':0' }, true)).toEqual(['xdg-open', []]);
    expect(browserCommand({ WAYLAND_DISPLAY: 'wayland-0' }, true)).toEqual(['xdg-open', []]);
    expect(browserCommand({}, true)).toBeUndefined();
    expect(browserCommand({ DISPLAY: ':0' }, false)).toBeUndefined();
    expect(browserCommand({ DISPLAY: ':0', MCS_CHAT_BROWSER: 'none' }, true)).toBeUndefined();
  });
});
