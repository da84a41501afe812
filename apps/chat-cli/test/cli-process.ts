// Runs the built CLI (`node dist/main.js`) as a child process, against the scripted model and a real
// MCP server (server-everything over stdio), in a temporary working directory holding config.json.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@mcs/test-utils';

const require = createRequire(import.meta.url);
/** The built CLI's entry point. */
export const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
export const everythingEntry = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');

/** A config with server-everything over stdio as backend `everything`. */
export function everythingConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    mcp: {
      backends: { everything: { transport: 'stdio', command: process.execPath, args: [everythingEntry, 'stdio'] } },
    },
    ...extra,
  };
}

export interface WorkDir extends AsyncDisposable {
  readonly path: string;
  write(name: string, content: string | Record<string, unknown>): Promise<void>;
}

export async function makeWorkDir(): Promise<WorkDir> {
  const path = await mkdtemp(join(tmpdir(), 'mcs-chat-'));
  const dispose = () => rm(path, { recursive: true, force: true });
  return {
    path,
    write: (name, content) =>
      writeFile(join(path, name), typeof content === 'string' ? content : JSON.stringify(content)),
    [Symbol.asyncDispose]: dispose,
  };
}

/** The model settings as environment variables, nothing else of OPENAI_* from the test's own env. */
export function modelEnv(baseURL: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('OPENAI_') && key !== 'MCS_PROFILE') env[key] = value;
  }
  // No user config (~/.config/mcs-chat/config.json) of the machine running the tests leaks in.
  const XDG_CONFIG_HOME = join(tmpdir(), 'mcs-chat-tests-no-user-config');
  return {
    ...env,
    XDG_CONFIG_HOME,
    // Nor do the runs write history or conversations into the user's home.
    XDG_STATE_HOME: join(tmpdir(), 'mcs-chat-tests-state'),
    XDG_DATA_HOME: join(tmpdir(), 'mcs-chat-tests-data'),
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: baseURL,
    OPENAI_MODEL: 'scripted-model',
  };
}

export interface CliRun {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Writes one line to the CLI's stdin. */
  line(text: string): void;
  /** Waits (bounded) until stdout contains `text` after `from` characters; returns the index after it. */
  waitForStdout(text: string, from?: number): Promise<number>;
  /** Resolves with the exit code (bounded: kills the child after `timeoutMs`). */
  exited(timeoutMs?: number): Promise<number | null>;
}

/** Whether `args` run the REPL, which on a piped stdin needs `--interactive` (else stdin is the prompt). */
const runsRepl = (args: readonly string[]) =>
  args[0] !== 'logout' && !args.some((arg) => arg === '-p' || arg === '--prompt' || arg.startsWith('--prompt='));

/**
 * Starts the CLI with pipes. Arguments that run the REPL get `--interactive` (the tests drive it line
 * by line through the pipe) unless `interactive: false`: then a piped stdin is the prompt.
 */
export function startCli(
  args: string[],
  options: { cwd: string; env: Record<string, string>; interactive?: boolean },
): CliRun {
  const argv = options.interactive !== false && runsRepl(args) ? ['--interactive', ...args] : args;
  const child = spawn(process.execPath, [MAIN, ...argv], { cwd: options.cwd, env: options.env, stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    line: (text) => child.stdin.write(`${text}\n`),
    async waitForStdout(text, from = 0) {
      const index = await waitFor(
        () => {
          const at = out.indexOf(text, from);
          if (at !== -1) return at + text.length;
          if (child.exitCode !== null) throw new Error(`mcs-chat exited with ${child.exitCode}; stderr: ${err}`);
          return undefined;
        },
        {
          timeoutMs: 30_000,
          what: `"${text}" on mcs-chat's stdout (stdout: ${JSON.stringify(out)}; stderr: ${JSON.stringify(err)})`,
        },
      );
      return index;
    },
    async exited(timeoutMs = 30_000) {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exit;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Runs the CLI to its end (stdin: `stdin`, then closed). */
export async function runCli(
  args: string[],
  options: { cwd: string; env: Record<string, string>; interactive?: boolean; stdin?: string },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = startCli(args, options);
  run.child.stdin?.end(options.stdin);
  const code = await run.exited();
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** Pids of the live child processes of `pid` (Linux /proc), with their command lines. */
export function childProcesses(pid: number): { pid: number; cmdline: string }[] {
  const children: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The field after the parenthesised command name: state, then ppid.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) {
        children.push({
          pid: Number(entry),
          cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' '),
        });
      }
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie no longer runs: it counts as gone.
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}
