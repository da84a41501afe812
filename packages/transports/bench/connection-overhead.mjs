// Side by side: the official SDK client used directly vs a BackendConnection, both calling
// server-everything's `echo` over stdio. Prints p50 latency (sequential) and throughput with 16
// calls in flight, and the ratios. Run: pnpm --filter @mcs/transports bench (builds first).
// BENCH_CALLS (default 2000) sets the number of calls per measurement.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { createBackendConnection } from '../dist/index.js';

const calls = Number(process.env.BENCH_CALLS ?? 2_000);
const inFlight = 16;
const everything = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');
const server = { command: process.execPath, args: [everything, 'stdio'] };

function print(line) {
  process.stdout.write(`${line}\n`);
}

async function measure(label, callEcho) {
  for (let index = 0; index < 100; index++) await callEcho(`warm-${index}`);
  const latencies = [];
  for (let index = 0; index < calls / 4; index++) {
    const started = performance.now();
    await callEcho(`seq-${index}`);
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  const p50 = latencies[Math.floor(latencies.length / 2)];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < calls) await callEcho(`par-${next++}`);
    }),
  );
  const perSecond = calls / ((performance.now() - started) / 1_000);
  print(`${label.padEnd(22)} p50 ${p50.toFixed(3)} ms   ${perSecond.toFixed(0)} calls/s (${inFlight} in flight)`);
  return { p50, perSecond };
}

// Both sides run twice, interleaved, and keep their better round: the first round also warms the JIT.
const client = new Client({ name: 'bench-raw', version: '1.0.0' });
await client.connect(new StdioClientTransport({ ...server, stderr: 'ignore' }));
const connection = createBackendConnection('bench', { transport: 'stdio', ...server });
await connection.connect();
const rounds = { raw: [], ours: [] };
for (let round = 0; round < 2; round++) {
  rounds.raw.push(
    await measure('SDK client (direct)', (message) => client.callTool({ name: 'echo', arguments: { message } })),
  );
  rounds.ours.push(await measure('BackendConnection', (message) => connection.callTool('echo', { message })));
}
await client.close();
await connection.close();
const best = (results) => ({
  p50: Math.min(...results.map((result) => result.p50)),
  perSecond: Math.max(...results.map((result) => result.perSecond)),
});
const raw = best(rounds.raw);
const ours = best(rounds.ours);
print(
  `best rounds: throughput ratio ${(ours.perSecond / raw.perSecond).toFixed(2)}x (target >= 0.5x), p50 added ${(ours.p50 - raw.p50).toFixed(3)} ms`,
);
