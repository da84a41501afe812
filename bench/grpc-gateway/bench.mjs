// Side-by-side benchmarks of the grpc-gateway; prints ratios against the reference. Bounded in time:
// BENCH_ROUNDS rounds (default 5) of every phase, each phase BENCH_SECONDS (default 1.5) after a 200 ms
// warm-up, the phase order reversed every other round. Ratios are computed within a round (the two
// sides ran seconds apart) and reported as the median with the min-max spread over the rounds.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createGatewayClient } from '@mcs/grpc-gateway';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const require = createRequire(import.meta.url);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const seconds = Number(process.env.BENCH_SECONDS ?? 1.5);
const inFlight = Number(process.env.BENCH_CONCURRENCY ?? 16);
// BENCH_CPU_PROF=<dir>: the gateway writes a V8 CPU profile there when it exits.
const cpuProfileDir = process.env.BENCH_CPU_PROF;
// BENCH_CPU_PROF_INTERVAL=<µs>: its sampling interval (V8's default is 1000 µs, few samples per call).
const cpuProfileFlags = cpuProfileDir
  ? [
      '--cpu-prof',
      `--cpu-prof-dir=${cpuProfileDir}`,
      ...(process.env.BENCH_CPU_PROF_INTERVAL ? [`--cpu-prof-interval=${process.env.BENCH_CPU_PROF_INTERVAL}`] : []),
    ]
  : [];

// Pinning, for the throughput phases: the servers (gateway, raw grpc-js server, the SDK's own
// server-everything) on CPU 1, the clients (this process) on CPU 0, so both sides of a ratio run on the
// same cores. The gateway's own stdio backend goes to CPU 0: gateway and backend on one CPU would make
// every pipe write a same-CPU wake-up (an artifact of a 2-CPU box); this way every hop crosses CPUs, as
// the SDK client's direct calls do. The sequential latency phases run unpinned: a pinned process waits
// for its CPU while another helper's work holds it, even when the other CPU is idle, which turns
// scheduler noise into milliseconds of "latency". BENCH_PIN=off disables pinning; it needs Linux taskset.
const pin = process.env.BENCH_PIN !== 'off' && availableParallelism() >= 2 && hasTaskset();
const allCpus = `0-${availableParallelism() - 1}`;
function hasTaskset() {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
function setAffinity(pid, cpus) {
  if (!pid) return;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
  } catch {
    // the process is gone (a restarting backend): nothing to pin
  }
}
function childrenOf(pid) {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return children ? children.split(' ').map(Number) : [];
  } catch {
    return [];
  }
}
/** Applies the pinned (throughput) or free (latency) CPU layout to every process of the bench. */
function applyLayout(pinned) {
  if (!pin) return;
  setAffinity(process.pid, pinned ? '0' : allCpus);
  for (const pid of [gatewayProcess.pid, rawProcess.pid, rawHttp2Process.pid, connectProcess.pid, sdkTransport.pid]) {
    setAffinity(pid, pinned ? '1' : allCpus);
  }
  for (const pid of childrenOf(gatewayProcess.pid)) setAffinity(pid, pinned ? '0' : allCpus);
}

const everythingArgs = [
  join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js'),
  'stdio',
];
const everything = { transport: 'stdio', command: process.execPath, args: everythingArgs };

/** Runs `task` with `concurrency` workers for `durationMs`; returns calls/s and the p50 latency (ms). */
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
  return {
    calls: latencies.length,
    rate: latencies.length / elapsed,
    p50: latencies[Math.floor(latencies.length / 2)] ?? Number.NaN,
  };
}

// CPU time (ms) used by processes and their descendants, from /proc (Linux; 10 ms ticks, summed over
// every round). Unlike calls/s it barely moves when other work competes for the cores, so "server CPU per
// call" is the stable measure of the gateway's own overhead.
const ticksToMs = 10;
function cpuMsOf(pids, withChildren) {
  let total = 0;
  const seen = new Set();
  const visit = (pid) => {
    if (seen.has(pid)) return;
    seen.add(pid);
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * ticksToMs;
      if (!withChildren) return;
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
      for (const child of children ? children.split(' ') : []) visit(Number(child));
    } catch {
      // not Linux, or the process is gone: counted as 0
    }
  };
  for (const pid of pids) if (pid) visit(pid);
  return total;
}
const clientCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

async function measure({ task, concurrency, servers, withChildren = false, pinned = true }) {
  applyLayout(pinned);
  await run(task, { concurrency, durationMs: 200 }); // warm-up (JIT, connections, caches)
  const serverBefore = cpuMsOf(servers(), withChildren);
  const ownBefore = cpuMsOf(servers(), false);
  const clientBefore = clientCpuMs();
  const result = await run(task, { concurrency, durationMs: seconds * 1000 });
  return {
    ...result,
    serverCpuMs: cpuMsOf(servers(), withChildren) - serverBefore,
    // The server processes alone, without their children (the gateway without its stdio backend).
    ownCpuMs: cpuMsOf(servers(), false) - ownBefore,
    clientCpuMs: clientCpuMs() - clientBefore,
  };
}

const drain = async (stream) => {
  for await (const _ of stream);
};

function spawnServer(args, env = {}) {
  return spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
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

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const configDir = mkdtempSync(join(tmpdir(), 'mcs-bench-'));
const configFile = join(configDir, 'gateway.json');
writeFileSync(configFile, JSON.stringify({ auth: { mode: 'off' }, logLevel: 'warn', backends: { everything } }));
const gatewayPort = await freePort();
// BENCH_GATEWAY_MAIN=<path to main.js>: bench another build of the gateway (before/after comparisons).
const gatewayMain = process.env.BENCH_GATEWAY_MAIN || join(dirname(require.resolve('@mcs/grpc-gateway')), 'main.js');
const gatewayProcess = spawnServer([...cpuProfileFlags, gatewayMain, '--config', configFile], {
  GRPC_PORT: String(gatewayPort),
});
const rawProcess = spawnServer([join(import.meta.dirname, 'raw-echo-server.mjs')]);
const rawHttp2Process = spawnServer([join(import.meta.dirname, 'raw-http2-echo-server.mjs')]);
// Connect for Node needs the proto as a descriptor set (it has no grpc-js-style loader): buf, the
// tool @mcs/protos is built with, makes one from the repo's .proto files.
const descriptorSet = join(configDir, 'gateway.binpb');
execFileSync(
  join(dirname(require.resolve('@bufbuild/buf/package.json')), 'bin', 'buf'),
  ['build', join(dirname(require.resolve('@mcs/protos')), '..'), '--as-file-descriptor-set', '-o', descriptorSet],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const connectProcess = spawnServer([join(import.meta.dirname, 'connect-echo-server.mjs'), descriptorSet]);
// A failed start (or any crash) must not leave the servers behind; the normal path stops them first.
process.once('exit', () => {
  for (const child of [gatewayProcess, rawProcess, rawHttp2Process, connectProcess])
    if (child.exitCode === null) child.kill('SIGKILL');
});
const [rawPort] = await once(rawProcess.stdout, 'data');
const [rawHttp2Port] = await once(rawHttp2Process.stdout, 'data');
const [connectPort] = await once(connectProcess.stdout, 'data');
const client = createGatewayClient({ address: `127.0.0.1:${gatewayPort}` });
await until(() => client.listTools(undefined, { timeoutMs: 1000 }), 'the gateway');
const rawClient = createGatewayClient({ address: `127.0.0.1:${String(rawPort).trim()}` });
const rawHttp2Client = createGatewayClient({ address: `127.0.0.1:${String(rawHttp2Port).trim()}` });
const connectClient = createGatewayClient({ address: `127.0.0.1:${String(connectPort).trim()}` });
const sdk = new Client({ name: 'bench', version: '0.0.0' });
const sdkTransport = new StdioClientTransport({ command: everything.command, args: everythingArgs, stderr: 'ignore' });
await sdk.connect(sdkTransport);

const args = { message: 'hello' };
const promptArgs = { message: 'hello' };
const gatewayEcho = () => drain(client.callTool('native.echo', args));
const gatewayStdio = () => drain(client.callTool('everything.echo', args));
const sdkDirect = () => sdk.callTool({ name: 'echo', arguments: args });
// `servers`: the processes whose CPU a phase is charged; `withChildren` adds their descendants (the
// gateway's stdio backend, which also does background work of its own: leave it out of native calls).
const gateway = () => [gatewayProcess.pid];
const raw = () => [rawProcess.pid];
const rawHttp2 = () => [rawHttp2Process.pid];
const connect = () => [connectProcess.pid];
const sdkServer = () => [sdkTransport.pid];
const phases = {
  nativeGateway: { task: gatewayEcho, concurrency: inFlight, servers: gateway },
  rawStream: { task: () => drain(rawClient.callTool('native.echo', args)), concurrency: inFlight, servers: raw },
  rawUnary: { task: () => rawClient.getPrompt('native.echo', promptArgs), concurrency: inFlight, servers: raw },
  rawHttp2Stream: {
    task: () => drain(rawHttp2Client.callTool('native.echo', args)),
    concurrency: inFlight,
    servers: rawHttp2,
  },
  connectStream: {
    task: () => drain(connectClient.callTool('native.echo', args)),
    concurrency: inFlight,
    servers: connect,
  },
  stdioGateway: { task: gatewayStdio, concurrency: inFlight, servers: gateway, withChildren: true },
  stdioSdk: { task: sdkDirect, concurrency: inFlight, servers: sdkServer },
  stdioGatewaySeq: { task: gatewayStdio, concurrency: 1, servers: gateway, withChildren: true, pinned: false },
  stdioSdkSeq: { task: sdkDirect, concurrency: 1, servers: sdkServer, pinned: false },
};
// BENCH_PHASES=nativeGateway,rawStream runs only those phases (for profiling one path).
const only = process.env.BENCH_PHASES?.split(',');
for (const name of Object.keys(phases)) if (only && !only.includes(name)) delete phases[name];
const results = Object.fromEntries(Object.keys(phases).map((name) => [name, []]));
try {
  for (let round = 0; round < rounds; round++) {
    const order = Object.keys(phases);
    if (round % 2 === 1) order.reverse();
    for (const name of order) results[name].push(await measure(phases[name]));
  }
} finally {
  client.close();
  rawClient.close();
  rawHttp2Client.close();
  connectClient.close();
  await sdk.close();
  const servers = [rawProcess, rawHttp2Process, connectProcess, gatewayProcess];
  for (const child of servers) child.kill('SIGTERM');
  await Promise.all(servers.map((child) => once(child, 'exit')));
  rmSync(configDir, { recursive: true, force: true });
}

/** CPU µs per call over every round: [server processes (with children), this client process, servers alone]. */
const cpuPerCall = (name) => {
  const calls = results[name].reduce((sum, each) => sum + each.calls, 0);
  const server = results[name].reduce((sum, each) => sum + each.serverCpuMs, 0);
  const clientMs = results[name].reduce((sum, each) => sum + each.clientCpuMs, 0);
  const own = results[name].reduce((sum, each) => sum + each.ownCpuMs, 0);
  return [(server * 1000) / calls, (clientMs * 1000) / calls, (own * 1000) / calls];
};
if (only) {
  for (const name of only) {
    const [server, clientSide, own] = cpuPerCall(name);
    const rates = results[name].map((each) => Math.round(each.rate)).join(' ');
    console.log(
      `${name}: calls/s ${rates}; CPU/call server ${server.toFixed(0)} µs (without children ${own.toFixed(0)} µs), client ${clientSide.toFixed(0)} µs`,
    );
  }
  process.exit(0);
}
const fmt = (n) => n.toFixed(n < 10 ? 3 : 0);
const rate = (name) => median(results[name].map((each) => each.rate));
/** Per-round ratios of `ours` to `ref` (`ref` may be a function of the round): median and spread. */
const ratios = (ours, ref) => {
  const values = results[ours].map((each, round) => each.rate / ref(round));
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
};
const perRound = (name) => (round) => results[name][round].rate;
const showRatio = ({ median: mid, min, max }) => `${mid.toFixed(2)}x (rounds ${min.toFixed(2)}-${max.toFixed(2)})`;
const verdict = (value, target) => (value >= target ? 'OK' : 'BELOW TARGET');

console.log(
  `grpc-gateway bench: ${rounds} rounds x ${seconds}s per phase, ${inFlight} in flight, node ${process.version}, ${pin ? 'throughput phases: servers pinned to CPU 1, clients and the gateway backend to CPU 0; latency phases unpinned' : 'not pinned'}`,
);
const native = ratios('nativeGateway', perRound('rawStream'));
console.log(
  `1. native echo via gateway ${fmt(rate('nativeGateway'))}/s vs raw grpc-js streaming echo ${fmt(rate('rawStream'))}/s: ${showRatio(native)} (target >= 0.8x) ${verdict(native.median, 0.8)}`,
);
// The ceiling of the stdio path: one gRPC hop with no work behind it. The gateway's stdio path is that
// hop plus a stdio round trip to its backend, so it cannot beat it.
const stdioVsHop = ratios('stdioGateway', perRound('rawStream'));
console.log(
  `2. stdio echo via gateway ${fmt(rate('stdioGateway'))}/s vs the raw grpc-js stream hop alone ${fmt(rate('rawStream'))}/s: ${showRatio(stdioVsHop)} (target >= 0.8x) ${verdict(stdioVsHop.median, 0.8)}`,
);
const [gatewayNativeCpu, nativeClientCpu] = cpuPerCall('nativeGateway');
const [rawStreamCpu, rawClientCpu] = cpuPerCall('rawStream');
const [gatewayStdioCpu, , gatewayStdioOwnCpu] = cpuPerCall('stdioGateway');
const [sdkServerCpu, sdkClientCpu] = cpuPerCall('stdioSdk');
const cpuRatio = gatewayStdioOwnCpu / rawStreamCpu;
console.log(
  `3. gateway-side CPU per stdio call ${gatewayStdioOwnCpu.toFixed(0)} µs (the gateway process; with its stdio backend ${gatewayStdioCpu.toFixed(0)} µs) vs the raw grpc-js streaming server ${rawStreamCpu.toFixed(0)} µs: ${cpuRatio.toFixed(2)}x (target <= 1.5x) ${cpuRatio <= 1.5 ? 'OK' : 'ABOVE TARGET'}`,
);
const added = results.stdioGatewaySeq.map((each, round) => each.p50 - results.stdioSdkSeq[round].p50);
const addedMedian = median(added);
console.log(
  `4. sequential p50: gateway ${fmt(median(results.stdioGatewaySeq.map((each) => each.p50)))} ms, SDK direct ${fmt(median(results.stdioSdkSeq.map((each) => each.p50)))} ms, added ${fmt(addedMedian)} ms (rounds ${fmt(Math.min(...added))}-${fmt(Math.max(...added))}) (target <= 0.5 ms) ${addedMedian <= 0.5 ? 'OK' : 'ABOVE TARGET'}`,
);
const [rawHttp2Cpu] = cpuPerCall('rawHttp2Stream');
const http2VsGrpcJs = ratios('rawHttp2Stream', perRound('rawStream'));
console.log(
  `5. ceiling check: the same streaming echo on node:http2 with the gRPC protocol by hand ${fmt(rate('rawHttp2Stream'))}/s vs grpc-js ${fmt(rate('rawStream'))}/s: ${showRatio(http2VsGrpcJs)}; server CPU per call ${rawHttp2Cpu.toFixed(0)} vs ${rawStreamCpu.toFixed(0)} µs (grpc-js clients for both)`,
);
const [connectCpu] = cpuPerCall('connectStream');
const connectVsGrpcJs = ratios('connectStream', perRound('rawStream'));
console.log(
  `6. ceiling check: the same streaming echo on Connect for Node (@connectrpc/connect-node, gRPC protocol, node:http2) ${fmt(rate('connectStream'))}/s vs grpc-js ${fmt(rate('rawStream'))}/s: ${showRatio(connectVsGrpcJs)}; server CPU per call ${connectCpu.toFixed(0)} vs ${rawStreamCpu.toFixed(0)} µs (grpc-js clients for both)`,
);
const stdio = ratios('stdioGateway', perRound('stdioSdk'));
const stream = ratios('rawStream', perRound('stdioSdk'));
const unary = ratios('rawUnary', perRound('stdioSdk'));
console.log(
  `For reference, against the SDK client calling server-everything directly over stdio ${fmt(rate('stdioSdk'))}/s: stdio via gateway ${showRatio(stdio)}; raw grpc-js unary ${fmt(rate('rawUnary'))}/s ${showRatio(unary)}, stream ${showRatio(stream)}`,
);
console.log(
  `CPU per call (16 in flight, all rounds): native gateway ${gatewayNativeCpu.toFixed(0)} µs vs raw grpc-js ${rawStreamCpu.toFixed(0)} µs (raw/gateway ${(rawStreamCpu / gatewayNativeCpu).toFixed(2)}x); server-everything alone ${sdkServerCpu.toFixed(0)} µs; client side gRPC ${nativeClientCpu.toFixed(0)}/${rawClientCpu.toFixed(0)} µs vs SDK stdio ${sdkClientCpu.toFixed(0)} µs`,
);
