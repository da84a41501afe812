import { spawn } from 'node:child_process';
import { delimiter } from 'node:path';

type Env = Record<string, string | undefined>;

/**
 * The command that opens a URL in a browser, or `undefined` when there is none to use: nobody at a
 * terminal (stderr not a TTY: a script, CI), `MCS_CHAT_BROWSER=none`, or Linux with neither
 * `BROWSER` nor a desktop (DISPLAY / WAYLAND_DISPLAY: an SSH session, a container).
 *
 * `BROWSER` wins over the platform's opener, read as xdg-open and Python's webbrowser read it: a
 * list of commands (`:`-separated, `;` on Windows) of which the first is used, its words split on
 * spaces, `%s` standing for the URL (else the URL is the last argument). No shell is involved.
 */
export function browserCommand(env: Env, interactive: boolean): [string, string[]] | undefined {
  if (!interactive || env.MCS_CHAT_BROWSER === 'none') return undefined;
  const fromEnv = env.BROWSER?.split(delimiter)[0]?.trim().split(/\s+/);
  if (fromEnv?.[0]) return [fromEnv[0], fromEnv.slice(1)];
  if (process.platform === 'darwin') return ['open', []];
  if (process.platform === 'win32') return ['cmd', ['/c', 'start', '""']];
  return env.DISPLAY || env.WAYLAND_DISPLAY ? ['xdg-open', []] : undefined;
}

/**
 * Starts the browser detached; resolves once it started (`undefined`) or with why it could not
 * (no such command). Never rejects: the callers print the URL as well, so a failure may be ignored.
 */
export function openInBrowser(command: [string, string[]], url: URL): Promise<Error | undefined> {
  const [file, args] = command;
  const href = url.toString();
  const withUrl = args.some((arg) => arg.includes('%s'))
    ? args.map((arg) => arg.replaceAll('%s', href))
    : [...args, href];
  return new Promise((resolve) => {
    const child = spawn(file, withUrl, { stdio: 'ignore', detached: true });
    child.once('spawn', () => resolve(undefined));
    child.once('error', resolve);
    child.unref();
  });
}
