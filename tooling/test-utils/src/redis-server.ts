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
  if (options.port !== undefined) return startOn(options.port, options);
  // A free port can be taken by another process between our probe and redis-server's bind: try another.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOn(await getFreePort(), options);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof Error) || !error.message.includes('Address already in use')) throw error;
    }
  }
}

async function startOn(port: number, options: RedisServerOptions): Promise<RedisServerHandle> {
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
    // redis-server logs to stdout (its startup errors too): keep the output for the error message.
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let spawnError: Error | undefined;
  child.on('error', (error) => {
    spawnError = error;
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    if (output.length < 16_384) output += chunk.toString();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  // An early exit (port taken, bad config) ends the wait at once instead of at its timeout.
  let exitedEarly: Error | undefined;
  const exited = () => {
    exitedEarly = new Error(`redis-server exited early (${child.exitCode ?? child.signalCode}): ${lastLines(output)}`);
  };
  child.once('exit', exited);
  try {
    await waitFor(
      async () => {
        // A failed start ends the wait; its error is thrown below.
        if (spawnError || exitedEarly) return true;
        return isOurServer(port, child.pid);
      },
      { timeoutMs: 15_000, what: `redis-server on port ${port}` },
    );
    if (spawnError) {
      throw new Error(
        `could not start ${binary}: ${spawnError.message}. Install it (apt-get install -y redis-server) or set REDIS_SERVER_BIN`,
      );
    }
    if (exitedEarly) throw exitedEarly;
    child.removeListener('exit', exited);
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

/** The end of a process' output, for an error message. */
function lastLines(output: string): string {
  return output.trim().split('\n').slice(-3).join(' | ');
}

/**
 * Whether the redis-server answering on `port` is the process we started (its `INFO server` names
 * our pid): a port that merely accepts could belong to another test's server that raced us to it.
 */
function isOurServer(port: number, pid: number | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    let reply = '';
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('INFO server\r\n'));
    const finish = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(2_000, () => finish(false));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      const match = /process_id:(\d+)/.exec(reply);
      if (match) finish(Number(match[1]) === pid);
      else if (reply.startsWith('-')) finish(false); // e.g. -LOADING: not ready yet
    });
    socket.once('error', () => finish(false));
  });
}
