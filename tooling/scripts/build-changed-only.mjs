// `node tooling/scripts/build-changed-only.mjs [tsconfig.build.json]`, run in a package's folder: what
// `tsc -p tsconfig.build.json` does, except that a file whose content is unchanged is not written again.
// For tests that build an app before starting it. The root test command has already built everything,
// and `tsc` rewrote the whole dist/ while other tests read it: a pnpm pack or deploy, a process starting
// from it, the dev stack's `node --watch-path=dist` restarting. Diagnostics go to stdout as tsc prints
// them; the exit code is 1 when there are errors.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const configFile = process.argv[2] ?? 'tsconfig.build.json';
const ts = createRequire(join(process.cwd(), 'package.json'))('typescript');

const formatHost = {
  getCanonicalFileName: (file) => file,
  getCurrentDirectory: () => ts.sys.getCurrentDirectory(),
  getNewLine: () => ts.sys.newLine,
};
const report = (diagnostics) => {
  if (diagnostics.length > 0) process.stdout.write(ts.formatDiagnostics(diagnostics, formatHost));
};

const config = ts.getParsedCommandLineOfConfigFile(
  configFile,
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      report([diagnostic]);
      process.exit(1);
    },
  },
);
if (config.errors.length > 0) {
  report(config.errors);
  process.exit(1);
}
const host = ts.createCompilerHost(config.options);
const writeFile = host.writeFile;
host.writeFile = (file, data, writeByteOrderMark, ...rest) => {
  try {
    if (readFileSync(file, 'utf8') === (writeByteOrderMark ? `\uFEFF${data}` : data)) return;
  } catch {
    // not there yet
  }
  writeFile(file, data, writeByteOrderMark, ...rest);
};
const program = ts.createProgram({
  rootNames: config.fileNames,
  options: config.options,
  projectReferences: config.projectReferences,
  host,
});
const emitted = program.emit();
const diagnostics = ts.sortAndDeduplicateDiagnostics([...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics]);
report(diagnostics);
process.exit(diagnostics.some((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error) ? 1 : 0);
