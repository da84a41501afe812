// Memory per live 2025 session: opens BENCH_SESSIONS (default 1000) Streamable HTTP sessions on our
// server (Redis-backed, as replicas run it) and on the SDK's own stateful server, makes each session
// serve BENCH_SESSION_REQUESTS requests that go through an McpServer (`tools/list`: `echo` is a pure
// tool and would not), and prints the retained memory (after a full GC) per live session, and the ratio.
// Bounded: the sessions are opened BENCH_PARALLEL (default 32) at a time; every server is stopped at the end.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort, spawnProcess, startRedis, stopAll, waitUntil } from './bench-processes.mjs';
import { openSession } from './mcp-session.mjs';

const require = createRequire(import.meta.url);
const appMain = join(dirname(require.resolve('@mcs/http-mcp-server')), 'main.js');
const sessions = Number(process.env.BENCH_SESSIONS ?? 1_000);
const requestsPerSession = Number(process.env.BENCH_SESSION_REQUESTS ?? 3);
const parallel = Number(process.env.BENCH_PARALLEL ?? 32);
const MiB = 2 ** 20;

/** A server script under the memory probe (a child with IPC and --expose-gc). */
async function startProbed(script, args, env, ready) {
  const child = spawnProcess(process.execPath, ['--expose-gc', 'memory-probe.mjs', script, ...args], env, true);
  await waitUntil(ready, script);
  return child;
}

function measure(child) {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send('measure');
  });
}

/** A session that lives on: the handshake, then `requestsPerSession` tools/list. */
async function openLiveSession(url) {
  const headers = await openSession(url);
  const send = async (body) => {
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${url}: ${response.status} ${text.slice(0, 200)}`);
    return text;
  };
  for (let index = 1; index <= requestsPerSession; index += 1) {
    const text = await send({ jsonrpc: '2.0', id: index, method: 'tools/list' });
    if (!text.includes('"tools"')) throw new Error(`${url}: tools/list answered ${text.slice(0, 200)}`);
  }
}

async function openSessions(url, count) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      await openLiveSession(url);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
}

const retained = (usage) => usage.heapUsed + usage.external;
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

/**
 * Opens the sessions in two halves and measures after each: "per session" is the whole growth over
 * all sessions (what a replica holding them pays, caches included); "marginal" is the growth over
 * the second half only, once every bounded cache is full (what one more live session costs).
 */
async function perSession(name, child, url) {
  const before = await measure(child);
  const started = Date.now();
  const half = Math.floor(sessions / 2);
  await openSessions(url, half);
  const middle = await measure(child);
  await openSessions(url, sessions - half);
  const seconds = (Date.now() - started) / 1000;
  const after = await measure(child);
  if (process.env.BENCH_DEBUG) console.log(name, { before, middle, after });
  const result = {
    name,
    perSession: (retained(after) - retained(before)) / sessions,
    marginal: (retained(after) - retained(middle)) / (sessions - half),
    rssPerSession: (after.rss - before.rss) / sessions,
  };
  console.log(
    `${name.padEnd(26)} ${sessions} sessions x ${requestsPerSession} requests in ${seconds.toFixed(1)} s: heap after GC ${(before.heapUsed / MiB).toFixed(1)} -> ${(after.heapUsed / MiB).toFixed(1)} MiB, RSS ${(before.rss / MiB).toFixed(1)} -> ${(after.rss / MiB).toFixed(1)} MiB (heap total ${(after.heapTotal / MiB).toFixed(1)} MiB)\n` +
      `${''.padEnd(26)} retained ${(result.perSession / MiB).toFixed(4)} MB = ${kib(result.perSession)} per session, marginal ${kib(result.marginal)}; RSS growth ${kib(result.rssPerSession)} per session`,
  );
  return result;
}

async function main() {
  const redisUrl = await startRedis();
  const oursPort = await freePort();
  const ours = await startProbed(
    appMain,
    [],
    {
      HOST: '127.0.0.1',
      PORT: String(oursPort),
      MCS_AUTH: 'off',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      REDIS_URL: redisUrl,
    },
    async () => (await fetch(`http://127.0.0.1:${oursPort}/readyz`)).ok,
  );
  const sdkPort = await freePort();
  const sdk = await startProbed(
    'sdk-stateful-server.mjs',
    [String(sdkPort)],
    {},
    async () => (await fetch(`http://127.0.0.1:${sdkPort}/mcp`, { method: 'GET' })).status > 0,
  );
  const mine = await perSession('ours 2025 session (Redis)', ours, `http://127.0.0.1:${oursPort}/mcp`);
  const theirs = await perSession('SDK stateful (memory)', sdk, `http://127.0.0.1:${sdkPort}/mcp`);
  console.log(
    `\nretained per live session: ours ${kib(mine.perSession)}, SDK stateful ${kib(theirs.perSession)}: ours / SDK = ${(mine.perSession / theirs.perSession).toFixed(2)}x (marginal ${kib(mine.marginal)} / ${kib(theirs.marginal)})`,
  );
}

try {
  await main();
} finally {
  stopAll();
}
