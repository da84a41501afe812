// The official conformance suite's next line against our server: `@modelcontextprotocol/conformance`
// 0.2.0-alpha.12 (devDependency alias `conformance-next`, beside 0.1.16 of conformance.test.ts),
// `server --requirements 2026-07-28`: exactly the scenarios revision 2026-07-28 requires, frozen at
// its release, plus the extension and pending ones it runs unscored. Every scenario of the run is
// listed and must pass with every check.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers/test-server.js';

const SUITE_VERSION = '0.2.0-alpha.12';
const CLI = fileURLToPath(new URL('../node_modules/conformance-next/dist/index.js', import.meta.url));
const RUN_TIMEOUT_MS = 180_000;

/** Every scenario of the 2026-07-28 run (50). */
const IMPLEMENTED = [
  'server-stateless',
  'completion-complete',
  'tools-list',
  'tools-call-simple-text',
  'tools-call-image',
  'tools-call-audio',
  'tools-call-embedded-resource',
  'tools-call-mixed-content',
  'tools-call-error',
  'tools-call-with-progress',
  'server-sse-multiple-streams',
  'resources-list',
  'resources-read-text',
  'resources-read-binary',
  'resources-templates-read',
  'sep-2164-resource-not-found',
  'prompts-list',
  'prompts-get-simple',
  'prompts-get-with-args',
  'prompts-get-embedded-resource',
  'prompts-get-with-image',
  'dns-rebinding-protection',
  'caching',
  'input-required-result-basic-elicitation',
  'input-required-result-basic-sampling',
  'input-required-result-basic-list-roots',
  'input-required-result-request-state',
  'input-required-result-multiple-input-requests',
  'input-required-result-multi-round',
  'input-required-result-missing-input-response',
  'input-required-result-non-tool-request',
  'input-required-result-result-type',
  'input-required-result-unsupported-methods',
  'input-required-result-tampered-state',
  'input-required-result-capability-check',
  'input-required-result-ignore-extra-params',
  'input-required-result-validate-input',
  // Run unscored ("pending") by the suite, required by the issue.
  'json-schema-2020-12',
  'http-header-validation',
  'http-custom-header-server-validation',
  // The tasks extension (SEP-2663), run unscored ("extension") by the suite, required by the issue.
  'tasks-lifecycle',
  'tasks-capability-negotiation',
  'tasks-wire-fields',
  'tasks-request-state-removal',
  'tasks-mrtr-input',
  'tasks-request-headers',
  'tasks-dispatch-and-envelope',
  'tasks-required-task-error',
  'tasks-mrtr-composition',
] as const;

/** Run but without checks of its own: status notifications are optional and this server sends none. */
const NO_CHECKS = ['tasks-status-notifications'] as const;

interface ScenarioResult {
  name: string;
  passed: number;
  failed: number;
}

interface SuiteResult {
  scenarios: ScenarioResult[];
  output: string;
}

function runSuite(url: string): Promise<SuiteResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, 'server', '--url', url, '--requirements', '2026-07-28'],
      { timeout: RUN_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (_error, stdout, stderr) => {
        const output = `${stdout}\n${stderr}`;
        const scenarios = [...output.matchAll(/^[✓✗] (\S+): (\d+) passed, (\d+) failed$/gmu)].map((match) => ({
          name: match[1] ?? '',
          passed: Number(match[2]),
          failed: Number(match[3]),
        }));
        resolve({ scenarios, output });
      },
    );
  });
}

function expectImplementedPass(result: SuiteResult): void {
  const byName = new Map(result.scenarios.map((scenario) => [scenario.name, scenario]));
  const verdicts = [
    ...IMPLEMENTED.map((name) => {
      const scenario = byName.get(name);
      return { name, ok: scenario !== undefined && scenario.failed === 0 && scenario.passed > 0, scenario };
    }),
    ...NO_CHECKS.map((name) => {
      const scenario = byName.get(name);
      return { name, ok: scenario !== undefined && scenario.failed === 0, scenario };
    }),
  ];
  const failing = verdicts.filter((verdict) => !verdict.ok);
  if (failing.length > 0) {
    process.stderr.write(
      `conformance ${SUITE_VERSION} failures: ${JSON.stringify(failing)}\n${result.output.slice(-8000)}\n`,
    );
  }
  expect(failing).toEqual([]);
  // Nothing else ran: a scenario added by another suite version would show up here.
  expect(result.scenarios.map((scenario) => scenario.name).sort()).toEqual([...IMPLEMENTED, ...NO_CHECKS].sort());
  expect(/^Total: (\d+) passed, 0 failed$/mu.test(result.output)).toBe(true);
}

describe(`official MCP conformance suite ${SUITE_VERSION} (server, --requirements 2026-07-28)`, () => {
  it('is the pinned version', async () => {
    const { readFile } = await import('node:fs/promises');
    const manifest = JSON.parse(
      await readFile(new URL('../node_modules/conformance-next/package.json', import.meta.url), 'utf8'),
    ) as { name: string; version: string };
    expect(manifest).toMatchObject({ name: '@modelcontextprotocol/conformance', version: SUITE_VERSION });
  });

  it('passes every scenario with the in-memory store', { timeout: RUN_TIMEOUT_MS + 30_000 }, async () => {
    await using server = await startTestServer({ MCS_TOOL_PACKS: 'conformance' });
    expectImplementedPass(await runSuite(`${server.origin}/mcp`));
  });

  it('passes every scenario with Redis', { timeout: RUN_TIMEOUT_MS + 30_000 }, async () => {
    await using redis = await startRedisServer();
    await using server = await startTestServer({ MCS_TOOL_PACKS: 'conformance', REDIS_URL: redis.url });
    expectImplementedPass(await runSuite(`${server.origin}/mcp`));
  });
});
