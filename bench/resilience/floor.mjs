// What the 0.5x target of bench.mjs is up against, measured the same way (sequential no-op calls,
// alternating rounds, medians): the cheapest possible wrapper, the policy with every part off, the
// full policy, and the full policy minus one part at a time.
//
// Any wrapper that has to act after the call settles (release a bulkhead slot, tell the breaker,
// stop a deadline, turn a failure into a retry) needs at least one promise reaction on the call's
// promise, so the caller's `await` waits two microtask hops instead of one: the first row is that
// reaction and nothing else, the ceiling for every row below it.
import { createPolicy } from '@mcs/resilience';
import { compare, describeRun, sequential } from './measure.mjs';

const noop = async () => {};
const identity = (value) => value;
const off = { enabled: false };
const policies = [
  ['policy, every part off', { retry: off, circuitBreaker: off, timeout: off, bulkhead: off }],
  ['policy, full (as bench.mjs)', {}],
  ['policy, full minus timeout', { timeout: off }],
  ['policy, full minus circuit breaker', { circuitBreaker: off }],
  ['policy, full minus bulkhead', { bulkhead: off }],
];

const scenarios = [
  {
    name: 'one .then() on the call (the ceiling)',
    measure: sequential,
    bare: () => noop(),
    wrapped: () => noop().then(identity),
  },
  ...policies.map(([name, config]) => {
    const policy = createPolicy({ name: 'floor', ...config });
    return { name, measure: sequential, bare: () => noop(), wrapped: () => policy.execute(noop) };
  }),
];

console.log(describeRun('@mcs/resilience floor'));
console.table(await compare(scenarios));
console.log('Numbers are noisy on a shared machine; compare ratios, not absolute ops/s.');
