// The built server as a separate process (`node dist/main.js`), for the tests that need a real process:
// several replicas on one Redis, kill -9, a real SIGTERM. One copy of the build step and of the start
// for every such test file (they each had their own).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { getFreePort, waitFor } from '@mcs/test-utils';

const APP_DIR = fileURLToPath(new URL('../..', import.meta.url));
// tsc -p tsconfig.build.json, writing only what changed: other tests read dist/ meanwhile (the root test
// command built it already), and the dev stack's node --watch-path would restart on every rewrite.
const BUILD = fileURLToPath(new URL('../../../../tooling/scripts/build-changed-only.mjs', import.meta.url));
/** Output kept per process, for a failure message; older chunks are dropped past this. */
const MAX_OUTPUT_CHUNKS = 2_000;

let built: Promise<void> | undefined;

/** Builds dist/ once per test file (the tests run the real artefact, not the sources). */
export function buildServer(): Promise<void> {
  built ??= new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [BUILD, 'tsconfig.build.json'], { cwd: APP_DIR, timeout: 120_000 }, (error, out) =>
      error ? reject(new Error(`build failed: ${out}`, { cause: error })) : resolve(),
    );
  });
  return built;
}

export interface ServerProcess {
  origin: string;
  child: ChildProcess;
  /** What the process wrote to stdout and stderr (its last chunks). */
  output: string[];
  /** Resolves with the exit code and signal. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** kill -9, and waits for the exit; nothing when it already exited. */
  kill(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface ServerProcessOptions {
  /** The session store; unset: the in-memory store. */
  redisUrl?: string;
  /** Added to (and overriding) the defaults: auth off, `LOG_LEVEL=warn`, production. */
  env?: Record<string, string>;
  /** Waited for before returning: `/readyz` (store and bus answer) or `/healthz` (the process answers). */
  readyPath?: '/readyz' | '/healthz';
}

/** Starts `node dist/main.js` on a free port of 127.0.0.1 (call `buildServer` first). */
export async function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const port = await getFreePort();
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: APP_DIR,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      MCS_AUTH: 'off',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      ...(options.redisUrl === undefined ? {} : { REDIS_URL: options.redisUrl }),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > MAX_OUTPUT_CHUNKS) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const origin = `http://127.0.0.1:${port}`;
  const readyPath = options.readyPath ?? '/readyz';
  try {
    await waitFor(async () => (await fetch(`${origin}${readyPath}`)).ok, {
      timeoutMs: 15_000,
      what: `the server on ${port}`,
    });
  } catch (error) {
    await kill();
    throw new Error(`${(error as Error).message}; its output: ${output.join('').slice(-2_000)}`, { cause: error });
  }
  return { origin, child, output, exited, kill, [Symbol.asyncDispose]: kill };
}
