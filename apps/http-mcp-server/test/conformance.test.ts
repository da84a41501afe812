import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers/test-server.js';

const CLI = fileURLToPath(new URL('../node_modules/@modelcontextprotocol/conformance/dist/index.js', import.meta.url));
const RUN_TIMEOUT_MS = 240_000;

interface SuiteResult {
  exitCode: number;
  passed: number;
  failed: number;
  scenarios: Array<{ name: string; passed: number; failed: number }>;
  output: string;
}

/** Runs `conformance server --suite active` against `url` and reads its summary. */
function runSuite(url: string): Promise<SuiteResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, 'server', '--url', url, '--suite', 'active'],
      { timeout: RUN_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const output = `${stdout}\n${stderr}`;
        const scenarios = [...output.matchAll(/^[✓✗] (\S+): (\d+) passed, (\d+) failed$/gmu)].map((match) => ({
          name: match[1] ?? '',
          passed: Number(match[2]),
          failed: Number(match[3]),
        }));
        const total = /^Total: (\d+) passed, (\d+) failed$/mu.exec(output);
        resolve({
          exitCode: error ? (typeof error.code === 'number' ? error.code : -1) : 0,
          passed: total ? Number(total[1]) : 0,
          failed: total ? Number(total[2]) : -1,
          scenarios,
          output,
        });
      },
    );
  });
}

function expectAllPassed(result: SuiteResult): void {
  const failing = result.scenarios.filter((scenario) => scenario.failed > 0 || scenario.passed === 0);
  if (failing.length > 0 || result.exitCode !== 0 || result.failed !== 0) {
    process.stderr.write(`conformance failures: ${JSON.stringify(failing)}\n${result.output.slice(-8000)}\n`);
  }
  expect(failing).toEqual([]);
  expect(result.failed).toBe(0);
  expect(result.exitCode).toBe(0);
  // The active suite of 0.1.16 has 30 scenarios; fewer means the run stopped early.
  expect(result.scenarios.length).toBeGreaterThanOrEqual(30);
  expect(result.passed).toBeGreaterThanOrEqual(result.scenarios.length);
}

describe('official MCP conformance suite (server, active)', () => {
  it('passes every scenario with the in-memory store', { timeout: RUN_TIMEOUT_MS + 30_000 }, async () => {
    await using server = await startTestServer({ MCS_TOOL_PACKS: 'conformance' });
    expectAllPassed(await runSuite(`${server.origin}/mcp`));
  });

  it('passes every scenario with Redis', { timeout: RUN_TIMEOUT_MS + 30_000 }, async () => {
    await using redis = await startRedisServer();
    await using server = await startTestServer({ MCS_TOOL_PACKS: 'conformance', REDIS_URL: redis.url });
    expectAllPassed(await runSuite(`${server.origin}/mcp`));
  });
});
