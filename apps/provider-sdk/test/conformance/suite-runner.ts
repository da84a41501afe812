// Runs one installed copy of the official conformance CLI (0.1.16, or the alpha beside it) against
// the pool's driver (client.mjs next to this file, on the built package), one scenario per process.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SuiteRun {
  exitCode: number;
  output: string;
}

export interface SuiteRunner {
  /** The CLI with these arguments in `cwd` (stdout and stderr together), bounded by `timeoutMs`. */
  runCli(args: string[], cwd: string): Promise<SuiteRun>;
  /** One client scenario in a fresh folder; a failed run's output tail goes to stderr. */
  runScenario(scenario: string): Promise<SuiteRun>;
}

const client = fileURLToPath(new URL('./client.mjs', import.meta.url));

export function createSuiteRunner(options: { cli: string; timeoutMs: number; folderPrefix: string }): SuiteRunner {
  const runCli = (args: string[], cwd: string) =>
    new Promise<SuiteRun>((resolve) => {
      execFile(
        process.execPath,
        [options.cli, ...args],
        { cwd, timeout: options.timeoutMs, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) =>
          resolve({
            exitCode: error ? (typeof error.code === 'number' ? error.code : -1) : 0,
            output: `${stdout}\n${stderr}`,
          }),
      );
    });
  // The suite gives a client 30 s by default; on a loaded 2-core CI machine five client processes
  // starting at once took longer than that (auth scenarios timed out after every request was
  // answered), so the client gets what the run has, less 10 s for the suite's own report.
  const clientTimeoutMs = String(options.timeoutMs - 10_000);
  return {
    runCli,
    async runScenario(scenario) {
      const cwd = await mkdtemp(join(tmpdir(), options.folderPrefix));
      try {
        const result = await runCli(
          [
            'client',
            '--command',
            `"${process.execPath}" "${client}"`,
            '--scenario',
            scenario,
            '--timeout',
            clientTimeoutMs,
          ],
          cwd,
        );
        if (result.exitCode !== 0) process.stderr.write(`--- ${scenario}\n${result.output.slice(-6000)}\n`);
        return result;
      } finally {
        await rm(cwd, { recursive: true, force: true });
      }
    },
  };
}
