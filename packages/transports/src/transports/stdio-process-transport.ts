import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { type JSONRPCMessage, serializeMessage, type Transport } from '@modelcontextprotocol/client';
import { getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { JsonRpcLineReader } from '../internal/json-rpc-lines.js';
import { signalGroup, trackProcessGroup, untrackProcessGroup } from '../internal/process-groups.js';
import { claimPrestartedStdioProcess, type StdioProcessSpec, spawnStdioProcess } from './stdio-spawn.js';

export interface StdioProcessTransportOptions {
  command: string;
  args: string[];
  /** Added to the SDK's safe default environment. */
  env: Record<string, string>;
  cwd?: string | undefined;
  /** Time between SIGTERM and SIGKILL of the process group on `close()`. */
  shutdownGraceMs: number;
  onStderrLine?: (line: string) => void;
}

export interface ProcessExit {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when `close()` asked for it. */
  expected: boolean;
}

/** How long to wait for the last stdout bytes after the process exited before reporting the close. */
const drainAfterExitMs = 100;
/** stderr lines longer than this are cut, so a chatty backend cannot grow memory without bound. */
const maxStderrLineChars = 8_192;

/**
 * MCP client transport over a child process's stdin/stdout, like the SDK's `StdioClientTransport`
 * but with the process in its own process group (`detached`), so that stopping a backend stops
 * everything it started, and with the exit code/signal kept for error messages. Writes to a dead
 * process (EPIPE) surface as `onerror`, never as an uncaught exception.
 */
export class StdioProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #options: StdioProcessTransportOptions;
  readonly #readBuffer = new JsonRpcLineReader();
  #child: ChildProcessWithoutNullStreams | undefined;
  #exit: ProcessExit | undefined;
  #exited: Promise<void> | undefined;
  #closeRequested = false;
  #closeReported = false;
  #stderrPending = '';
  #corked = false;

  constructor(options: StdioProcessTransportOptions) {
    this.#options = options;
  }

  /** pid of the child, which is also its process group id; undefined before `start()`. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** How the process ended; undefined while it runs. */
  get exitInfo(): ProcessExit | undefined {
    return this.#exit;
  }

  async start(): Promise<void> {
    if (this.#child) throw new Error('StdioProcessTransport already started; create a new one per session');
    const { command, args, env, cwd } = this.#options;
    const spec: StdioProcessSpec = { command, args, env: { ...getDefaultEnvironment(), ...env }, cwd };
    // A process started early for exactly this spec (stdio-spawn.ts) is taken instead of a new one.
    const { child, spawned } = claimPrestartedStdioProcess(spec) ?? spawnStdioProcess(spec);
    this.#child = child;

    await spawned;
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start "${command}": no pid`);
    trackProcessGroup(pid);

    child.on('error', (error) => this.onerror?.(error));
    child.stdin.on('error', (error) => {
      // EPIPE/ECONNRESET after the process died is expected; the exit handler reports the close.
      if (this.#exit) return;
      this.onerror?.(new Error(`writing to the backend's stdin failed: ${error.message}`, { cause: error }));
      // A backend that stopped reading its stdin can never answer again: end it, which reports the
      // close and lets the supervisor start a fresh one.
      void this.#stop();
    });
    child.stdout.on('error', (error) => this.onerror?.(error));
    child.stderr.on('error', (error) => this.onerror?.(error));
    child.stdout.on('data', (chunk: Buffer) => this.#onStdout(chunk));
    child.stderr.on('data', (chunk: Buffer) => this.#onStderr(chunk));

    const stdoutClosed = new Promise<void>((resolve) => child.stdout.once('close', resolve));
    this.#exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = { pid, code, signal, expected: this.#closeRequested };
        untrackProcessGroup(pid);
        // The leader is gone; anything left in its group is an orphan by definition.
        signalGroup(pid, 'SIGKILL');
        resolve();
        void Promise.race([stdoutClosed, delay(drainAfterExitMs)]).then(() => this.#reportClose());
      });
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.#child?.stdin;
    if (!stdin || this.#exit || this.#closeRequested || !stdin.writable) {
      throw new Error(this.#exit ? `backend process ${describeExit(this.#exit)}` : 'backend process is not running');
    }
    // Messages sent in the same tick (many callers sharing one backend) leave in one write(v)
    // instead of one syscall each: the stream is corked until the next tick.
    if (!this.#corked) {
      this.#corked = true;
      stdin.cork();
      process.nextTick(() => {
        this.#corked = false;
        stdin.uncork();
      });
    }
    await new Promise<void>((resolve, reject) => {
      const flushed = stdin.write(serializeMessage(message), (error) => {
        if (error) reject(new Error(`writing to the backend's stdin failed: ${error.message}`, { cause: error }));
      });
      if (flushed) {
        resolve();
        return;
      }
      const done = () => {
        stdin.off('drain', done);
        stdin.off('close', done);
        resolve();
      };
      stdin.once('drain', done);
      stdin.once('close', done);
    });
  }

  /**
   * Ends the session: closes stdin and sends SIGTERM to the process group, then SIGKILL after the
   * grace period. Resolves once the process has exited.
   */
  async close(): Promise<void> {
    this.#closeRequested = true;
    await this.#stop();
  }

  async #stop(): Promise<void> {
    const child = this.#child;
    if (!child?.pid || !this.#exited) {
      this.#reportClose();
      return;
    }
    const pid = child.pid;
    if (!this.#exit) {
      child.stdin.end();
      signalGroup(pid, 'SIGTERM');
      const exitedInTime = await Promise.race([
        this.#exited.then(() => true),
        delay(this.#options.shutdownGraceMs).then(() => false),
      ]);
      if (!exitedInTime) signalGroup(pid, 'SIGKILL');
    }
    await this.#exited;
    signalGroup(pid, 'SIGKILL');
    this.#reportClose();
  }

  #onStdout(chunk: Buffer): void {
    try {
      this.#readBuffer.push(chunk, (message) => this.onmessage?.(message));
    } catch (error) {
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #onStderr(chunk: Buffer): void {
    const onLine = this.#options.onStderrLine;
    if (!onLine) return;
    const lines = (this.#stderrPending + chunk.toString('utf8')).split('\n');
    this.#stderrPending = (lines.pop() ?? '').slice(-maxStderrLineChars);
    for (const line of lines) {
      const trimmed = line.replace(/\r$/, '');
      if (trimmed.length > 0) onLine(trimmed.slice(0, maxStderrLineChars));
    }
  }

  #reportClose(): void {
    if (this.#closeReported) return;
    this.#closeReported = true;
    this.#readBuffer.clear();
    this.onclose?.();
  }
}

export function describeExit(exit: ProcessExit): string {
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return `${exit.pid} ${how}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
