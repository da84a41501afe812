import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isAlive } from '@mcs/test-utils';
import type { BackendConnection, BackendEventMap, BackendEventName } from '../src/index.js';

const require = createRequire(import.meta.url);

/** `node <server-everything> <mode>`: the published reference server, not a copy. */
export const everythingEntry = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
export const probeServerEntry = fileURLToPath(new URL('./fixtures/probe-server.ts', import.meta.url));
export const tsResolveEntry = fileURLToPath(new URL('./fixtures/ts-resolve.mjs', import.meta.url));
export const parentExitEntry = fileURLToPath(new URL('./fixtures/parent-exit.ts', import.meta.url));
export const forceLoopbackEntry = fileURLToPath(new URL('./fixtures/force-loopback.mjs', import.meta.url));

export function everythingStdio() {
  return { transport: 'stdio' as const, command: process.execPath, args: [everythingEntry, 'stdio'] };
}

export function probeStdio() {
  return { transport: 'stdio' as const, command: process.execPath, args: [probeServerEntry] };
}

/** Fast supervision for tests: quick restarts, no background pings unless a test wants them. */
export const fastSupervision = {
  restart: { initialDelayMs: 50, maxDelayMs: 500, stableAfterMs: 60_000 },
  health: { pingIntervalMs: 0 },
  requestTimeoutMs: 20_000,
  connectTimeoutMs: 20_000,
  shutdownGraceMs: 1_000,
};

// The workspace's one liveness check (zombies count as gone), named here too for this package's tests.
export { isAlive };

/** Polls `isAlive` until the process (group) is gone; false if it is still there after `timeoutMs`. */
export async function waitUntilGone(pid: number, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** Resolves with the first matching event; rejects after `timeoutMs`. */
export function nextEvent<E extends BackendEventName>(
  connection: BackendConnection,
  event: E,
  predicate: (payload: BackendEventMap[E]) => boolean = () => true,
  timeoutMs = 15_000,
): Promise<BackendEventMap[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}" on ${connection.name}`));
    }, timeoutMs);
    const off = connection.on(event, (payload) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

export function textOf(result: { content?: unknown }): string {
  const content = Array.isArray(result.content) ? result.content : [];
  return content
    .map((block: { type?: string; text?: string }) => (block.type === 'text' ? (block.text ?? '') : ''))
    .join('');
}
