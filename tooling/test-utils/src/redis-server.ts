import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFreePort } from './free-port.js';
import { waitFor } from './wait-for.js';

export interface RedisServerHandle extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** Extra command-line settings, e.g. `['--cluster-enabled', 'yes']`. */
  args?: string[];
  /** Text of a config file written into the server's temporary folder (Sentinel needs a writable one). */
  config?: string;
  /** Run as a Sentinel (`--sentinel`); give `config` with its `sentinel monitor ...` lines. */
  sentinel?: boolean;
  /** A fixed port instead of a free one, e.g. to restart a stopped server where clients expect it. */
  port?: number;
}

/**
 * Starts a real redis-server on a free loopback port, with no persistence, in a temporary folder.
 * It stops when the handle is disposed (`await using`) or stopped, and with the test process.
 * REDIS_SERVER_BIN overrides the binary (default: redis-server on PATH).
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const port = options.port ?? (await getFreePort());
  const dir = await mkdtemp(join(tmpdir(), 'mcs-redis-'));
  const binary = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const configFile = join(dir, 'redis.conf');
  await writeFile(configFile, options.config ?? '');
  const child = spawn(
    binary,
    [
      configFile,
      ...(options.sentinel ? ['--sentinel'] : ['--save', '', '--appendonly', 'no']),
      ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let spawnError: Error | undefined;
  child.on('error', (error) => {
    spawnError = error;
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  try {
    await waitFor(
      async () => {
        if (spawnError) {
          throw new Error(
            `could not start ${binary}: ${spawnError.message}. Install it (apt-get install -y redis-server) or set REDIS_SERVER_BIN`,
          );
        }
        if (child.exitCode !== null) throw new Error(`redis-server exited early: ${stderr.trim()}`);
        return canConnect(port);
      },
      { timeoutMs: 15_000, what: `redis-server on port ${port}` },
    );
  } catch (error) {
    child.kill('SIGKILL');
    process.removeListener('exit', killOnExit);
    await rm(dir, { recursive: true, force: true });
    throw error instanceof Error && error.cause instanceof Error ? error.cause : error;
  }

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
  return { url: `redis://127.0.0.1:${port}`, port, stop, [Symbol.asyncDispose]: stop };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
