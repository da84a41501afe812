// Side-by-side benchmarks of the grpc-gateway; prints ratios against the reference. Bounded in time:
// every phase runs BENCH_SECONDS (default 3) after a short warm-up. Numbers on a shared, busy machine
// are noisy: compare ratios from the same run, not absolute numbers across runs.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { createGatewayClient, parseGatewayConfig, startGateway } from '@mcs/grpc-gateway';
import { ContextGatewayService } from '@mcs/protos';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { pino } from 'pino';

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

// --- the reference: a raw grpc-js server streaming the same two ToolEvent messages, no gateway logic
async function startRawEcho() {
  const server = new Server();
  server.addService(ContextGatewayService, {
    callTool(call) {
      const text = String(call.request.arguments?.message ?? '');
      call.write({ event: { $case: 'content', value: { index: 0, part: { $case: 'text', value: { text } } } } });
      call.write({ event: { $case: 'result', value: { isError: false, partCount: 1 } } });
      call.end();
    },
  });
  const port = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return { server, address: `127.0.0.1:${port}` };
}

const gateway = await startGateway(
  parseGatewayConfig({ host: '127.0.0.1', port: 0, auth: { mode: 'off' }, backends: { everything } }),
  { logger: pino({ level: 'silent' }) },
);
const client = createGatewayClient({ address: `127.0.0.1:${gateway.port}` });
const raw = await startRawEcho();
const rawClient = createGatewayClient({ address: raw.address });
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
  raw.server.forceShutdown();
  await gateway.close();
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
const added = results.stdioGatewaySeq.p50 - results.stdioSdkSeq.p50;
console.log(
  `sequential p50: gateway ${fmt(results.stdioGatewaySeq.p50)} ms, SDK direct ${fmt(results.stdioSdkSeq.p50)} ms, added ${fmt(added)} ms (target <= 1 ms) ${added <= 1 ? 'OK' : 'ABOVE TARGET'}`,
);
