// Side-by-side benchmarks of the grpc-gateway; prints ratios against the reference. Bounded in time:
// every phase runs BENCH_SECONDS (default 3) after a short warm-up. Numbers on a shared, busy machine
// are noisy: compare ratios from the same run, not absolute numbers across runs.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createGatewayClient } from '@mcs/grpc-gateway';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const require = createRequire(import.meta.url);
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const inFlight = Number(process.env.BENCH_CONCURRENCY ?? 16);
const everything = {
  transport: 'stdio',
  command: process.execPath,
  args: [
    join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js'),
    'stdio',
  ],
};

/** Runs `task` with `concurrency` workers for `durationMs`; returns calls/s and per-call latencies (ms). */
async function run(task, { concurrency, durationMs }) {
  const latencies = [];
  const end = performance.now() + durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const started = performance.now();
      await task();
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rate: latencies.length / elapsed, p50: latencies[Math.floor(latencies.length / 2)] ?? Number.NaN };
}

async function measure(task, concurrency) {
  await run(task, { concurrency, durationMs: 300 }); // warm-up (JIT, connections)
  return run(task, { concurrency, durationMs: seconds * 1000 });
}

const drain = async (stream) => {
  for await (const _ of stream);
};

// Servers run in their own processes, as deployed: the gateway (its built bin) and the raw grpc-js
// echo; the SDK client talks to its own server-everything process. Only the clients share this process.
function spawnServer(args, env = {}) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return child;
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until(check, what) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const configDir = mkdtempSync(join(tmpdir(), 'mcs-bench-'));
const configFile = join(configDir, 'gateway.json');
writeFileSync(configFile, JSON.stringify({ auth: { mode: 'off' }, logLevel: 'warn', backends: { everything } }));
const gatewayPort = await freePort();
const gatewayProcess = spawnServer(
  [join(dirname(require.resolve('@mcs/grpc-gateway')), 'main.js'), '--config', configFile],
  {
    GRPC_PORT: String(gatewayPort),
  },
);
const rawProcess = spawnServer([join(import.meta.dirname, 'raw-echo-server.mjs')]);
const [rawPort] = await once(rawProcess.stdout, 'data');
const client = createGatewayClient({ address: `127.0.0.1:${gatewayPort}` });
await until(() => client.listTools(undefined, { timeoutMs: 1000 }), 'the gateway');
const rawClient = createGatewayClient({ address: `127.0.0.1:${String(rawPort).trim()}` });
const sdk = new Client({ name: 'bench', version: '0.0.0' });
await sdk.connect(new StdioClientTransport({ command: everything.command, args: everything.args, stderr: 'ignore' }));

const args = { message: 'hello' };
const results = {};
try {
  results.nativeGateway = await measure(() => drain(client.callTool('native.echo', args)), inFlight);
  results.rawGrpc = await measure(() => drain(rawClient.callTool('native.echo', args)), inFlight);
  results.stdioGateway = await measure(() => drain(client.callTool('everything.echo', args)), inFlight);
  results.stdioSdk = await measure(() => sdk.callTool({ name: 'echo', arguments: args }), inFlight);
  results.stdioGatewaySeq = await measure(() => drain(client.callTool('everything.echo', args)), 1);
  results.stdioSdkSeq = await measure(() => sdk.callTool({ name: 'echo', arguments: args }), 1);
} finally {
  client.close();
  rawClient.close();
  await sdk.close();
  rawProcess.kill('SIGTERM');
  gatewayProcess.kill('SIGTERM');
  await Promise.all([once(rawProcess, 'exit'), once(gatewayProcess, 'exit')]);
  rmSync(configDir, { recursive: true, force: true });
}

const fmt = (n) => n.toFixed(n < 10 ? 3 : 0);
const rows = [
  ['native echo via gateway', results.nativeGateway, 'raw grpc-js streaming echo', results.rawGrpc, 0.7],
  [
    `stdio echo via gateway (${inFlight} in flight)`,
    results.stdioGateway,
    `SDK client direct (${inFlight} in flight)`,
    results.stdioSdk,
    0.5,
  ],
];
console.log(`grpc-gateway bench: ${seconds}s per phase, node ${process.version}`);
for (const [name, ours, refName, ref, target] of rows) {
  const ratio = ours.rate / ref.rate;
  console.log(
    `${name}: ${fmt(ours.rate)} calls/s | ${refName}: ${fmt(ref.rate)} calls/s | ratio ${ratio.toFixed(2)}x (target >= ${target}x) ${ratio >= target ? 'OK' : 'BELOW TARGET'}`,
  );
}
// Context for the stdio row: a gRPC hop alone (the raw echo) costs more than a whole stdio JSON-RPC
// round trip, so the stdio target is also shown against the raw gRPC ceiling.
console.log(
  `stdio echo via gateway vs raw grpc-js ceiling: ratio ${(results.stdioGateway.rate / results.rawGrpc.rate).toFixed(2)}x; raw grpc-js ceiling vs SDK direct: ${(results.rawGrpc.rate / results.stdioSdk.rate).toFixed(2)}x`,
);
const added = results.stdioGatewaySeq.p50 - results.stdioSdkSeq.p50;
console.log(
  `sequential p50: gateway ${fmt(results.stdioGatewaySeq.p50)} ms, SDK direct ${fmt(results.stdioSdkSeq.p50)} ms, added ${fmt(added)} ms (target <= 1 ms) ${added <= 1 ? 'OK' : 'ABOVE TARGET'}`,
);
