// A/B of two builds of the app under the same load at the same moment: both servers are loaded at
// once (16 connections each) for BENCH_AB_ROUNDS rounds of BENCH_SECONDS, so what else runs on a
// shared machine weighs on both alike; prints server CPU per request of each and B/A per round.
// `node ab-concurrent.mjs <a main.js> <b main.js> <tool: io|progress|echo>`; the app's env as bench.mjs.
// `BENCH_AB_ERA`: `2026` (default, the stateless path), `2025-memory` or `2025-redis` (one 2025 session
// per server, opened before the rounds; `2025-redis` starts a redis-server that both servers share).
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { freePort, spawnProcess, startRedis, stopAll, waitUntil } from './bench-processes.mjs';
import { openSession, STREAMABLE } from './mcp-session.mjs';

const [mainA, mainB, toolKey = 'io'] = process.argv.slice(2);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_AB_ROUNDS ?? 4);
const ticks = 100; // USER_HZ on Linux
// BENCH_CPU_PROF=<dir>: both servers run with `node --cpu-prof` (a profile per pid, written when stopped).
const cpuProf = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
const cpuMicros = (child) => {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / ticks) * 1e6;
};
const TOOLS = {
  echo: { name: 'echo', arguments: { text: 'bench-echo' } },
  io: { name: 'service', arguments: { method: 'GET', path: '/data' } },
  progress: { name: 'test_tool_with_progress', arguments: {} },
};
const tool = TOOLS[toolKey];
const era = process.env.BENCH_AB_ERA ?? '2026';
if (!['2026', '2025-memory', '2025-redis'].includes(era)) throw new Error(`BENCH_AB_ERA: unknown era ${era}`);
if (tool === undefined) throw new Error(`unknown tool ${toolKey} (echo, io, progress)`);
const modernBody = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: tool.name,
    arguments: tool.arguments,
    _meta: {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
      'io.modelcontextprotocol/clientCapabilities': {},
      ...(toolKey === 'progress' ? { progressToken: 'p1' } : {}),
    },
  },
});
const modernHeaders = {
  ...STREAMABLE,
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': 'tools/call',
  'mcp-name': tool.name,
};
// 2025 sessions: the same call without the 2026-07-28 envelope (as bench.mjs sends it).
const sessionBody = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: tool.name,
    arguments: tool.arguments,
    ...(toolKey === 'progress' ? { _meta: { progressToken: 'p1' } } : {}),
  },
});

async function start(main, env) {
  const port = await freePort();
  const child = spawnProcess(process.execPath, [...cpuProf, main], {
    HOST: '127.0.0.1',
    PORT: String(port),
    MCS_AUTH: 'off',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    ...env,
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${origin}/readyz`)).ok, main);
  const url = `${origin}/mcp`;
  const server =
    era === '2026'
      ? { url, child, headers: modernHeaders, body: modernBody }
      : { url, child, headers: await openSession(url), body: sessionBody };
  // One call outside the measurement: a build that answers wrongly fails loudly instead of looking fast.
  const response = await fetch(url, { method: 'POST', headers: server.headers, body: server.body });
  const text = await response.text();
  if (!response.ok || !text.includes('"result"') || text.includes('"isError":true')) {
    throw new Error(`${main} (${era}) answered ${response.status}: ${text.slice(0, 300)}`);
  }
  if (cpuProf.length > 0) console.log(`${main}: pid ${child.pid}`);
  return server;
}

const load = (server, duration) =>
  new Promise((resolve, reject) =>
    autocannon(
      { url: server.url, method: 'POST', headers: server.headers, body: server.body, connections: 16, duration },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );

try {
  const upPort = await freePort();
  spawnProcess(process.execPath, ['upstream-server.mjs', String(upPort)]);
  const upstream = `http://127.0.0.1:${upPort}`;
  await waitUntil(async () => (await fetch(upstream)).ok, 'upstream');
  const env = {
    MCS_TOOL_PACKS: 'default,conformance',
    MCS_SERVICE_BASE_URL: upstream,
    ...(era === '2025-redis' ? { REDIS_URL: await startRedis() } : {}),
  };
  console.log(`era ${era}, tool ${toolKey}, A ${mainA}, B ${mainB}`);
  const a = await start(mainA, env);
  const b = await start(mainB, env);
  await Promise.all([load(a, 1), load(b, 1)]);
  for (let round = 1; round <= rounds; round += 1) {
    const before = [cpuMicros(a.child), cpuMicros(b.child)];
    const [ra, rb] = await Promise.all([load(a, seconds), load(b, seconds)]);
    const perA = (cpuMicros(a.child) - before[0]) / Math.max(1, ra.requests.total);
    const perB = (cpuMicros(b.child) - before[1]) / Math.max(1, rb.requests.total);
    console.log(
      `${toolKey} round ${round}: A ${perA.toFixed(0)} µs/req (${ra.requests.average.toFixed(0)} req/s, ${ra.non2xx + ra.errors} failed)  B ${perB.toFixed(0)} µs/req (${rb.requests.average.toFixed(0)} req/s, ${rb.non2xx + rb.errors} failed)  A/B CPU ${(perA / perB).toFixed(2)}x`,
    );
  }
} finally {
  stopAll();
}
