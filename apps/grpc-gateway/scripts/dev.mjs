#!/usr/bin/env node
// `pnpm dev` (and `turbo run dev`): the gateway with infra/config/grpc-gateway.dev.json, authorization ON:
// it verifies tokens of the dev http-mcp-server's authorization server (its JWKS, issuer and /mcp
// audience). Backends: server-everything over stdio, the http-mcp-server over Streamable HTTP with a
// token of the development user (signed in once at start through the code flow, tooling/toolchain/
// dev-auth.mjs), and the native tools. With REDIS_URL it also reads the server's revocation list.
// The config actually run (token inside) is written to .toolchain/dev/grpc-gateway.json (git-ignored).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  devAuthOrigin,
  devCredentials,
  devDir,
  devLogin,
  isDevAuthError,
  waitForAuthServer,
} from '../../../tooling/toolchain/dev-auth.mjs';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const baseFile = resolve(appDir, '../../infra/config/grpc-gateway.dev.json');
const say = (line) => process.stdout.write(`mcs-grpc-gateway (dev): ${line}\n`);

let child;
let stopping = false;
const waiting = new AbortController();
// Ctrl-C reaches every process of the task's group (turbo signals the group too), the gateway included;
// it is sent SIGTERM, not the same signal again: it handles each of SIGINT and SIGTERM once, and a second
// SIGINT would kill it before it has drained its calls and closed server-everything.
const stop = () => {
  if (stopping) return;
  stopping = true;
  waiting.abort();
  child?.kill('SIGTERM');
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stop);

const config = JSON.parse(readFileSync(baseFile, 'utf8'));
// Paths in the file are relative to its folder; the written copy lives elsewhere.
for (const backend of Object.values(config.backends)) {
  if (backend.cwd !== undefined) backend.cwd = resolve(dirname(baseFile), backend.cwd);
}
const origin = devAuthOrigin();
const authOn = (process.env.MCS_AUTH ?? 'on') === 'on';
if (authOn) {
  config.auth = { ...config.auth, jwksUri: `${origin}/jwks.json`, issuer: origin, audience: `${origin}/mcp` };
  if (process.env.REDIS_URL) config.auth.revocation = { redisUrl: process.env.REDIS_URL };
} else {
  config.auth = { mode: 'off' };
}
config.backends.mcs.url = `${origin}/mcp`;
// GRPC_HOST / GRPC_PORT move the gateway itself (the gateway reads them); METRICS_PORT its /metrics.
if (process.env.METRICS_PORT) config.metrics = { ...config.metrics, port: Number(process.env.METRICS_PORT) };

try {
  // The http-mcp-server starts at the same moment: wait for it, so the "mcs" backend connects at once.
  say(`waiting for the ${authOn ? 'authorization server' : 'http-mcp-server'} at ${origin} ...`);
  await waitForAuthServer(origin, { signal: waiting.signal, ...(authOn ? {} : { path: '/healthz' }) });
  if (authOn) {
    const tokens = await devLogin(origin, devCredentials(), { clientName: 'mcs-grpc-gateway (dev)' });
    config.backends.mcs.bearerToken = tokens.access_token;
    say(`signed in as the development user; the "mcs" backend's token lasts ${tokens.expires_in} s`);
  }
} catch (error) {
  if (stopping) process.exit(0);
  if (!isDevAuthError(error)) throw error;
  say(`error: ${error.message}`);
  process.exit(1);
}

if (stopping) process.exit(0);
const file = join(devDir, 'grpc-gateway.json');
mkdirSync(devDir, { recursive: true, mode: 0o700 });
writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
say(
  `${process.env.GRPC_HOST || config.host}:${process.env.GRPC_PORT || config.port}  auth=${config.auth.mode}${authOn ? ` (issuer ${origin})` : ''}  backends: ${Object.keys(config.backends).join(', ')}, native`,
);
if (authOn) say('call it with a token from ./mcs token (README.md: "Calling each part of the dev stack")');
child = spawn(process.execPath, ['dist/main.js', '--config', file], { cwd: appDir, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
