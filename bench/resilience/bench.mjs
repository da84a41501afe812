// Throughput of a no-op async call, bare vs wrapped in the full @mcs/resilience policy
// (bulkhead -> retry -> circuit breaker -> timeout), side by side, in alternating rounds.
//
//   BENCH_ROUNDS    measured rounds per scenario (default 5; one extra warm-up round is not counted)
//   BENCH_ROUND_MS  time spent on each variant in each round (default 300)
//
// Prints one row per scenario with the median ops/s of each variant and their ratio. The first
// scenario is the one with a target (wrapped >= 0.5x bare); the others show what real calls cost.
// floor.mjs measures, the same way, what the target is up against.
import { createPolicy } from '@mcs/resilience';
import { compare, concurrent, describeRun, sequential } from './measure.mjs';

const TARGET = 0.5;

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

console.log(describeRun('@mcs/resilience bench'));
const rows = await compare(scenarios);
console.table(rows);
const headline = rows[0];
console.log(
  `wrapped/bare = ${headline.ratio} for a no-op call (target >= ${TARGET}x): ${headline.verdict}. ` +
    'Numbers are noisy on a shared machine; compare ratios, not absolute ops/s.',
);
