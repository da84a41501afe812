// The processes a scenario starts, each a real artefact: the built http-mcp-server and grpc-gateway
// (`node dist/main.js`), redis-server (through @mcs/test-utils), server-everything behind the gateway.
// Every child's stdout and stderr go to a log file of the run, so that the secrets check can read
// everything the processes said; the run stops every child it started when disposed.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, realpathSync, type WriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@mcs/test-utils';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..');
const repoRoot = join(packageDir, '..', '..');
const require = createRequire(import.meta.url);

const appMain = (name: string) => join(realpathSync(join(packageDir, 'node_modules', '@mcs', name)), 'dist', 'main.js');

/** The built entry points (through this package's workspace links). */
export const httpMcpServerMain = appMain('http-mcp-server');
export const grpcGatewayMain = appMain('grpc-gateway');
/** server-everything's own bin, run with `stdio`. */
export const serverEverythingMain = join(
  dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')),
  'dist',
  'index.js',
);
/** The stdio tap that records the JSON-RPC traffic between the gateway and server-everything. */
export const stdioTapMain = join(here, 'stdio-tap.mjs');

/** The root `pnpm test` builds every package first; a single-project run may not have: build what is missing. */
export function ensureAppsBuilt(): void {
  const chatCliMain = join(repoRoot, 'apps', 'chat-cli', 'dist', 'main.js');
  const providerSdkMain = join(repoRoot, 'apps', 'provider-sdk', 'dist', 'index.js');
  if ([httpMcpServerMain, grpcGatewayMain, chatCliMain, providerSdkMain].every((file) => existsSync(file))) return;
  execFileSync(
    join(repoRoot, 'node_modules', '.bin', 'turbo'),
    [
      'run',
      'build',
      '--filter',
      '@mcs/http-mcp-server...',
      '--filter',
      '@mcs/grpc-gateway...',
      '--filter',
      '@mcs/chat-cli...',
    ],
    { cwd: repoRoot, stdio: 'ignore', timeout: 300_000 },
  );
}

export interface RunningProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the process has exited (whatever the cause). */
  readonly exited: Promise<void>;
  alive(): boolean;
  /** `signal` (default SIGTERM), then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/** One scenario run: a temporary folder for logs and files, and every child it started. */
export class Run implements AsyncDisposable {
  readonly processes: RunningProcess[] = [];
  private readonly streams: WriteStream[] = [];
  private readonly cleanups: Array<() => Promise<void>> = [];
  private constructor(readonly dir: string) {}

  static async create(label: string): Promise<Run> {
    return new Run(await mkdtemp(join(tmpdir(), `mcs-reliability-${label}-`)));
  }

  /** Runs `cleanup` at dispose, before the children are stopped (e.g. a Redis handle). */
  onDispose(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  spawn(name: string, command: string, args: string[], env: Record<string, string>, cwd = packageDir): RunningProcess {
    const logFile = join(this.dir, `${name}.${this.processes.filter((p) => p.name === name).length}.log`);
    const log = createWriteStream(logFile);
    this.streams.push(log);
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    const alive = () => child.exitCode === null && child.signalCode === null;
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    void exited.then(() => process.removeListener('exit', killOnExit));
    const running: RunningProcess = {
      name,
      child,
      pid: child.pid ?? -1,
      logFile,
      exited,
      alive,
      async stop(signal = 'SIGTERM', graceMs = 10_000) {
        if (!alive()) return;
        child.kill(signal);
        // A stopped (SIGSTOP) process cannot act on SIGTERM until it runs again.
        child.kill('SIGCONT');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      },
    };
    this.processes.push(running);
    return running;
  }

  /** Every log line the run's processes wrote so far, by file. */
  async logs(): Promise<Map<string, string>> {
    const files = (await readdir(this.dir)).filter((file) => file.endsWith('.log'));
    const result = new Map<string, string>();
    for (const file of files) result.set(file, await readFile(join(this.dir, file), 'utf8'));
    return result;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const cleanup of this.cleanups.reverse()) await cleanup().catch(() => undefined);
    await Promise.all(this.processes.map((running) => running.stop('SIGTERM', 5_000)));
    await Promise.all(this.streams.map((stream) => new Promise((resolve) => stream.end(resolve))));
    if (process.env.MCS_RELIABILITY_KEEP_LOGS !== '1') await rm(this.dir, { recursive: true, force: true });
  }
}

/** Resident set size of a process in bytes (Linux /proc), 0 once it has gone. */
export function rssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every live descendant of `pid` (Linux /proc: children of every thread, recursively). */
export function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  const visit = (parent: number) => {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      return;
    }
    for (const task of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${parent}/task/${task}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const child of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits for a process to exit, bounded. */
export async function waitForExit(running: RunningProcess, timeoutMs = 10_000): Promise<void> {
  await Promise.race([
    running.exited,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`${running.name} did not exit within ${timeoutMs} ms`)), timeoutMs),
    ),
  ]);
}

export { waitFor };
