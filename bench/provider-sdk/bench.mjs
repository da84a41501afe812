// Side-by-side benchmark of the provider-sdk's MCP client pool against the official SDK client: the
// same tools/call (server-everything's `echo` over stdio, each side with its own server process), as
// throughput with BENCH_CONCURRENCY calls in flight and as sequential latency. Bounded: BENCH_ROUNDS
// rounds (default 4), each phase BENCH_SECONDS (default 2) after a BENCH_WARMUP_MS warm-up per side, the order of the two
// sides swapped every other round; ratios are taken within a round and reported as the median with
// the spread, because a shared machine's speed changes between rounds.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { createMcpClientPool } from '@mcs/provider-sdk';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const require = createRequire(import.meta.url);
const everything = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const inFlight = Number(process.env.BENCH_CONCURRENCY ?? 16);
const warmupMs = Number(process.env.BENCH_WARMUP_MS ?? 2_000);
const ECHO_ARGS = { message: 'bench' };

const pool = createMcpClientPool({
  backends: {
    everything: {
      transport: 'stdio',
      command: process.execPath,
      args: [everything, 'stdio'],
      // The bench measures calls, not background pings.
      supervision: { health: { pingIntervalMs: 0 } },
    },
  },
});
const sdk = new Client({ name: 'bench', version: '1.0.0' });
const sdkTransport = new StdioClientTransport({
  command: process.execPath,
  args: [everything, 'stdio'],
  stderr: 'ignore',
});

const sides = {
  pool: async () => {
    const result = await pool.callTool('everything.echo', ECHO_ARGS);
    if (result.isError) throw new Error('pool: echo failed');
  },
  sdk: async () => {
    const result = await sdk.callTool({ name: 'echo', arguments: ECHO_ARGS });
    if (result.isError) throw new Error('sdk: echo failed');
  },
};

/** Calls per second with `inFlight` loops for `durationMs`. */
async function throughput(call, durationMs) {
  const deadline = performance.now() + durationMs;
  let calls = 0;
  const loop = async () => {
    while (performance.now() < deadline) {
      await call();
      calls += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, loop));
  return (calls * 1000) / (performance.now() - started);
}

/** Median and p99 of sequential call latency, in ms, for `durationMs`. */
async function latency(call, durationMs) {
  const samples = [];
  const deadline = performance.now() + durationMs;
  while (performance.now() < deadline) {
    const started = performance.now();
    await call();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length / 2)], p99: samples[Math.floor(samples.length * 0.99)] };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const spread = (values) => `${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)}`;

async function main() {
  await Promise.all([pool.connect(), sdk.connect(sdkTransport)]);
  // Warm-up (JIT, processes): long enough for the pool's deeper call path to be optimized too; with
  // 300 ms the first round measured the pool still half-interpreted (0.55-0.65x, then 0.9-1.0x).
  for (const call of Object.values(sides)) await throughput(call, warmupMs);
  const rate = { pool: [], sdk: [] };
  const ratios = [];
  const addedP50 = [];
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? ['pool', 'sdk'] : ['sdk', 'pool'];
    const measured = {};
    for (const side of order) measured[side] = await throughput(sides[side], seconds * 1000);
    const lat = {};
    for (const side of order) lat[side] = await latency(sides[side], (seconds * 1000) / 2);
    rate.pool.push(measured.pool);
    rate.sdk.push(measured.sdk);
    ratios.push(measured.pool / measured.sdk);
    addedP50.push(lat.pool.p50 - lat.sdk.p50);
    console.log(
      `round ${round + 1}: pool ${measured.pool.toFixed(0)} calls/s, SDK client ${measured.sdk.toFixed(0)} calls/s ` +
        `(${(measured.pool / measured.sdk).toFixed(2)}x); sequential p50 pool ${lat.pool.p50.toFixed(3)} ms, ` +
        `SDK ${lat.sdk.p50.toFixed(3)} ms; p99 pool ${lat.pool.p99.toFixed(3)} ms, SDK ${lat.sdk.p99.toFixed(3)} ms`,
    );
  }
  console.log(
    `\npool / SDK client, tools/call echo over stdio, ${inFlight} in flight: median ${median(ratios).toFixed(2)}x ` +
      `(rounds ${spread(ratios)}); pool median ${median(rate.pool).toFixed(0)} calls/s, SDK ${median(rate.sdk).toFixed(0)} calls/s`,
  );
  console.log(`sequential latency the pool adds (p50): median ${median(addedP50).toFixed(3)} ms`);
}

try {
  await main();
} finally {
  await Promise.allSettled([pool.close(), sdk.close()]);
}
