// Prestarted stdio processes (src/transports/stdio-spawn.ts): a backend connection whose spawn would
// be exactly a prestarted one's takes that process (same pid, it serves the session); any other
// spec, or a prestarted process that already exited, gets a fresh spawn; one nobody takes is
// stopped after its claim window. Against server-everything over stdio.
import { readdirSync, readFileSync } from 'node:fs';
import { waitFor } from '@mcs/test-utils';
import { getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { type BackendConnection, createBackendConnection } from '../src/index.js';
import { prestartedStdioProcessCount, prestartStdioProcess, stdioEnvironment } from '../src/stdio-prestart.js';
import { claimPrestartedStdioProcess } from '../src/transports/stdio-spawn.js';
import { everythingStdio, fastSupervision, isAlive, textOf } from './helpers.js';

/** The pid of a live process whose command line (or environment) holds `text`. */
function processWith(text: string, file: 'cmdline' | 'environ' = 'cmdline'): number | undefined {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .find((pid) => {
      try {
        return readFileSync(`/proc/${pid}/${file}`, 'utf8').includes(text) && isAlive(pid);
      } catch {
        return false;
      }
    });
}

describe.runIf(process.platform === 'linux')('prestarted stdio processes', () => {
  const opened: BackendConnection[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((connection) => connection.close()));
  });
  const open = (config: ReturnType<typeof everythingStdio> & { env?: Record<string, string> }) => {
    const connection = createBackendConnection('everything', config, { supervision: fastSupervision });
    opened.push(connection);
    return connection;
  };

  it("stdioEnvironment is the SDK's default environment with the backend's env over it", () => {
    expect(stdioEnvironment({ EXTRA: '1' })).toEqual({ ...getDefaultEnvironment(), EXTRA: '1' });
    expect(stdioEnvironment({}, { PATH: '/bin', HOME: '() { evil; }', SECRET: 'x' })).toEqual({ PATH: '/bin' });
  });

  it('a connection with the same command, args, env and cwd takes the prestarted process, which serves it', async () => {
    const config = { ...everythingStdio(), env: { MCS_PRESTART_TEST: 'same' } };
    prestartStdioProcess({ command: config.command, args: config.args, env: stdioEnvironment(config.env) });
    expect(prestartedStdioProcessCount()).toBe(1);
    const early = await waitFor(() => processWith('MCS_PRESTART_TEST=same', 'environ'), {
      timeoutMs: 10_000,
      what: 'the prestarted process',
    });
    const connection = open(config);
    await connection.connect();
    expect(prestartedStdioProcessCount()).toBe(0);
    // The very process started early serves the session.
    expect(connection.pid).toBe(early);
    expect(textOf(await connection.callTool('echo', { message: 'early' }))).toBe('Echo: early');
    const pid = connection.pid;
    expect(pid).toBeDefined();
    // The process's environment shows it is the one prestarted with that env, not a second spawn.
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).toContain('MCS_PRESTART_TEST=same');
  });

  it('a different spec is not taken: the connection spawns its own; the unclaimed one is stopped after its window', async () => {
    const other = prestartStdioProcess(
      { command: process.execPath, args: everythingStdio().args, env: stdioEnvironment({ OTHER: '1' }) },
      1_500,
    );
    const connection = open(everythingStdio());
    await connection.connect();
    expect(connection.pid).toBeDefined();
    expect(connection.pid).not.toBe(other.pid);
    expect(textOf(await connection.callTool('echo', { message: 'own' }))).toBe('Echo: own');
    await waitFor(() => (prestartedStdioProcessCount() === 0 && !isAlive(other.pid ?? 0) ? true : undefined), {
      timeoutMs: 10_000,
      what: 'the unclaimed process to be stopped',
    });
  });

  it('a prestarted process that exited before it was claimed is not taken', async () => {
    const spec = { command: process.execPath, args: ['-e', 'process.exit(3)'], env: stdioEnvironment({}) };
    const child = prestartStdioProcess(spec);
    await new Promise((resolve) => child.once('exit', resolve));
    expect(claimPrestartedStdioProcess(spec)).toBeUndefined();
    expect(prestartedStdioProcessCount()).toBe(0);
  });

  it('an unclaimed process is killed when its window ends', async () => {
    const spec = { command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], env: stdioEnvironment({}) };
    const child = prestartStdioProcess(spec, 300);
    const [, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('exit', (code, how) => resolve([code, how])),
    );
    expect(signal).toBe('SIGKILL');
    expect(prestartedStdioProcessCount()).toBe(0);
  });
});
