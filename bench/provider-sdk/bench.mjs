// Side-by-side benchmark of the provider-sdk's MCP client pool against the official SDK client: the
// same tools/call (server-everything's `echo` over stdio, each side with its own server process), as
// throughput with BENCH_CONCURRENCY calls in flight and as sequential latency. Bounded: BENCH_ROUNDS
// rounds (default 4), each phase BENCH_SECONDS (default 2) after a BENCH_WARMUP_MS warm-up per side, the order of the two
// sides swapped every other round; ratios are taken within a round and reported as the median with
// the spread, because a shared machine's speed changes between rounds.
import { existsSync, readFileSync } from 'node:fs';
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
// The pool starts a stdio server in its own process group and session (detached: so that it can end
// the whole tree). The SDK client's server is started the same way (setsid), so that the two servers
// are scheduled alike: Linux autogroups give each session its own share of the CPU, and a server in
// the bench's own session was woken faster on a loaded machine (p99 0.2 ms against 5 ms), which
// measured the process placement rather than the client. BENCH_SDK_SETSID=0 starts it as before.
const setsid = process.platform === 'linux' && process.env.BENCH_SDK_SETSID !== '0' && existsSync('/usr/bin/setsid');
const sdkTransport = new StdioClientTransport({
  command: setsid ? '/usr/bin/setsid' : process.execPath,
  args: setsid ? [process.execPath, everything, 'stdio'] : [everything, 'stdio'],
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

/**
 * CPU time a process has used, in µs: this one exactly (`process.cpuUsage`), a server from
 * /proc/<pid>/stat (user + system clock ticks, 100 per second on Linux); undefined elsewhere.
 */
function cpuMicros(pid) {
  if (pid === undefined) {
    const { user, system } = process.cpuUsage();
    return user + system;
  }
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

/** The server process of each side (for its CPU time). */
const serverPid = { pool: () => pool.statuses()[0]?.pid, sdk: () => sdkTransport.pid ?? undefined };

/**
 * CPU per call of one side over `run`: the client's (this process) and its server's, in µs. On a
 * shared machine throughput swings with what else runs; CPU per call is what the pool controls.
 */
async function cpuPerCall(side, run) {
  const pid = serverPid[side]();
  const client0 = cpuMicros();
  const server0 = cpuMicros(pid);
  const calls = await run();
  const server1 = cpuMicros(pid);
  return {
    calls,
    client: (cpuMicros() - client0) / calls,
    server: server0 === undefined || server1 === undefined ? Number.NaN : (server1 - server0) / calls,
  };
}

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
  lastCalls = calls;
  return (calls * 1000) / (performance.now() - started);
}
/** How many calls the last `throughput` made. */
let lastCalls = 0;

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
  const cpuRatios = [];
  const cpu = { pool: [], sdk: [] };
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? ['pool', 'sdk'] : ['sdk', 'pool'];
    const measured = {};
    const used = {};
    for (const side of order) {
      used[side] = await cpuPerCall(side, async () => {
        measured[side] = await throughput(sides[side], seconds * 1000);
        return lastCalls;
      });
    }
    cpu.pool.push(used.pool.client);
    cpu.sdk.push(used.sdk.client);
    cpuRatios.push(used.sdk.client / used.pool.client);
    const lat = {};
    for (const side of order) lat[side] = await latency(sides[side], (seconds * 1000) / 2);
    rate.pool.push(measured.pool);
    rate.sdk.push(measured.sdk);
    ratios.push(measured.pool / measured.sdk);
    addedP50.push(lat.pool.p50 - lat.sdk.p50);
    console.log(
      `round ${round + 1}: pool ${measured.pool.toFixed(0)} calls/s, SDK client ${measured.sdk.toFixed(0)} calls/s ` +
        `(${(measured.pool / measured.sdk).toFixed(2)}x); sequential p50 pool ${lat.pool.p50.toFixed(3)} ms, ` +
        `SDK ${lat.sdk.p50.toFixed(3)} ms; p99 pool ${lat.pool.p99.toFixed(3)} ms, SDK ${lat.sdk.p99.toFixed(3)} ms; ` +
        `CPU/call client pool ${used.pool.client.toFixed(1)} µs, SDK ${used.sdk.client.toFixed(1)} µs ` +
        `(server ${used.pool.server.toFixed(1)} / ${used.sdk.server.toFixed(1)} µs)`,
    );
  }
  console.log(
    `\npool / SDK client, tools/call echo over stdio, ${inFlight} in flight: median ${median(ratios).toFixed(2)}x ` +
      `(rounds ${spread(ratios)}); pool median ${median(rate.pool).toFixed(0)} calls/s, SDK ${median(rate.sdk).toFixed(0)} calls/s`,
  );
  console.log(`sequential latency the pool adds (p50): median ${median(addedP50).toFixed(3)} ms`);
  // The same calls measured as CPU: SDK client µs per call / pool µs per call (1.00x: the pool costs
  // what the bare client costs), steadier than calls/s when other work shares the cores.
  console.log(
    `client CPU per call, SDK / pool: median ${median(cpuRatios).toFixed(2)}x (rounds ${spread(cpuRatios)}); ` +
      `pool median ${median(cpu.pool).toFixed(1)} µs, SDK ${median(cpu.sdk).toFixed(1)} µs`,
  );
}

try {
  await main();
} finally {
  await Promise.allSettled([pool.close(), sdk.close()]);
}
