import { type ChildProcess, spawn } from 'node:child_process';
import { waitFor } from './wait-for.js';

export interface TerminalProcess {
  /** The util-linux `script` process that holds the pseudo-terminal; it exits with the command's code. */
  readonly child: ChildProcess;
  /** Everything the command wrote to the terminal so far (CRLF line ends, ANSI colors kept). */
  output(): string;
  /** The command's own pid (not `script`'s), to signal it as a terminal's Ctrl-C or a supervisor would. */
  pid(): Promise<number>;
}

const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

/**
 * Runs `command args` with a real pseudo-terminal as stdout/stderr (util-linux `script`), for code that
 * behaves differently on a terminal (`process.stdout.isTTY`). Stop it by signalling `pid()`, then the
 * child exits with the command's exit code.
 */
export function spawnInTerminal(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): TerminalProcess {
  // The shell prints its pid, then execs into the command, which keeps that pid.
  const shell = `echo "pid=$$"; exec ${[command, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['-qfec', shell, '/dev/null'], {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    child,
    output: () => output,
    pid: () => waitFor(() => Number(/pid=(\d+)/.exec(output)?.[1]), { what: 'the pid of the command in the terminal' }),
  };
}
