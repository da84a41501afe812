// One Vitest run over every workspace project, so `pnpm test` prints one summary for the whole repo.
// MCS_TEST_REPORT=<file> also writes Vitest's JSON report there (.ci/run reads it for its summary line).
import { defineConfig } from 'vitest/config';

const reportFile = process.env.MCS_TEST_REPORT;

export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'apps/*/vitest.config.ts',
      'test/*/vitest.config.ts',
      'protos/vitest.config.ts',
      'tooling/test-utils/vitest.config.ts',
    ],
    reporters: reportFile ? ['default', ['json', { outputFile: reportFile }]] : ['default'],
    // Integration tests start servers and child processes: two cores, so keep parallelism modest.
    maxWorkers: 2,
  },
});
