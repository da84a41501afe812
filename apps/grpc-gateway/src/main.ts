#!/usr/bin/env node
// Process entry of the `mcs-grpc-gateway` bin; everything else lives in cli.ts so tests can drive it.
import { runCli } from './cli.js';

await runCli(process.argv.slice(2), {
  env: process.env,
  once: (signal, listener) => process.once(signal, listener),
  exit: (code) => process.exit(code),
  error: (message) => console.error(message),
  print: (message) => console.log(message),
  stdoutIsTTY: process.stdout.isTTY === true,
});
