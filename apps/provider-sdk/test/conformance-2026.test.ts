// The official conformance suite's next line against the pool: `@modelcontextprotocol/conformance`
// 0.2.0-alpha.12 (devDependency alias `conformance-next`, beside 0.1.16 of conformance.test.ts),
// `client` scenarios through the same driver (test/conformance/client.mjs, the built package). The
// pool speaks revision 2026-07-28 (`protocol: auto` on HTTP: `server/discover`, the per-request
// `_meta` envelope, `Mcp-*` headers, input-required rounds) and 2025 to the older scenarios. Each
// scenario listed here must pass with every check; the ones not listed are in the README's Limits.
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createSuiteRunner } from './conformance/suite-runner.js';

const SUITE_VERSION = '0.2.0-alpha.12';
const cli = fileURLToPath(new URL('../node_modules/conformance-next/dist/index.js', import.meta.url));
const RUN_TIMEOUT_MS = 60_000;

/** Every client scenario of the alpha with checks: the pool passes all 48 in full (the sep-2640 ones through `listSkills` / `readSkill`). */
const IMPLEMENTED = [
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
  'auth/authorization-server-migration',
  'auth/iss-supported',
  'auth/iss-not-advertised',
  'auth/iss-supported-missing',
  'auth/iss-wrong-issuer',
  'auth/iss-unexpected',
  'auth/iss-normalized',
  'auth/metadata-issuer-mismatch',
  'auth/client-credentials-jwt',
  'auth/client-credentials-basic',
  'auth/enterprise-managed-authorization',
  'auth/dpop',
  'auth/dpop-nonce',
  'auth/wif-jwt-bearer',
  'request-metadata',
  'sep-2322-client-request-state',
  'http-standard-headers',
  'http-custom-headers',
  'http-invalid-tool-headers',
  'json-schema-ref-no-deref',
  'json-schema-2020-12-preservation',
  'sep-2640-client-no-prefetch',
  'sep-2640-client-verify-digest',
  'sep-2640-client-verify-size',
  'sep-2640-client-verify-frontmatter',
] as const;

/** Skills scenarios serving a tampered SKILL.md: the pool must refuse it, and say why. */
const REFUSED_SKILL = {
  'sep-2640-client-verify-digest': 'digest',
  'sep-2640-client-verify-size': 'size',
  'sep-2640-client-verify-frontmatter': 'frontmatter',
} as Record<string, string>;

const { runCli, runScenario } = createSuiteRunner({
  cli,
  timeoutMs: RUN_TIMEOUT_MS,
  folderPrefix: 'mcs-provider-sdk-conformance-next-',
});

describe(`official MCP conformance suite ${SUITE_VERSION} (client scenarios)`, { concurrent: true }, () => {
  it('is the pinned alpha', async () => {
    const { output } = await runCli(['--version'], tmpdir());
    expect(output.trim()).toContain(SUITE_VERSION);
  });

  // `list --client` prints the scenarios of `client --suite all`: none of them may be left out here.
  it('the suite lists exactly the client scenarios run here', { timeout: RUN_TIMEOUT_MS }, async () => {
    const { output } = await runCli(['list', '--client'], tmpdir());
    const listed = [...output.matchAll(/^\s+- (\S+)/gm)].map((match) => match[1]);
    expect(listed.sort()).toEqual([...IMPLEMENTED].sort());
  });

  it.each(IMPLEMENTED.filter((scenario) => scenario !== 'sse-retry'))(
    '%s: every check passes',
    { timeout: RUN_TIMEOUT_MS + 10_000 },
    async (scenario) => {
      const { exitCode, output } = await runScenario(scenario);
      const [, passed, total] = output.match(/Passed: (\d+)\/(\d+), (\d+) failed, (\d+) warnings/) ?? [];
      expect(Number(total)).toBeGreaterThan(0);
      expect(output).toMatch(/Passed: (\d+)\/\1, 0 failed, 0 warnings/);
      expect(passed).toBe(total);
      expect(output).toContain('OVERALL: PASSED');
      // resource-mismatch must end in the client's refusal (the suite allows that exit code).
      if (scenario !== 'auth/resource-mismatch') expect(exitCode).toBe(0);
      const reason = REFUSED_SKILL[scenario];
      if (reason) expect(output).toContain(`failed verification (${reason}) and was not loaded`);
    },
  );

  // Its timing check compares the reconnect delay with the server's `retry: 500` on the wall clock:
  // a warning (a loaded machine) is accepted, and one more run for a stall past 1 s.
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
