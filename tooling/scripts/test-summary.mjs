// Reads Vitest's JSON report and prints one plain line, "N passed, N failed[, N skipped]".
// Exits 1 when a test failed, a test file failed to load, or no test ran at all.
// Plain JavaScript: CI may run it with the machine's own (older) Node.
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'reports/vitest.json';
if (!existsSync(file)) {
  console.log('0 passed, 0 failed');
  console.error(`[summary] no test report at ${file}: the test run did not get as far as running tests`);
  process.exit(1);
}

const report = JSON.parse(readFileSync(file, 'utf8'));
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
// A file that fails to import counts no test as failed, so count broken suites separately.
const brokenFiles = (report.testResults ?? []).filter(
  (result) => result.status === 'failed' && (result.assertionResults ?? []).every((a) => a.status !== 'failed'),
);
for (const result of brokenFiles) {
  console.error(`[summary] test file failed to run: ${result.name}\n${String(result.message ?? '').slice(0, 2000)}`);
}

console.log(`${passed} passed, ${failed + brokenFiles.length} failed${skipped ? `, ${skipped} skipped` : ''}`);
if (failed > 0 || brokenFiles.length > 0) process.exit(1);
if (passed === 0) {
  console.error('[summary] no test ran');
  process.exit(1);
}
