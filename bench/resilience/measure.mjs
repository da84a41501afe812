// The measurement both benches share: alternating rounds of bare vs wrapped, medians, ratios.
//
//   BENCH_ROUNDS    measured rounds per scenario (default 5; one extra warm-up round is not counted)
//   BENCH_ROUND_MS  time spent on each variant in each round (default 300)
import { availableParallelism, loadavg } from 'node:os';

export const rounds = positiveInteger(process.env.BENCH_ROUNDS, 5);
export const roundMs = positiveInteger(process.env.BENCH_ROUND_MS, 300);
const BATCH = 1_000;

function positiveInteger(value, fallback) {
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
}

/** Runs `once` in batches until `roundMs` passed; returns ops/s. `once` is awaited one at a time. */
export async function sequential(once) {
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
export function concurrent(width) {
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

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const format = (opsPerSecond) => Math.round(opsPerSecond).toLocaleString('en-US');

/** The first line of every bench: what ran where, and how busy the machine was. */
export function describeRun(what) {
  return `${what}: node ${process.version}, ${availableParallelism()} cpus, load ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}, ${rounds} rounds x ${roundMs} ms per variant (+1 warm-up round)`;
}

/**
 * Measures each scenario (`{ name, measure, bare, wrapped, target? }`) bare and wrapped in alternating
 * rounds; returns one table row per scenario, with its median ops/s and ratio in `ratio`.
 */
export async function compare(scenarios) {
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
  return rows;
}
