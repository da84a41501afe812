#!/usr/bin/env node
// Process entry of the `mcs-chat` bin; everything else lives in cli.ts so it gets its process as a value.
import { runCli } from './cli.js';

const code = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  onSignal(listener) {
    process.on('SIGINT', listener);
    process.on('SIGTERM', listener);
    return () => {
      process.removeListener('SIGINT', listener);
      process.removeListener('SIGTERM', listener);
    };
  },
});
// Everything is closed by now; stdin (the REPL's) would keep the process alive otherwise.
process.exit(code);
