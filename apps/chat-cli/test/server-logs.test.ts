// --log-level: server-everything's log messages (notifications/message) at that level and above are
// shown, prefixed by the server, on stderr (-p and a piped REPL); logging/setLevel reaches the server
// (seen through a tap in front of it, test/fixtures/stdio-tap.mjs); a bad level is a usage error.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { waitFor } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { everythingEntry } from './cli-process.js';
import { useScriptedChat } from './scripted-chat.js';

const TAP = fileURLToPath(new URL('./fixtures/stdio-tap.mjs', import.meta.url));
/** A small SDK server that does not offer logging (provider-sdk's test fixture). */
const COUNTING = fileURLToPath(new URL('../../provider-sdk/test/fixtures/counting-server.mjs', import.meta.url));
const chat = useScriptedChat(undefined);

type JsonRpc = { id?: number | string; method?: string; params?: Record<string, unknown>; result?: unknown };

/** A fresh tap log per run: what the CLI sent to server-everything. */
async function useTap(name: string): Promise<() => Promise<JsonRpc[]>> {
  await chat.dir.write('config.json', {
    mcpServers: { everything: { command: process.execPath, args: [TAP, name, everythingEntry, 'stdio'] } },
  });
  return async () =>
    (await readFile(join(chat.dir.path, name), 'utf8').catch(() => ''))
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as JsonRpc);
}

const levelsSent = (messages: JsonRpc[]) =>
  messages.filter((m) => m.method === 'logging/setLevel').map((m) => m.params?.level);
/** server-everything's answer to the roots it asked for at start: "Roots updated: …", level info. */
const ROOTS_LOG = '[everything] info (everything-server): Roots updated: 1 root(s) received from client';

describe('--log-level', () => {
  it('an unknown level is a usage error naming the levels; --help lists the flag', async () => {
    const bad = await chat.run(['--log-level', 'loud', '-p', 'hi']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      '--log-level must be one of debug, info, notice, warning, error, critical, alert, emergency',
    );
    const help = await chat.run(['--help']);
    expect(help.stdout).toContain('--log-level <level>');
  });

  it('-p --log-level debug: setLevel debug is sent and the simulated log message shows on stderr', async () => {
    const tap = await useTap('tap-debug.log');
    chat.model.script([
      { toolCalls: [{ id: 'call_logs', name: 'everything__toggle-simulated-logging', arguments: {} }] },
      { text: 'logging on' },
    ]);
    const run = await chat.run(['--yes', '--log-level', 'debug', '-p', 'start the logs']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('logging on');
    expect(levelsSent(await tap())).toEqual(['debug']);
    // The tool sends one message at once, of a random level: at debug every level is shown.
    expect(run.stderr).toMatch(
      /^\[everything\] (debug|info|notice|warning|error|critical|alert|emergency): (\w+-level |Alert level-)message$/m,
    );
    expect(run.stdout).not.toContain('[everything]');
  });

  it('a piped REPL: --log-level info shows the info message of the start; the default (warning) does not', async () => {
    const infoTap = await useTap('tap-info.log');
    const info = chat.start(['--log-level', 'info']);
    try {
      await info.waitForStdout('> ');
      await waitFor(() => info.stderr().includes(ROOTS_LOG), {
        timeoutMs: 20_000,
        what: `the roots log line on stderr (${info.stderr()})`,
      });
      info.line('/exit');
      expect(await info.exited()).toBe(0);
    } finally {
      info.child.kill('SIGKILL');
    }
    expect(levelsSent(await infoTap())).toEqual(['info']);

    const defaultTap = await useTap('tap-default.log');
    const plain = chat.start([]);
    try {
      let at = await plain.waitForStdout('> ');
      // Our answer to the server's roots/list reached it: its log message is on the way, before
      // anything it answers after (one ordered pipe each way).
      await waitFor(async () => (await defaultTap()).some((m) => JSON.stringify(m.result ?? '').includes('roots')), {
        timeoutMs: 20_000,
        what: 'the roots answer in the tap log',
      });
      plain.line('/call everything.echo message=after-roots');
      at = await plain.waitForStdout('Echo: after-roots', at);
      plain.line('/exit');
      expect(await plain.exited()).toBe(0);
    } finally {
      plain.child.kill('SIGKILL');
    }
    expect(levelsSent(await defaultTap())).toEqual(['warning']);
    expect(plain.stderr()).not.toContain('Roots updated');
  });

  it('a server that does not offer logging is not sent setLevel: said at debug only, and the chat goes on', async () => {
    await chat.dir.write('runs.txt', '');
    await chat.dir.write('config.json', {
      mcpServers: {
        counting: {
          command: process.execPath,
          args: [TAP, 'tap-counting.log', COUNTING],
          env: { RUNS_FILE: join(chat.dir.path, 'runs.txt') },
        },
      },
    });
    const tap = async () =>
      (await readFile(join(chat.dir.path, 'tap-counting.log'), 'utf8'))
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as JsonRpc);
    for (const level of ['debug', 'warning']) {
      const cli = chat.start(['--log-level', level]);
      try {
        let at = await cli.waitForStdout('> ');
        if (level === 'debug') {
          await waitFor(() => cli.stderr().includes('[counting] does not offer logging: no logging/setLevel sent'), {
            timeoutMs: 20_000,
            what: `the note at debug (${cli.stderr()})`,
          });
        }
        cli.line('/tools');
        at = await cli.waitForStdout('counting.lookup', at);
        cli.line('/exit');
        expect(await cli.exited()).toBe(0);
        if (level === 'warning') {
          expect(cli.stderr()).not.toContain('setLevel');
          expect(cli.stderr()).not.toContain('offer logging');
        }
      } finally {
        cli.child.kill('SIGKILL');
      }
    }
    // Both runs reached the server (initialize, tools/list), neither sent it a level.
    const sent = await tap();
    expect(sent.filter((m) => m.method === 'tools/list').length).toBeGreaterThanOrEqual(2);
    expect(levelsSent(sent)).toEqual([]);
  });

  it('a server that connects after the start gets the level too (here: down at the start, then /servers reconnect)', async () => {
    // The server's script is missing at the start (node exits at once): the chat starts without it.
    const script = 'late-server.mjs';
    await chat.dir.write('config.json', {
      mcpServers: {
        everything: { command: process.execPath, args: [TAP, 'tap-late.log', join(chat.dir.path, script), 'stdio'] },
      },
    });
    const tap = async () =>
      (await readFile(join(chat.dir.path, 'tap-late.log'), 'utf8').catch(() => ''))
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as JsonRpc);
    const cli = chat.start(['--log-level', 'info']);
    try {
      let at = await cli.waitForStdout('> ');
      expect(cli.stderr()).toContain('MCP server "everything" is not connected');
      await chat.dir.write(script, `await import(${JSON.stringify(pathToFileURL(everythingEntry).href)});\n`);
      cli.line('/servers reconnect everything');
      at = await cli.waitForStdout('MCP server "everything" reconnected: ready', at);
      await waitFor(async () => levelsSent(await tap()).length > 0, {
        timeoutMs: 20_000,
        what: `logging/setLevel in the tap log (stderr: ${cli.stderr()})`,
      });
      expect(new Set(levelsSent(await tap()))).toEqual(new Set(['info']));
      cli.line('/exit');
      expect(await cli.exited()).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
});
