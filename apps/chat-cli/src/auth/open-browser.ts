import { spawn } from 'node:child_process';

type Env = Record<string, string | undefined>;

/**
 * The command that opens a URL in the desktop's browser, or `undefined` when there is no desktop
 * (Linux without DISPLAY / WAYLAND_DISPLAY: an SSH session, a container) or nobody at a terminal
 * to use it (stderr not a TTY: a script, CI). `MCS_CHAT_BROWSER=none` never opens one.
 */
export function browserCommand(env: Env, interactive: boolean): [string, string[]] | undefined {
  if (!interactive || env.MCS_CHAT_BROWSER === 'none') return undefined;
  if (process.platform === 'darwin') return ['open', []];
  if (process.platform === 'win32') return ['cmd', ['/c', 'start', '""']];
  return env.DISPLAY || env.WAYLAND_DISPLAY ? ['xdg-open', []] : undefined;
}

/** Starts the browser detached; a failure is ignored (the URL is printed as well). */
export function openInBrowser(command: [string, string[]], url: URL): void {
  const [file, args] = command;
  const child = spawn(file, [...args, url.toString()], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}
