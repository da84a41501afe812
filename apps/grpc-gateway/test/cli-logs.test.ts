// The built `mcs-grpc-gateway` bin logs pretty lines (pino-pretty) when stdout is a terminal, as under
// `./mcs dev`, and JSON lines otherwise (pipes, files, containers, log collectors). The terminal is a
// real pseudo-terminal (spawnInTerminal: util-linux `script`).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFreePort, spawnInTerminal, waitFor } from '@mcs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dist = join(import.meta.dirname, '..', 'dist');
const main = join(dist, 'main.js');
let dir: string;
let config: string;

beforeAll(async () => {
  if (!existsSync(join(dist, 'logger.js'))) {
    throw new Error('build the gateway first: pnpm --filter @mcs/grpc-gateway build (the root pnpm test does)');
  }
  dir = await mkdtemp(join(tmpdir(), 'mcs-gateway-logs-'));
  config = join(dir, 'gateway.json');
  await writeFile(config, JSON.stringify({ auth: { mode: 'off' }, logLevel: 'info' }));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Stops the gateway (SIGTERM to its `pid`; SIGKILL to `child` after 10 s) and resolves with the exit code. */
async function stop(child: ChildProcess, pid: number): Promise<number | null> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    process.kill(pid, 'SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  return child.exitCode;
}

describe('mcs-grpc-gateway log format', () => {
  it('is pretty on a terminal: colored level, time, message; no JSON lines', async () => {
    const port = await getFreePort();
    const gateway = spawnInTerminal(process.execPath, [main, '--config', config], {
      env: { ...process.env, GRPC_PORT: String(port), NODE_ENV: 'development' },
    });
    const pid = await gateway.pid();
    try {
      await waitFor(() => gateway.output().includes('grpc-gateway listening'), {
        what: 'the listening line',
        timeoutMs: 20_000,
      });
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the colors are ANSI escapes
      const plain = gateway.output().replace(/\u001b\[[0-9;]*m/g, '');
      expect(plain).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: grpc-gateway listening\r?$/m);
      expect(plain).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] WARN: auth\.mode is "off"/m);
      expect(gateway.output()).toContain('\u001b[');
      expect(plain).not.toContain('{"level"');
    } finally {
      expect(await stop(gateway.child, pid), gateway.output()).toBe(0);
    }
    expect(gateway.output()).toContain('grpc-gateway stopped');
  });

  it('is one JSON object per line when stdout is not a terminal', async () => {
    const port = await getFreePort();
    const child = spawn(process.execPath, [main, '--config', config], {
      env: { ...process.env, GRPC_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    try {
      await waitFor(() => output.includes('grpc-gateway listening'), { what: 'the listening line', timeoutMs: 20_000 });
    } finally {
      expect(await stop(child, child.pid ?? 0), output).toBe(0);
    }
    const lines = output
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { level: number; msg: string; service: string });
    expect(lines.map(({ msg }) => msg)).toEqual(
      expect.arrayContaining(['starting grpc-gateway', 'grpc-gateway listening', 'grpc-gateway stopped']),
    );
    expect(new Set(lines.map(({ service }) => service))).toEqual(new Set(['mcs-grpc-gateway']));
  });
});
