// A real pseudo-terminal for the interactive tests: tmux on a private socket runs one command in a
// pane of a fixed size; the test types keys into it and reads the screen as a person would see it
// (after escape sequences are applied, so redraws and rendered Markdown are checked as shown).
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@mcs/test-utils';

const run = promisify(execFile);

export interface TmuxTerminal extends AsyncDisposable {
  /** The pane's command's pid (the command is exec'd, so it is the program itself). */
  readonly pid: number;
  /** The screen now, one string per row (plain text; `escapes`: with SGR colour codes). */
  screen(options?: { escapes?: boolean }): Promise<string>;
  /** Waits (bounded) until the screen satisfies `test` (a string it contains, or a predicate); returns the screen. */
  waitForScreen(
    test: string | ((screen: string) => boolean),
    options?: { timeoutMs?: number; escapes?: boolean },
  ): Promise<string>;
  /** Types text literally (no Enter). */
  type(text: string): Promise<void>;
  /** Presses keys by tmux name: `Enter`, `C-c`, `C-d`, `Up`, `Tab`. */
  press(...keys: string[]): Promise<void>;
  /** Types a line and presses Enter. */
  line(text: string): Promise<void>;
  /** Pastes text as a terminal does (`paste-buffer -p`: bracketed when the program asked for it, newlines as CR). */
  paste(text: string): Promise<void>;
  /** Resolves with the command's exit status once it ended (the pane stays, dead, to report it). */
  exited(timeoutMs?: number): Promise<number>;
}

/** The exit status of `pid` if it is a zombie (exited, not yet reaped), else undefined. */
async function zombieStatus(pid: number): Promise<{ status: number } | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // The command name (field 2) may hold spaces and parentheses: fields after it follow the last ')'.
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .trim()
    .split(' ');
  if (fields[0] !== 'Z') return undefined;
  const waitStatus = Number(fields[49]);
  if ((waitStatus & 0x7f) !== 0) throw new Error(`the command in tmux was killed by signal ${waitStatus & 0x7f}`);
  return { status: waitStatus >> 8 };
}

/** mcs-chat's empty prompt line is on the screen. */
export const promptShown = (screen: string) => /^>\s*$/m.test(screen);

const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

/** Starts `command args` in a `columns`x`rows` terminal with exactly `env` (TERM is tmux's). */
export async function startInTmux(
  command: string,
  args: readonly string[],
  options: { env: Record<string, string>; cwd: string; columns?: number; rows?: number },
): Promise<TmuxTerminal> {
  const socket = join(tmpdir(), `mcs-chat-tmux-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const tmux = (...tmuxArgs: string[]) =>
    run('tmux', ['-S', socket, '-f', '/dev/null', ...tmuxArgs], { env: options.env, timeout: 10_000 });
  const shell = `cd ${quote(options.cwd)} && exec ${[command, ...args].map(quote).join(' ')}`;
  await tmux(
    'new-session',
    '-d',
    '-x',
    String(options.columns ?? 100),
    '-y',
    String(options.rows ?? 40),
    '-s',
    'test',
    shell,
  );
  // A dead pane stays (with its exit status) instead of ending the session.
  await tmux('set-option', '-t', 'test', 'remain-on-exit', 'on');
  const pid = Number((await tmux('display-message', '-p', '-t', 'test', '#{pane_pid}')).stdout.trim());
  const screen = async ({ escapes = false } = {}) =>
    (await tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', 'test')).stdout;
  return {
    pid,
    screen,
    async waitForScreen(test, { timeoutMs = 20_000, escapes = false } = {}) {
      let last = '';
      const ok = typeof test === 'string' ? (text: string) => text.includes(test) : test;
      try {
        return await waitFor(
          async () => {
            last = await screen({ escapes });
            return ok(last) ? last : undefined;
          },
          { timeoutMs, intervalMs: 100, what: typeof test === 'string' ? JSON.stringify(test) : 'the expected screen' },
        );
      } catch (error) {
        throw new Error(`${(error as Error).message}; the screen was:\n${last}`);
      }
    },
    async type(text) {
      await tmux('send-keys', '-t', 'test', '-l', text);
    },
    async press(...keys) {
      await tmux('send-keys', '-t', 'test', ...keys);
    },
    async line(text) {
      await tmux('send-keys', '-t', 'test', '-l', text);
      await tmux('send-keys', '-t', 'test', 'Enter');
    },
    async paste(text) {
      await tmux('set-buffer', '-b', 'paste', '--', text);
      await tmux('paste-buffer', '-p', '-d', '-b', 'paste', '-t', 'test');
    },
    async exited(timeoutMs = 20_000) {
      const { status } = await waitFor(
        async () => {
          const { stdout } = await tmux(
            'display-message',
            '-p',
            '-t',
            'test',
            '#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}',
          );
          const [dead, code, signal] = stdout.trim().split('|');
          if (dead !== '1') return undefined;
          if (signal !== '') throw new Error(`the command in tmux was killed by signal ${signal}`);
          if (code !== '') return { status: Number(code) };
          // tmux marks the pane dead when its terminal closes and fills in the status when it reaps
          // the process; tmux 3.3a sometimes leaves the exited program a zombie for many seconds,
          // status empty. A zombie's status is in /proc (its wait status, field 52 of stat).
          return zombieStatus(pid);
        },
        { timeoutMs, intervalMs: 100, what: 'the command in tmux to exit' },
      );
      return status;
    },
    async [Symbol.asyncDispose]() {
      await tmux('kill-server').catch(() => {});
      await rm(socket, { force: true });
    },
  };
}
