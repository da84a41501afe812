import { type ChildProcess, spawn } from 'node:child_process';
import { canConnect, getFreePort, waitFor } from '@mcs/test-utils';
import { everythingEntry, forceLoopbackEntry } from './helpers.js';

export interface EverythingServer extends AsyncDisposable {
  readonly port: number;
  /** `http://127.0.0.1:<port>/mcp` (streamableHttp) or `.../sse` (sse). */
  readonly url: string;
  /** Kills the server (SIGKILL, like a crash); `start()` brings a fresh one up on the same port. */
  crash(): Promise<void>;
  start(): Promise<void>;
  /** `crash()` then `start()`: a fresh server that knows none of the old sessions. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** server-everything in its HTTP modes, on a free loopback port; stops with the handle or the test process. */
export async function startEverythingServer(mode: 'streamableHttp' | 'sse'): Promise<EverythingServer> {
  const port = await getFreePort();
  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const start = async () => {
    const started = spawn(process.execPath, ['--import', forceLoopbackEntry, everythingEntry, mode], {
      env: { ...process.env, PORT: String(port) },
      stdio: 'ignore',
    });
    child = started;
    await waitFor(
      async () => {
        if (started.exitCode !== null) throw new Error(`server-everything ${mode} exited with ${started.exitCode}`);
        return canConnect(port);
      },
      { timeoutMs: 15_000, what: `server-everything ${mode} on port ${port}` },
    );
  };
  const kill = async (signal: NodeJS.Signals) => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill(signal);
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3_000))]);
    if (current.exitCode === null && current.signalCode === null) current.kill('SIGKILL');
  };

  await start();
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await kill('SIGTERM');
  };
  return {
    port,
    url: `http://127.0.0.1:${port}/${mode === 'sse' ? 'sse' : 'mcp'}`,
    crash: () => kill('SIGKILL'),
    start,
    restart: async () => {
      await kill('SIGKILL');
      await start();
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
