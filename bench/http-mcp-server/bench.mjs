// Side-by-side benchmark of the http-mcp-server: `tools/call echo` with 16 connections against this
// server's modes, the official SDK's stateless and stateful servers, and a raw Fastify JSON reply;
// then RSS after 100k vs 1k requests. Every server runs in its own process; autocannon drives them
// from this one. Bounded: BENCH_SECONDS (default 5) per target, BENCH_RSS_REQUESTS (default 100000).
// On a shared, busy machine absolute numbers are noisy: compare ratios from the same run.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import autocannon from 'autocannon';
import { freePort, sleep, spawnProcess, startRedis, stopAll, waitUntil } from './bench-processes.mjs';

const require = createRequire(import.meta.url);
const appMain = join(dirname(require.resolve('@mcs/http-mcp-server')), 'main.js');
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const rssRequests = Number(process.env.BENCH_RSS_REQUESTS ?? 100_000);
/** Comma list of target-name fragments to run (default: all, with the ratios and the RSS check). */
const only = (process.env.BENCH_TARGETS ?? '')
  .split(',')
  .map((item) => item.trim())
  .filter(Boolean);

async function startOurs(env) {
  const port = await freePort();
  const child = spawnProcess(process.execPath, [appMain], {
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

async function startScript(script) {
  const port = await freePort();
  const child = spawnProcess(process.execPath, [script, String(port)]);
  const origin = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${origin}/mcp`, { method: 'GET' })).status > 0, script);
  return { origin, child };
}

const echoCall = (text, meta) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text }, ...(meta ? { _meta: meta } : {}) },
});
const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const STREAMABLE = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const MODERN_HEADERS = {
  ...STREAMABLE,
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': 'tools/call',
  'mcp-name': 'echo',
};

/** Runs the 2025 handshake; returns the headers of later requests of that session. */
async function openSession(url) {
  const init = await fetch(url, {
    method: 'POST',
    headers: STREAMABLE,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1.0.0' } },
    }),
  });
  await init.text();
  const sessionId = init.headers.get('mcp-session-id');
  if (!sessionId) throw new Error(`no session from ${url}: ${init.status}`);
  const headers = { ...STREAMABLE, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
  await (
    await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    })
  ).text();
  return headers;
}

/** One call outside the measurement, so a target that answers wrongly fails loudly instead of looking fast. */
async function check(target) {
  const response = await fetch(target.url, { method: 'POST', headers: target.headers, body: target.body });
  const text = await response.text();
  if (response.status !== 200 || !text.includes('bench-echo')) {
    throw new Error(`${target.name}: unexpected answer ${response.status} ${text.slice(0, 300)}`);
  }
}

function cannon(target, options) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: target.url, method: 'POST', headers: target.headers, body: target.body, connections, ...options },
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
  const body = JSON.stringify(echoCall('bench-echo'));
  const modernBody = JSON.stringify(echoCall('bench-echo', MODERN_META));

  const oursMemory = await startOurs({});
  const oursRedis = await startOurs({ REDIS_URL: redisUrl });
  // Tools that need the request context (progress, sampling, logging...) always take the SDK's path:
  // measured here with the direct path switched off, so the table shows both costs.
  const oursViaSdk = await startOurs({ MCS_DIRECT_TOOL_CALLS: 'off' });
  const sdkStateless = await startScript('sdk-stateless-server.mjs');
  const sdkStateful = await startScript('sdk-stateful-server.mjs');
  const rawFastify = await startScript('raw-fastify-server.mjs');

  const targets = [
    {
      name: 'ours 2026-07-28 stateless',
      url: `${oursMemory.origin}/mcp`,
      headers: MODERN_HEADERS,
      body: modernBody,
      child: oursMemory.child,
    },
    {
      name: 'ours 2025 session (Redis)',
      url: `${oursRedis.origin}/mcp`,
      headers: await openSession(`${oursRedis.origin}/mcp`),
      body,
      child: oursRedis.child,
    },
    {
      name: 'ours /http',
      url: `${oursMemory.origin}/http`,
      headers: { 'content-type': 'application/json' },
      body,
      child: oursMemory.child,
    },
    {
      name: 'ours 2026-07-28 via the SDK',
      url: `${oursViaSdk.origin}/mcp`,
      headers: MODERN_HEADERS,
      body: modernBody,
      child: oursViaSdk.child,
    },
    {
      name: 'SDK stateless (2026-07-28)',
      url: `${sdkStateless.origin}/mcp`,
      headers: MODERN_HEADERS,
      body: modernBody,
      child: sdkStateless.child,
    },
    {
      name: 'SDK stateful (memory)',
      url: `${sdkStateful.origin}/mcp`,
      headers: await openSession(`${sdkStateful.origin}/mcp`),
      body,
      child: sdkStateful.child,
    },
    {
      name: 'raw Fastify JSON reply',
      url: `${rawFastify.origin}/mcp`,
      headers: { 'content-type': 'application/json' },
      body,
      child: rawFastify.child,
    },
  ];
  const results = {};
  const selected = only.length === 0 ? targets : targets.filter((t) => only.some((part) => t.name.includes(part)));
  for (const target of selected) {
    results[target.name] = await measure(target);
    const r = results[target.name];
    console.log(
      `${r.name.padEnd(28)} ${r.rps.toFixed(0).padStart(7)} req/s  ${r.cpuPerRequest.toFixed(0).padStart(5)} µs CPU/req  p50 ${r.p50} ms  p99 ${r.p99} ms  failures ${r.failures}`,
    );
  }
  const ratio = (a, b, goal) => {
    if (!results[a] || !results[b]) return;
    const value = results[a].rps / results[b].rps;
    const cpu = results[b].cpuPerRequest / results[a].cpuPerRequest;
    console.log(`${`${a} / ${b}`.padEnd(64)} ${value.toFixed(2)}x  (by CPU/req ${cpu.toFixed(2)}x; target ${goal})`);
  };
  console.log('');
  ratio('ours 2026-07-28 stateless', 'SDK stateless (2026-07-28)', '>= 3x');
  ratio('ours 2026-07-28 stateless', 'raw Fastify JSON reply', '>= 0.35x');
  ratio('ours 2025 session (Redis)', 'SDK stateful (memory)', '>= 2x');
  ratio('ours /http', 'raw Fastify JSON reply', 'info');
  ratio('ours 2026-07-28 via the SDK', 'SDK stateless (2026-07-28)', 'info');

  if (only.length > 0) return;
  // Memory: a fresh stateless server, RSS after 1k requests and after rssRequests.
  const fresh = await startOurs({});
  const rssTarget = { name: 'rss', url: `${fresh.origin}/mcp`, headers: MODERN_HEADERS, body: modernBody };
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
