// Side-by-side benchmark of the http-mcp-server, 16 connections, three tools: `echo` (pure), `service`
// (awaits a real HTTP request to a local upstream) and `test_tool_with_progress` (three progress
// notifications, an SSE answer), each on this server's 2026-07-28 stateless path, 2025 sessions in
// memory and on Redis, and on the official SDK's stateless and stateful servers; a raw Fastify JSON
// reply is the ceiling. Then RSS after 100k vs 1k requests. Every server runs in its own process;
// autocannon drives them from this one. Bounded: BENCH_SECONDS (default 4) per target after a 1 s
// warm-up, BENCH_RSS_REQUESTS (default 100000). On a shared, busy machine absolute numbers are noisy:
// compare ratios from the same run, by server CPU per request.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import autocannon from 'autocannon';
import { freePort, sleep, spawnProcess, startRedis, stopAll, waitUntil } from './bench-processes.mjs';
import { openSession, STREAMABLE } from './mcp-session.mjs';

const require = createRequire(import.meta.url);
const appMain = join(dirname(require.resolve('@mcs/http-mcp-server')), 'main.js');
const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const rssRequests = Number(process.env.BENCH_RSS_REQUESTS ?? 100_000);
/** Comma list of target-name fragments to run (default: all, with the ratios and the RSS check). */
const only = (process.env.BENCH_TARGETS ?? '')
  .split(',')
  .map((item) => item.trim())
  .filter(Boolean);

/** `BENCH_CPU_PROF=<dir>`: each of our servers writes a V8 CPU profile there when it stops. */
const cpuProf = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];

/**
 * `BENCH_BASELINE_MAIN=<main.js>`: another build of the app (e.g. `tsc --outDir` of an earlier commit)
 * measured in the same run as `ours 2026-07-28 baseline`, for a before/after under the same load.
 */
const baselineMain = process.env.BENCH_BASELINE_MAIN;

async function startOurs(env, main = appMain) {
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
  await waitUntil(async () => (await fetch(`${origin}/readyz`)).ok, 'http-mcp-server');
  return { origin, child };
}

async function startScript(script, probePath, env = {}) {
  const port = await freePort();
  const child = spawnProcess(process.execPath, [script, String(port)], env);
  const origin = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${origin}${probePath}`, { method: 'GET' })).status > 0, script);
  return { origin, child };
}

/** The tools measured: what each is called with, and what its answer must contain. */
const TOOLS = [
  { key: 'echo', name: 'echo', args: { text: 'bench-echo' }, expect: 'bench-echo' },
  // Awaits a real HTTP request to upstream-server.mjs (its own process) before answering.
  { key: 'io', name: 'service', args: { method: 'GET', path: '/data' }, expect: 'bench-upstream' },
  // Three progress notifications (0, 50, 100; 50 ms apart) and then the result: an SSE response.
  {
    key: 'progress',
    name: 'test_tool_with_progress',
    args: {},
    expect: 'executed successfully',
    progressNotifications: 3,
  },
];

// Every request has id 1 (autocannon sends one body): concurrent requests of one session share it,
// which our session path serves; the SDK's stateful transport maps answers by id (see the README).
const toolCall = (tool, meta) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: tool.name,
    arguments: tool.args,
    ...(meta || tool.progressNotifications
      ? { _meta: { ...meta, ...(tool.progressNotifications ? { progressToken: 'p1' } : {}) } }
      : {}),
  },
});
const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const modernHeaders = (tool) => ({
  ...STREAMABLE,
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': 'tools/call',
  'mcp-name': tool.name,
});

/** One call outside the measurement, so a target that answers wrongly fails loudly instead of looking fast. */
async function check(target) {
  const response = await fetch(target.url, { method: 'POST', headers: target.headers, body: target.body });
  const text = await response.text();
  const progress = text.split('notifications/progress').length - 1;
  if (
    response.status !== 200 ||
    !text.includes(target.tool.expect) ||
    progress !== (target.tool.progressNotifications ?? 0)
  ) {
    throw new Error(`${target.name}: unexpected answer ${response.status} ${text.slice(0, 300)}`);
  }
}

function cannon(target, options) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: target.url,
        method: 'POST',
        headers: target.headers,
        body: target.body,
        connections,
        ...options,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

/** CPU time (user + system) the process has used so far, in microseconds. */
function cpuMicros(child) {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticksPerSecond = 100; // USER_HZ on Linux
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / ticksPerSecond;
}

async function measure(target) {
  await check(target);
  await cannon(target, { duration: 1 }); // warm-up (JIT, connections)
  const cpuBefore = cpuMicros(target.child);
  const result = await cannon(target, { duration: seconds });
  const failures = result.non2xx + result.errors + result.timeouts;
  return {
    name: target.name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures,
    // Server CPU per request: less sensitive than req/s to what else runs on a shared machine.
    cpuPerRequest: (cpuMicros(target.child) - cpuBefore) / Math.max(1, result.requests.total),
  };
}

function rssMiB(child) {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 1024;
}

/** V8 heap of one of our servers, from its Prometheus default metrics. */
async function heapMiB(origin) {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const read = (name) => Number(new RegExp(`^${name} ([0-9.e+]+)`, 'm').exec(text)?.[1] ?? Number.NaN) / 2 ** 20;
  return { used: read('nodejs_heap_size_used_bytes'), total: read('nodejs_heap_size_total_bytes') };
}

async function main() {
  const redisUrl = await startRedis();
  const upstream = await startScript('upstream-server.mjs', '/');
  // Our servers serve the conformance pack too: it holds the progress tool (more tools registered
  // than the default deployment, so if anything this costs us).
  const ourEnv = { MCS_TOOL_PACKS: 'default,conformance', MCS_SERVICE_BASE_URL: upstream.origin };
  const refEnv = { MCS_SERVICE_BASE_URL: upstream.origin };
  const oursMemory = await startOurs(ourEnv);
  const oursRedis = await startOurs({ ...ourEnv, REDIS_URL: redisUrl });
  // The pure-tool shortcut switched off: `echo` through the general path, like every other tool.
  const oursViaSdk = await startOurs({ ...ourEnv, MCS_DIRECT_TOOL_CALLS: 'off' });
  // 2025 sessions without their lanes: a server and the SDK's transport per POST (the path before them).
  const oursRedisPerPost = await startOurs({ ...ourEnv, REDIS_URL: redisUrl, MCS_SESSION_LANES: 'off' });
  const sdkStateless = await startScript('sdk-stateless-server.mjs', '/mcp', refEnv);
  const sdkStateful = await startScript('sdk-stateful-server.mjs', '/mcp', refEnv);
  const rawFastify = await startScript('raw-fastify-server.mjs', '/mcp', refEnv);
  const baseline = baselineMain ? await startOurs(ourEnv, baselineMain) : undefined;

  const targets = [];
  for (const tool of TOOLS) {
    const modernBody = JSON.stringify(toolCall(tool, MODERN_META));
    const sessionBody = JSON.stringify(toolCall(tool));
    const add = (name, server, path, headers, body) =>
      targets.push({
        name: `${tool.key}: ${name}`,
        tool,
        url: `${server.origin}${path}`,
        headers,
        body,
        child: server.child,
      });
    add('ours 2026-07-28 stateless', oursMemory, '/mcp', modernHeaders(tool), modernBody);
    if (baseline) add('ours 2026-07-28 baseline', baseline, '/mcp', modernHeaders(tool), modernBody);
    add('ours 2025 session (memory)', oursMemory, '/mcp', () => openSession(`${oursMemory.origin}/mcp`), sessionBody);
    add('ours 2025 session (Redis)', oursRedis, '/mcp', () => openSession(`${oursRedis.origin}/mcp`), sessionBody);
    if (tool.key !== 'echo') {
      add(
        'ours 2025 (Redis) per-POST',
        oursRedisPerPost,
        '/mcp',
        () => openSession(`${oursRedisPerPost.origin}/mcp`),
        sessionBody,
      );
    }
    if (tool.key === 'echo') {
      add('ours /http', oursMemory, '/http', { 'content-type': 'application/json' }, sessionBody);
      add('ours 2026-07-28 no shortcut', oursViaSdk, '/mcp', modernHeaders(tool), modernBody);
    }
    add('SDK stateless (2026-07-28)', sdkStateless, '/mcp', modernHeaders(tool), modernBody);
    add('SDK stateful (memory)', sdkStateful, '/mcp', () => openSession(`${sdkStateful.origin}/mcp`), sessionBody);
    add('raw Fastify, same work', rawFastify, '/mcp', { 'content-type': 'application/json' }, modernBody);
  }
  const results = {};
  const selected = only.length === 0 ? targets : targets.filter((t) => only.some((part) => t.name.includes(part)));
  for (const target of selected) {
    // Each session target opens its own session, just before it is measured.
    if (typeof target.headers === 'function') target.headers = await target.headers();
    results[target.name] = await measure(target);
    const r = results[target.name];
    console.log(
      `${r.name.padEnd(40)} ${r.rps.toFixed(0).padStart(7)} req/s  ${r.cpuPerRequest.toFixed(0).padStart(5)} µs CPU/req  p50 ${r.p50} ms  p99 ${r.p99} ms  failures ${r.failures}`,
    );
  }
  const ratio = (a, b, goal) => {
    if (!results[a] || !results[b]) return;
    const value = results[a].rps / results[b].rps;
    const cpu = results[b].cpuPerRequest / results[a].cpuPerRequest;
    const met = goal.startsWith('>=') ? (cpu >= Number(goal.slice(3).replace('x', '')) ? 'met' : 'NOT met') : '';
    console.log(
      `${`${a} / ${b}`.padEnd(86)} ${value.toFixed(2)}x  (by CPU/req ${cpu.toFixed(2)}x; target ${goal} by CPU: ${met || 'info'})`,
    );
  };
  console.log('');
  for (const { key } of TOOLS) {
    ratio(`${key}: ours 2026-07-28 stateless`, `${key}: ours 2026-07-28 baseline`, 'info');
    ratio(`${key}: ours 2026-07-28 baseline`, `${key}: SDK stateless (2026-07-28)`, 'info');
    ratio(`${key}: ours 2026-07-28 stateless`, `${key}: SDK stateless (2026-07-28)`, '>= 3x');
    // The ceiling: the tool's own work (the upstream request, the three events) in plain Fastify.
    ratio(`${key}: ours 2026-07-28 stateless`, `${key}: raw Fastify, same work`, '>= 0.35x');
    ratio(`${key}: ours 2025 session (Redis)`, `${key}: SDK stateful (memory)`, '>= 2x');
    ratio(`${key}: ours 2025 session (memory)`, `${key}: SDK stateful (memory)`, 'info');
    ratio(`${key}: ours 2025 (Redis) per-POST`, `${key}: SDK stateful (memory)`, 'info');
  }
  ratio('echo: ours /http', 'echo: raw Fastify, same work', 'info');
  ratio('echo: ours 2026-07-28 no shortcut', 'echo: SDK stateless (2026-07-28)', 'info');

  if (only.length > 0) return;
  // Memory: a fresh stateless server, RSS after 1k requests and after rssRequests.
  const fresh = await startOurs(ourEnv);
  const echo = TOOLS[0];
  const rssTarget = {
    name: 'rss',
    url: `${fresh.origin}/mcp`,
    headers: modernHeaders(echo),
    body: JSON.stringify(toolCall(echo, MODERN_META)),
  };
  await cannon(rssTarget, { amount: 1_000 });
  await sleep(500);
  const after1k = rssMiB(fresh.child);
  const heap1k = await heapMiB(fresh.origin);
  await cannon(rssTarget, { amount: rssRequests - 1_000 });
  await sleep(500);
  const afterMany = rssMiB(fresh.child);
  const heapMany = await heapMiB(fresh.origin);
  console.log(
    `\nRSS after 1k requests ${after1k.toFixed(1)} MiB, after ${rssRequests / 1000}k ${afterMany.toFixed(1)} MiB: ${(afterMany / after1k).toFixed(2)}x (target < 1.5x)`,
  );
  console.log(
    `V8 heap used/total after 1k ${heap1k.used.toFixed(1)}/${heap1k.total.toFixed(1)} MiB, after ${rssRequests / 1000}k ${heapMany.used.toFixed(1)}/${heapMany.total.toFixed(1)} MiB (from /metrics; used includes garbage not yet collected)`,
  );
}

try {
  await main();
} finally {
  stopAll();
}
