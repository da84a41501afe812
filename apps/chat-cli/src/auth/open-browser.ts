import { spawn } from 'node:child_process';

type Env = Record<string, string | undefined>;

/**
 * The command that opens a URL in a browser, or `undefined` when there is none to use: nobody at a
 * terminal (stderr not a TTY: a script, CI), `MCS_CHAT_BROWSER=none`, or Linux with neither
 * `BROWSER` nor a desktop (DISPLAY / WAYLAND_DISPLAY: an SSH session, a container).
 *
 * `BROWSER` wins over the platform's opener, read as xdg-open and Python's webbrowser read it: a
 * list of commands (`:`-separated, `;` on Windows) of which the first is used, its words split on
 * spaces, `%s` standing for the URL (else the URL is the last argument). No shell is involved,
 * on Windows neither: `cmd /c start` would read the URL's `&` (in every sign-in URL's query) as
 * the end of a command and run what follows, a command chosen by the server; rundll32's URL
 * handler takes the URL as one argument.
 */
export function browserCommand(
  env: Env,
  interactive: boolean,
  platform: NodeJS.Platform = process.platform,
): [string, string[]] | undefined {
  if (!interactive || env.MCS_CHAT_BROWSER === 'none') return undefined;
  const fromEnv = env.BROWSER?.split(platform === 'win32' ? ';' : ':')[0]
    ?.trim()
    .split(/\s+/);
  if (fromEnv?.[0]) return [fromEnv[0], fromEnv.slice(1)];
  if (platform === 'darwin') return ['open', []];
  if (platform === 'win32') return ['rundll32', ['url.dll,FileProtocolHandler']];
  return env.DISPLAY || env.WAYLAND_DISPLAY ? ['xdg-open', []] : undefined;
}

/** Only web pages are opened: the desktop's opener also starts programs for `file:` and custom schemes. */
const isWebUrl = (url: URL) => url.protocol === 'https:' || url.protocol === 'http:';

/**
 * Starts the browser detached; resolves once it started (`undefined`) or with why it could not
 * (no such command, not an http(s) URL: a sign-in URL comes from the server's metadata, and
 * `open` / `xdg-open` of a `file:` URL runs what it names). Never rejects: the callers print the URL
 * as well, so a failure may be ignored.
 */
export function openInBrowser(command: [string, string[]], url: URL): Promise<Error | undefined> {
  if (!isWebUrl(url)) return Promise.resolve(new Error(`not an http(s) address (${url.protocol}): not opened`));
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
