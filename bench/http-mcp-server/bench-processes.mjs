// The processes a bench run starts: free loopback ports, children that are all stopped at the end, and a
// throwaway redis-server (no persistence). Shared by bench.mjs and session-memory.mjs.
import { spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const children = [];

export const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitUntil(check, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Starts a child in this folder (stdout drained, stderr shown; `ipc` adds an IPC channel), stopped by stopAll. */
export function spawnProcess(command, args, env = {}, ipc = false) {
  const child = spawn(command, args, {
    cwd: here,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', ...(ipc ? ['ipc'] : [])],
  });
  child.stdout.resume();
  children.push(child);
  return child;
}

export async function startRedis() {
  const port = await freePort();
  spawnProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  const ping = () =>
    new Promise((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
    });
  await waitUntil(ping, 'redis-server');
  return `redis://127.0.0.1:${port}`;
}

/** Stops every child this run started. */
export function stopAll() {
  for (const child of children) child.kill('SIGTERM');
}
