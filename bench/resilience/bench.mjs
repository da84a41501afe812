// Throughput of a no-op async call, bare vs wrapped in the full @mcs/resilience policy
// (bulkhead -> retry -> circuit breaker -> timeout), side by side, in alternating rounds.
//
//   BENCH_ROUNDS    measured rounds per scenario (default 5; one extra warm-up round is not counted)
//   BENCH_ROUND_MS  time spent on each variant in each round (default 300)
//
// Prints one row per scenario with the median ops/s of each variant and their ratio. The first
// scenario is the one with a target (wrapped >= 0.5x bare); the others show what real calls cost.
import { availableParallelism, loadavg } from 'node:os';
import { createPolicy } from '@mcs/resilience';

const rounds = positiveInteger(process.env.BENCH_ROUNDS, 5);
const roundMs = positiveInteger(process.env.BENCH_ROUND_MS, 300);
const TARGET = 0.5;
const BATCH = 1_000;

function positiveInteger(value, fallback) {
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
}

/** Runs `once` in batches until `roundMs` passed; returns ops/s. `once` is awaited one at a time. */
async function sequential(once) {
  const started = performance.now();
  let ops = 0;
  let elapsed = 0;
  do {
    for (let i = 0; i < BATCH; i++) await once();
    ops += BATCH;
    elapsed = performance.now() - started;
  } while (elapsed < roundMs);
  return (ops / elapsed) * 1_000;
}

/** Like `sequential`, with `width` calls in flight at a time. */
function concurrent(width) {
  return async (once) => {
    const started = performance.now();
    let ops = 0;
    let elapsed = 0;
    const inFlight = new Array(width);
    do {
      for (let i = 0; i < BATCH / width; i++) {
        for (let j = 0; j < width; j++) inFlight[j] = once();
        await Promise.all(inFlight);
      }
      ops += BATCH - (BATCH % width);
      elapsed = performance.now() - started;
    } while (elapsed < roundMs);
    return (ops / elapsed) * 1_000;
  };
}

// The policy as a backend would get it: every part on, defaults otherwise (a 64-slot bulkhead, so the
// concurrent scenario never queues).
const policy = createPolicy({ name: 'bench' });
const noop = async () => {};
const readsSignal = async ({ signal }) => signal.aborted;
// Bare gets one long-lived signal; wrapped gets a fresh one per attempt (the price of a per-attempt timeout).
const bareSignal = new AbortController().signal;

const scenarios = [
  {
    name: 'no-op, sequential',
    measure: sequential,
    bare: () => noop(),
    wrapped: () => policy.execute(noop),
    target: TARGET,
  },
  {
    name: 'reads its signal, sequential',
    measure: sequential,
    bare: () => readsSignal({ signal: bareSignal }),
    wrapped: () => policy.execute(readsSignal),
  },
  {
    name: 'no-op, 32 in flight',
    measure: concurrent(32),
    bare: () => noop(),
    wrapped: () => policy.execute(noop),
  },
];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const format = (opsPerSecond) => Math.round(opsPerSecond).toLocaleString('en-US');

console.log(
  `@mcs/resilience bench: node ${process.version}, ${availableParallelism()} cpus, load ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}, ${rounds} rounds x ${roundMs} ms per variant (+1 warm-up round)`,
);

const rows = [];
for (const scenario of scenarios) {
  const bare = [];
  const wrapped = [];
  for (let round = 0; round <= rounds; round++) {
    // Alternate the order so that neither variant always runs on a warmer or cooler machine.
    const first = round % 2 === 0 ? 'bare' : 'wrapped';
    const results = {};
    for (const variant of first === 'bare' ? ['bare', 'wrapped'] : ['wrapped', 'bare']) {
      results[variant] = await scenario.measure(scenario[variant]);
    }
    if (round === 0) continue; // warm-up: JIT and caches
    bare.push(results.bare);
    wrapped.push(results.wrapped);
  }
  const ratio = median(wrapped) / median(bare);
  rows.push({
    scenario: scenario.name,
    'bare ops/s': format(median(bare)),
    'wrapped ops/s': format(median(wrapped)),
    ratio: `${ratio.toFixed(3)}x`,
    'ratio per round': wrapped.map((value, index) => (value / bare[index]).toFixed(3)).join(' '),
    target: scenario.target === undefined ? '-' : `>= ${scenario.target}x`,
    verdict: scenario.target === undefined ? '-' : ratio >= scenario.target ? 'PASS' : 'BELOW',
  });
}

console.table(rows);
const headline = rows[0];
console.log(
  `wrapped/bare = ${headline.ratio} for a no-op call (target >= ${TARGET}x): ${headline.verdict}. ` +
    'Numbers are noisy on a shared machine; compare ratios, not absolute ops/s.',
);
