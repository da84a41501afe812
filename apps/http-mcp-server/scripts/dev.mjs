#!/usr/bin/env node
// `pnpm dev` (and `turbo run dev`): the server on 127.0.0.1:3000 with the in-memory store and
// MCS_AUTH=off unless the environment says otherwise; TypeScript rebuilds on change and node
// restarts on a new build.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const env = {
  ...process.env,
  HOST: process.env.HOST ?? '127.0.0.1',
  PORT: process.env.PORT ?? '3000',
  MCS_AUTH: process.env.MCS_AUTH ?? 'off',
};
const tsc = require.resolve('typescript/bin/tsc');
const children = [
  spawn(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--watch', '--preserveWatchOutput'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  }),
  spawn(process.execPath, ['--watch-path=dist', 'dist/main.js'], { stdio: 'inherit', env }),
];
process.stdout.write(
  `mcs-http-mcp-server (dev): http://${env.HOST}:${env.PORT}/mcp  store=${env.REDIS_URL ? 'redis' : 'memory'}  MCS_AUTH=${env.MCS_AUTH}\n`,
);

let stopping = false;
const stop = (signal) => {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill(signal);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const child of children) {
  child.on('exit', (code) => {
    if (!stopping) {
      stop('SIGTERM');
      process.exitCode = code ?? 1;
    }
  });
}
