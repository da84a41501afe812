// Memory of a child process after a full garbage collection, through the Node inspector (the child
// runs with `--inspect=127.0.0.1:0`, see INSPECT_FLAG): without a collection, "heap used" and RSS
// include garbage that the next major GC frees, so memory that is flat cannot be told from memory
// that grows. Nothing is added to the apps for this: the inspector is Node's own.
import { readFileSync } from 'node:fs';
import { type RunningProcess, waitFor } from './processes.js';
import { round } from './recorder.js';

/** Put before the script: an inspector on a free loopback port (printed on stderr). */
export const INSPECT_FLAG = '--inspect=127.0.0.1:0';

export interface MemoryMb {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  /** C++ objects bound to JS objects, including ArrayBuffers (`process.memoryUsage().external`). */
  external: number;
  arrayBuffers: number;
}

const mb = (bytes: number) => round(bytes / 1024 / 1024);

/** The inspector's WebSocket URL, from the child's log (Node prints it on start). */
async function inspectorUrl(running: RunningProcess): Promise<string> {
  return waitFor(
    () => {
      const urls = [...readFileSync(running.logFile, 'utf8').matchAll(/Debugger listening on (ws:\/\/\S+)/g)];
      return urls.at(-1)?.[1];
    },
    { timeoutMs: 10_000, what: `the inspector URL of ${running.name}` },
  );
}

/**
 * Two full collections (the second frees what the first's finalizers released), then the process's
 * `process.memoryUsage()`. Bounded: fails after `timeoutMs`.
 */
export async function memoryAfterGc(running: RunningProcess, timeoutMs = 30_000): Promise<MemoryMb> {
  const socket = new WebSocket(await inspectorUrl(running));
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id as number);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  const timer = setTimeout(() => {
    for (const waiter of pending.values()) waiter.reject(new Error(`inspector of ${running.name}: no answer`));
    socket.close();
  }, timeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener('error', () => reject(new Error(`inspector of ${running.name}: cannot connect`)), {
        once: true,
      });
    });
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const result = (await call('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    })) as { result: { value: string } };
    const usage = JSON.parse(result.result.value) as NodeJS.MemoryUsage;
    return {
      rss: mb(usage.rss),
      heapUsed: mb(usage.heapUsed),
      heapTotal: mb(usage.heapTotal),
      external: mb(usage.external),
      arrayBuffers: mb(usage.arrayBuffers),
    };
  } finally {
    clearTimeout(timer);
    socket.close();
  }
}
