import { runCli } from '../cli.js';

export interface LocalChatOptions {
  /** Config file (as `--config`); absent: `./config.json`, then the user's config directory. */
  config?: string;
  /** Model name (as `--model`). */
  model?: string;
  /** Tool calls not annotated read-only (as `--approve`): `ask` (default), `auto`, `never`. */
  approve?: 'ask' | 'auto' | 'never';
  /** Continue the last saved conversation (as `--resume`). */
  resume?: boolean;
}

/**
 * The seed's `open_local_chat()`: the interactive `mcs-chat` on this process's terminal (or pipes),
 * with everything the CLI has (Markdown, tools, slash commands, history). Resolves with the exit
 * code when the chat is closed (`/exit`, Ctrl-D); the caller decides whether to exit the process.
 */
export async function openLocalChat(options: LocalChatOptions = {}): Promise<number> {
  // The chat also on pipes (read line by line), not a one-shot prompt from a piped stdin.
  const argv = [
    '--interactive',
    ...(options.config !== undefined ? ['--config', options.config] : []),
    ...(options.model !== undefined ? ['--model', options.model] : []),
    ...(options.approve !== undefined ? ['--approve', options.approve] : []),
    ...(options.resume ? ['--resume'] : []),
  ];
  return await runCli({
    argv,
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    onSignal(listener) {
      process.on('SIGINT', listener);
      process.on('SIGTERM', listener);
      return () => {
        process.removeListener('SIGINT', listener);
        process.removeListener('SIGTERM', listener);
      };
    },
  });
}
