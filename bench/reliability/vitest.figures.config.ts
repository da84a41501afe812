// `pnpm --filter @mcs/bench-reliability run figures`: the scenarios at full size (figures.test.ts),
// outside the root test command (bench/ is not a root Vitest project). Writes results/figures.json and
// results/figures.md.
import { mcsProject } from '@mcs/vitest-config';

export default mcsProject({
  name: '@mcs/bench-reliability',
  include: [process.env.MCS_RELIABILITY_FILE ?? 'figures.test.ts'],
  testTimeout: 900_000,
});
