// The official MCP conformance suite's client scenarios (every one of `client --suite all`),
// driving the pool through test/conformance/client.mjs (the built package, as users get it).
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSuiteRunner } from './conformance/suite-runner.js';

const require = createRequire(import.meta.url);
const cli = join(require.resolve('@modelcontextprotocol/conformance/package.json'), '..', 'dist', 'index.js');
const RUN_TIMEOUT_MS = 60_000;

/** `client --suite all` of 0.1.16, by name; the first test checks the suite still lists exactly these. */
const scenarios = [
  'initialize',
  'tools_call',
  'elicitation-sep1034-client-defaults',
  'sse-retry',
  'auth/metadata-default',
  'auth/metadata-var1',
  'auth/metadata-var2',
  'auth/metadata-var3',
  'auth/basic-cimd',
  'auth/scope-from-www-authenticate',
  'auth/scope-from-scopes-supported',
  'auth/scope-omitted-when-undefined',
  'auth/scope-step-up',
  'auth/scope-retry-limit',
  'auth/token-endpoint-auth-basic',
  'auth/token-endpoint-auth-post',
  'auth/token-endpoint-auth-none',
  'auth/pre-registration',
  'auth/2025-03-26-oauth-metadata-backcompat',
  'auth/2025-03-26-oauth-endpoint-fallback',
  'auth/resource-mismatch',
  'auth/offline-access-scope',
  'auth/offline-access-not-supported',
  'auth/client-credentials-jwt',
  'auth/client-credentials-basic',
  'auth/cross-app-access-complete-flow',
];

const { runCli, runScenario } = createSuiteRunner({
  cli,
  timeoutMs: RUN_TIMEOUT_MS,
  folderPrefix: 'mcs-provider-sdk-conformance-',
});

describe('official MCP conformance suite 0.1.16 (client scenarios)', { concurrent: true }, () => {
  it('the suite lists exactly the client scenarios run here', { timeout: RUN_TIMEOUT_MS }, async () => {
    const { output } = await runCli(['list'], tmpdir());
    const listed = [...output.slice(output.indexOf('Client scenarios')).matchAll(/^\s+- (\S+)/gm)].map(
      (match) => match[1],
    );
    expect(listed).toEqual(scenarios);
  });

  it.each(scenarios.filter((scenario) => scenario !== 'sse-retry'))(
    '%s: every check passes',
    { timeout: RUN_TIMEOUT_MS + 10_000 },
    async (scenario) => {
      const { exitCode, output } = await runScenario(scenario);
      expect(output).toMatch(/Passed: (\d+)\/\1, 0 failed, 0 warnings/);
      expect(output).toContain('OVERALL: PASSED');
      // resource-mismatch must end in the client's refusal (the suite allows that exit code).
      if (scenario !== 'auth/resource-mismatch') expect(exitCode).toBe(0);
    },
  );

  // Its timing check compares the reconnect delay with the server's `retry: 500` on the wall clock:
  // 450-700 ms passes, up to 1 s is a warning, later a failure. A warning (a loaded machine) is
  // accepted; one more run is allowed for a stall past 1 s, which says nothing about the client.
  it('sse-retry: reconnects after the retry delay with Last-Event-ID', {
    timeout: 2 * RUN_TIMEOUT_MS,
    retry: 1,
  }, async () => {
    const { exitCode, output } = await runScenario('sse-retry');
    expect(output).toMatch(/Passed: \d+\/\d+, 0 failed/);
    expect(output).toMatch(/client-sse-graceful-reconnect\s*\]\s*\S*SUCCESS/);
    expect(output).toMatch(/client-sse-last-event-id\s*\]\s*\S*SUCCESS/);
    expect(exitCode).toBe(0);
  });
});
