// A call still running when the shutdown drain runs out must get an answer a client knows what to do
// with: 503, `Retry-After` and a JSON-RPC error for its id, not the SDK's bare 499 with no body.
// Runs the built server (`node dist/main.js`) and stops it with a real SIGTERM.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { getFreePort, waitFor } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { JSON_AND_SSE } from './helpers/raw-mcp.js';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const TSC = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
const MODERN = '2026-07-28';
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'cutoff-test', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

function build(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [TSC, '-p', 'tsconfig.build.json'], { cwd: APP_DIR, timeout: 120_000 }, (error, out) =>
      error ? reject(new Error(`build failed: ${out}`, { cause: error })) : resolve(),
    );
  });
}

/** An upstream for the `service` tool that never answers: every call through it stays in flight. */
async function startSilentUpstream() {
  const held: ServerResponse[] = [];
  const server = createServer((_request, response) => void held.push(response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    holding: () => held.length,
    [Symbol.asyncDispose]: close,
  };
}

async function startServerProcess(env: Record<string, string>) {
  const port = await getFreePort();
  const child: ChildProcess = spawn(process.execPath, ['dist/main.js'], {
    cwd: APP_DIR,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      MCS_AUTH: 'off',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const origin = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${origin}/healthz`)).ok, { timeoutMs: 15_000, what: 'the server' });
  return {
    origin,
    child,
    output,
    exited,
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

describe('a call cut off by the shutdown timeout', () => {
  it('gets 503 with Retry-After and a JSON-RPC error for its id (2026-07-28, built server, SIGTERM)', {
    timeout: 120_000,
  }, async () => {
    await build();
    await using upstream = await startSilentUpstream();
    await using server = await startServerProcess({
      MCS_SERVICE_BASE_URL: upstream.url,
      // 2026-07-28 requests get half of it, then they are cut off.
      MCS_SHUTDOWN_TIMEOUT_MS: '1000',
      MCS_SSE_RETRY_MS: '2500',
    });
    const call = fetch(`${server.origin}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: JSON_AND_SSE,
        'mcp-protocol-version': MODERN,
        'mcp-method': 'tools/call',
        'mcp-name': 'service',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 'call-7',
        method: 'tools/call',
        params: { name: 'service', arguments: { path: '/never' }, _meta: ENVELOPE },
      }),
    });
    await waitFor(() => upstream.holding() === 1, { what: 'the call at the upstream' });
    server.child.kill('SIGTERM');

    const response = await call;
    expect(response.status).toBe(503);
    // MCS_SSE_RETRY_MS, the server's one retry hint, in whole seconds.
    expect(response.headers.get('retry-after')).toBe('3');
    expect(response.headers.get('content-type')).toContain('application/json');
    const body = (await response.json()) as { id: unknown; error?: { code: unknown; message: unknown } };
    expect(body.id).toBe('call-7');
    expect(body.error?.code).toBe(-32603);
    expect(String(body.error?.message)).toMatch(/shutting down.*retry/i);
    const [code] = await server.exited;
    expect(code, server.output.join('')).toBe(0);
  });
});
