// Side-by-side benchmark of the provider's generateStream against a direct `openai` SDK stream on the
// same scripted model (the provider-sdk tests' server, in its own process), in the same run:
// - `openai`: client.chat.completions.create({ stream: true }) and its content chunks;
// - `provider`: createProvider(...).generateStream({ prompt }) and its text-delta parts;
// - `provider+mcp`: the same with one MCP backend configured (server-everything over stdio, its 10+
//   tools offered to the model on every request; listed once, then from the pool's list cache).
// Per side and round: parts per second over sequential requests for BENCH_SECONDS, and the time from
// the call to the first text part (p50). Ratios are taken within a round, reported as medians with
// the spread; the order of the sides rotates every round. BENCH_ROUNDS (5), BENCH_SECONDS (2),
// BENCH_CHUNKS (200 text chunks per answer), BENCH_WARMUP_MS (2 000 per side).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createProvider } from '@mcs/provider-sdk';
import OpenAI from 'openai';

const require = createRequire(import.meta.url);
const everything = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const warmupMs = Number(process.env.BENCH_WARMUP_MS ?? 2_000);
const PROMPT = 'Say something long.';

const server = spawn(process.execPath, [fileURLToPath(new URL('./scripted-model-process.mjs', import.meta.url))], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const baseURL = await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.once('exit', (code) => reject(new Error(`the scripted model exited (${code})`)));
  createInterface({ input: server.stdout }).once('line', resolve);
});

const model = 'bench-model';
const apiKey = 'bench-key';
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const provider = createProvider({ model, baseURL, apiKey }, { env: {} });
const withMcp = createProvider(
  {
    model,
    baseURL,
    apiKey,
    mcp: {
      backends: {
        everything: {
          transport: 'stdio',
          command: process.execPath,
          args: [everything, 'stdio'],
          supervision: { health: { pingIntervalMs: 0 } },
        },
      },
    },
  },
  { env: {} },
);

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * One request; resolves with [text parts, ms from the call to the first one, CPU ms this process
 * spent until then]. Requests run one at a time, so that CPU time is this request's (the scripted
 * model runs in its own process): unlike wall time, it does not change with the machine's load.
 */
const sides = {
  openai: async () => {
    const started = performance.now();
    const cpuStarted = cpuMs();
    let firstCpu = 0;
    let first = 0;
    let parts = 0;
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: PROMPT }],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) {
        if (parts === 0) {
          first = performance.now() - started;
          firstCpu = cpuMs() - cpuStarted;
        }
        parts += 1;
      }
    }
    return [parts, first, firstCpu];
  },
  provider:
    (target = provider) =>
    async () => {
      const started = performance.now();
      const cpuStarted = cpuMs();
      let firstCpu = 0;
      let first = 0;
      let parts = 0;
      for await (const part of target.generateStream({ prompt: PROMPT })) {
        if (part.type === 'text-delta') {
          if (parts === 0) {
            first = performance.now() - started;
            firstCpu = cpuMs() - cpuStarted;
          }
          parts += 1;
        } else if (part.type === 'error') throw part.error;
      }
      return [parts, first, firstCpu];
    },
};
const run = { openai: sides.openai, provider: sides.provider(provider), 'provider+mcp': sides.provider(withMcp) };

/** Parts per second and the p50 time to the first part over sequential requests for `durationMs`. */
async function measure(call, durationMs) {
  const firsts = [];
  const firstCpus = [];
  let parts = 0;
  const started = performance.now();
  const cpuStarted = cpuMs();
  const deadline = started + durationMs;
  while (performance.now() < deadline) {
    const [count, first, firstCpu] = await call();
    parts += count;
    firsts.push(first);
    firstCpus.push(firstCpu);
  }
  return {
    rate: (parts * 1000) / (performance.now() - started),
    // Parts per CPU second of this process: the rate a dedicated core would reach.
    cpuRate: (parts * 1000) / (cpuMs() - cpuStarted),
    first: median(firsts),
    firstCpu: median(firstCpus),
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const spread = (values, digits = 2) =>
  `${Math.min(...values).toFixed(digits)} to ${Math.max(...values).toFixed(digits)}`;

async function main() {
  const connected = await withMcp.pool.connect();
  if (connected.failed.length > 0) throw new Error(`server-everything did not start: ${JSON.stringify(connected)}`);
  const names = Object.keys(run);
  for (const name of names) await measure(run[name], warmupMs);
  const ratio = { provider: [], 'provider+mcp': [] };
  const cpuRatio = { provider: [], 'provider+mcp': [] };
  const later = { provider: [], 'provider+mcp': [] };
  const laterCpu = { provider: [], 'provider+mcp': [] };
  for (let round = 0; round < rounds; round += 1) {
    const order = names.map((_, index) => names[(index + round) % names.length]);
    const result = {};
    for (const name of order) result[name] = await measure(run[name], seconds * 1000);
    for (const name of ['provider', 'provider+mcp']) {
      ratio[name].push(result[name].rate / result.openai.rate);
      cpuRatio[name].push(result[name].cpuRate / result.openai.cpuRate);
      later[name].push(result[name].first - result.openai.first);
      laterCpu[name].push(result[name].firstCpu - result.openai.firstCpu);
    }
    console.log(
      `round ${round + 1}: ${names
        .map(
          (name) =>
            `${name} ${result[name].rate.toFixed(0)} parts/s (${result[name].cpuRate.toFixed(0)} per CPU s), ` +
            `first part p50 ${result[name].first.toFixed(3)} ms (CPU ${result[name].firstCpu.toFixed(3)} ms)`,
        )
        .join('; ')}`,
    );
  }
  const chunks = process.env.BENCH_CHUNKS ?? 200;
  console.log(`\ngenerateStream / direct openai stream, ${chunks} text chunks per answer, sequential requests:`);
  for (const name of ['provider', 'provider+mcp']) {
    console.log(
      `${name}: parts/s median ${median(ratio[name]).toFixed(2)}x (rounds ${spread(ratio[name])}), ` +
        `per CPU second ${median(cpuRatio[name]).toFixed(2)}x (${spread(cpuRatio[name])}); ` +
        `first part ${median(later[name]).toFixed(3)} ms later (rounds ${spread(later[name], 3)} ms), ` +
        `CPU until then ${median(laterCpu[name]).toFixed(3)} ms more (${spread(laterCpu[name], 3)} ms)`,
    );
  }
}

try {
  await main();
} finally {
  await Promise.allSettled([provider.close(), withMcp.close()]);
  server.kill('SIGTERM');
}
