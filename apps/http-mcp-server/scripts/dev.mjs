#!/usr/bin/env node
// `pnpm dev` (and `turbo run dev`): the server on 127.0.0.1:3000 with authorization ON, as in
// production: its own OAuth authorization server with one development user and a signing key kept in
// .toolchain/dev/credentials.json (tooling/toolchain/dev-auth.mjs; both printed/used by `./mcs token`).
// In-memory store unless REDIS_URL is set. The environment wins over every default here (MCS_AUTH=off
// turns authorization off). TypeScript rebuilds on change and node restarts on a new build.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { credentialsFile, devAuthOrigin, devCredentials } from '../../../tooling/toolchain/dev-auth.mjs';

const require = createRequire(import.meta.url);
const credentials = devCredentials();
const hashed = spawnSync(process.execPath, ['dist/main.js', 'hash-password'], {
  input: credentials.password,
  encoding: 'utf8',
  timeout: 30_000,
});
if (hashed.status !== 0) {
  process.stderr.write(`mcs-http-mcp-server (dev): hash-password failed: ${hashed.stderr || hashed.error?.message}\n`);
  process.exit(1);
}
const env = {
  ...process.env,
  HOST: process.env.HOST ?? '127.0.0.1',
  PORT: process.env.PORT ?? '3000',
  MCS_AUTH: process.env.MCS_AUTH ?? 'on',
  MCS_USERS:
    process.env.MCS_USERS ??
    (process.env.MCS_USERS_FILE ? undefined : JSON.stringify({ [credentials.user]: hashed.stdout.trim() })),
  MCS_SIGNING_KEYS: process.env.MCS_SIGNING_KEYS ?? JSON.stringify(credentials.signingKey),
  // The gateway's backend token is taken once at its start; 12 h lets a working day pass without a restart.
  MCS_ACCESS_TOKEN_TTL_S: process.env.MCS_ACCESS_TOKEN_TTL_S ?? '43200',
};
const origin = devAuthOrigin(env);
const ts = require('typescript');
// TypeScript's watch mode in this process, writing through a file system that leaves a file alone when
// its new content is the same: `tsc --watch` rewrote all of dist/ at every start, so node --watch-path
// restarted the server for nothing and anything reading dist/ meanwhile (a test's pnpm pack or deploy,
// another app) could read a half-written file. The server starts after the first pass.
const system = {
  ...ts.sys,
  writeFile(path, data, writeByteOrderMark) {
    try {
      if (readFileSync(path, 'utf8') === (writeByteOrderMark ? `\uFEFF${data}` : data)) return;
    } catch {
      // not there yet
    }
    ts.sys.writeFile(path, data, writeByteOrderMark);
  },
};
const formatHost = {
  getCanonicalFileName: (file) => file,
  getCurrentDirectory: () => ts.sys.getCurrentDirectory(),
  getNewLine: () => ts.sys.newLine,
};
const children = [];
let stopping = false;
let watchProgram;
const startServer = () => {
  if (stopping || children.length > 0) return;
  // Its own process group: Ctrl-C reaches this script's group (turbo signals it too), and node --watch
  // forwards every signal it gets to the server. In the same group the server got SIGINT directly, SIGINT
  // again from node --watch and then the SIGTERM sent below: it takes a second signal for "exit now" and
  // stopped without draining (no "stopped" line). Here it gets exactly one: the SIGTERM, through node --watch.
  const server = spawn(process.execPath, ['--watch-path=dist', 'dist/main.js'], {
    stdio: 'inherit',
    env,
    detached: true,
  });
  children.push(server);
  watchExit(server);
};
const lines = [
  `mcs-http-mcp-server (dev): ${origin}/mcp  store=${env.REDIS_URL ? 'redis' : 'memory'}  MCS_AUTH=${env.MCS_AUTH}`,
];
if (env.MCS_AUTH === 'on' && process.env.MCS_USERS === undefined && process.env.MCS_USERS_FILE === undefined) {
  lines.push(
    `  authorization server: ${origin} (metadata: ${origin}/.well-known/oauth-authorization-server)`,
    `  development user: ${credentials.user}  password: ${credentials.password}   (kept in ${credentialsFile}; delete it for new ones)`,
    '  access token for gRPC/HTTP clients: ./mcs token   (Authorization: Bearer <token>)',
  );
}
process.stdout.write(`${lines.join('\n')}\n`);

// Ctrl-C reaches this script's group (turbo signals the group too); the server, in its own group, is
// sent SIGTERM once (through node --watch, which forwards it).
const stop = () => {
  if (stopping) return;
  stopping = true;
  watchProgram?.close();
  for (const child of children) child.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.on('SIGHUP', stop);
function watchExit(child) {
  child.on('exit', (code) => {
    if (!stopping) {
      stop();
      process.exitCode = code ?? 1;
    }
  });
}
// The first pass runs here, synchronously, once the lines above are printed and Ctrl-C is handled.
watchProgram = ts.createWatchProgram(
  ts.createWatchCompilerHost(
    'tsconfig.build.json',
    {},
    system,
    ts.createEmitAndSemanticDiagnosticsBuilderProgram,
    (diagnostic) => process.stderr.write(ts.formatDiagnosticsWithColorAndContext([diagnostic], formatHost)),
    (diagnostic, _newLine, _options, errorCount) => {
      // 6193 / 6194: "Found 1 error" / "Found N errors. Watching for file changes.": a pass ended.
      if (diagnostic.code !== 6193 && diagnostic.code !== 6194) return;
      if (errorCount) process.stderr.write(`${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}\n`);
      startServer();
    },
  ),
);
