// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the config's own ${VAR} syntax
// The config's stdio servers start before the chat's modules load (src/prestart-servers.ts), and the
// pool takes those processes: one process per server, started before the MCP client is even loaded,
// serving the chat. A config entry with something to fill in, or MCS_CHAT_PRESTART=off, is spawned
// by the pool as before; a run that ends early (a usage error) leaves no server behind. The spawns
// and module loads are traced in order by a preload (test/fixtures/trace-spawns.mjs).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { childProcesses, everythingEntry, isAlive, startCli } from './cli-process.js';
import { useScriptedChat } from './scripted-chat.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const TRACE = fileURLToPath(new URL('./fixtures/trace-spawns.mjs', import.meta.url));
const STUBBORN = fileURLToPath(new URL('./fixtures/stubborn-server.mjs', import.meta.url));

const chat = useScriptedChat(undefined);

interface Trace {
  code: number;
  stdout: string;
  /** Spawns of server-everything: their index among the trace's lines. */
  serverSpawns: number[];
  /** Index of the first module of the MCP client SDK loaded. */
  mcpClientLoaded: number;
  pids: number[];
  stderr: string;
}

async function traced(args: string[], config: Record<string, unknown>, env: Record<string, string> = {}) {
  await chat.dir.write('config.json', config);
  const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', TRACE, MAIN, ...args],
      { cwd: chat.dir.path, env: chat.env(env), timeout: 60_000 },
      (error, out, err) => resolve({ stdout: out, stderr: err, code: error ? Number(error.code ?? 1) : 0 }),
    );
    child.stdin?.end('/tools\n');
  });
  const lines = stderr.split('\n');
  const trace: Trace = {
    code,
    stdout,
    stderr,
    serverSpawns: lines.flatMap((line, index) =>
      line.startsWith('spawn: ') && line.includes(everythingEntry) ? [index] : [],
    ),
    mcpClientLoaded: lines.findIndex(
      (line) => line.startsWith('loaded: ') && line.includes('@modelcontextprotocol/client'),
    ),
    pids: lines.filter((line) => line.startsWith('spawned-pid: ')).map((line) => Number(line.slice(13))),
  };
  return trace;
}

const stdio = (args: string[]) => ({ transport: 'stdio', command: process.execPath, args });

describe('stdio servers started early', () => {
  it('each server is spawned once, before the MCP client loads, and that process serves the chat', async () => {
    const trace = await traced(['-i'], {
      mcp: { backends: { one: stdio([everythingEntry, 'stdio']), two: stdio([everythingEntry, 'stdio']) } },
    });
    expect(trace.code).toBe(0);
    expect(trace.stdout).toContain('one.get-sum');
    expect(trace.stdout).toContain('two.get-sum');
    expect(trace.serverSpawns).toHaveLength(2);
    expect(trace.mcpClientLoaded).toBeGreaterThan(-1);
    for (const at of trace.serverSpawns) expect(at).toBeLessThan(trace.mcpClientLoaded);
  });

  it('an entry with a ${VAR} to fill, and MCS_CHAT_PRESTART=off, are spawned by the pool as before (once)', async () => {
    const filled = await traced(
      ['-i'],
      { mcp: { backends: { one: stdio(['${EVERYTHING_ENTRY}', 'stdio']) } } },
      {
        EVERYTHING_ENTRY: everythingEntry,
      },
    );
    expect(filled.stdout).toContain('one.get-sum');
    expect(filled.serverSpawns).toHaveLength(1);
    expect(filled.serverSpawns[0]).toBeGreaterThan(filled.mcpClientLoaded);

    const off = await traced(
      ['-i'],
      { mcp: { backends: { one: stdio([everythingEntry, 'stdio']) } } },
      {
        MCS_CHAT_PRESTART: 'off',
      },
    );
    expect(off.stdout).toContain('one.get-sum');
    expect(off.serverSpawns).toHaveLength(1);
    expect(off.serverSpawns[0]).toBeGreaterThan(off.mcpClientLoaded);
  });

  it('a run that fails before it connects (no model key for -p) leaves no early server behind', async () => {
    const trace = await traced(
      ['-p', 'hi'],
      { mcp: { backends: { one: stdio([everythingEntry, 'stdio']) } } },
      {
        OPENAI_API_KEY: '',
      },
    );
    expect(trace.code).toBe(2);
    expect(trace.serverSpawns).toHaveLength(1);
    expect(trace.pids).toHaveLength(1);
    await waitFor(() => (trace.pids.every((pid) => !isAlive(pid)) ? true : undefined), {
      timeoutMs: 10_000,
      what: 'the early server to be gone',
    });
  });

  it('Ctrl-C (SIGINT) or SIGTERM before the chat is up stops its servers, also one that outlives its stdin', async () => {
    // The servers run in process groups of their own (a terminal's Ctrl-C does not reach them): a
    // chat dying of the signal while its modules load or its servers connect left them running.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const pidFile = join(chat.dir.path, `stubborn-${signal}.pid`);
      await chat.dir.write('config.json', { mcp: { backends: { stubborn: stdio([STUBBORN, pidFile]) } } });
      const run = chat.start([]);
      const pid = await waitFor(async () => Number(await readFile(pidFile, 'utf8').catch(() => '')) || undefined, {
        timeoutMs: 30_000,
        what: 'the server to write its pid',
      });
      try {
        run.child.kill(signal);
        const code = await run.exited();
        expect(code === 130 || code === 143 || run.child.signalCode !== null, `${signal}: ${code}`).toBe(true);
        await waitFor(() => (isAlive(pid) ? undefined : true), {
          timeoutMs: 10_000,
          what: `the server to be stopped after ${signal} (pid ${pid})`,
        });
      } finally {
        if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      }
    }
  });

  it('an early server the pool does not take (a .env changed its environment since) is stopped once the servers connect', async () => {
    await chat.dir.write('config.json', { mcp: { backends: { one: stdio([everythingEntry, 'stdio']) } } });
    // LOGNAME is passed to stdio servers: set by the .env (read after the early start), the pool's
    // process gets another environment than the early one, which it therefore does not take.
    await chat.dir.write('.env', 'LOGNAME=mcs-chat-prestart-test\n');
    const { LOGNAME: _unset, ...env } = chat.env();
    const run = startCli([], { cwd: chat.dir.path, env });
    const servers = () =>
      childProcesses(run.child.pid!)
        .filter((child) => child.cmdline.includes(everythingEntry))
        .map(({ pid }) => pid);
    try {
      run.line('/tools');
      await run.waitForStdout('one.get-sum');
      // The pool's own process serves the chat; the early one is gone (it stayed for 30 s).
      await waitFor(() => (servers().length === 1 ? true : undefined), {
        timeoutMs: 10_000,
        what: `one server process left (now: ${servers().join(', ')})`,
      });
      run.line('/tools');
      await run.waitForStdout('one.get-sum', run.stdout().indexOf('one.get-sum') + 1);
    } finally {
      run.child.stdin?.end();
      await run.exited();
      await chat.dir.write('.env', '');
    }
  });

  it.runIf(process.platform !== 'win32')(
    'a config read from a pipe (--config <(...)) is left to the chat: read once, by it',
    async () => {
      await chat.dir.write('config.json', { mcp: { backends: { one: stdio([everythingEntry, 'stdio']) } } });
      const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number }>(
        (resolve) => {
          const child = execFile(
            'bash',
            ['-c', 'exec "$0" "$1" -i --config <(cat config.json)', process.execPath, MAIN],
            { cwd: chat.dir.path, env: chat.env(), timeout: 60_000 },
            (error, out, err) => resolve({ stdout: out, stderr: err, code: error ? Number(error.code ?? 1) : 0 }),
          );
          child.stdin?.end('/tools\n');
        },
      );
      expect(stderr).not.toContain('not valid JSON');
      expect(code).toBe(0);
      expect(stdout).toContain('one.get-sum');
    },
  );
});
