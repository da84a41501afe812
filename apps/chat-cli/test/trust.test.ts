// Per-server `trust` in all three config formats: under the default `--approve ask`, a trusted
// server's tools run without asking (here: -p with no terminal, where asking means refusing), an
// untrusted one's are still refused, and `--approve never` refuses both. Real server-everything over stdio.
import { describe, expect, it } from 'vitest';
import { everythingEntry } from './cli-process.js';
import { useScriptedChat } from './scripted-chat.js';

const chat = useScriptedChat(undefined);

type Message = { role: string; content?: unknown; tool_call_id?: string };
const toolResult = (id: string) =>
  String(
    ((chat.model.requests.at(-1)?.messages ?? []) as Message[]).find(
      (message) => message.role === 'tool' && message.tool_call_id === id,
    )?.content,
  );

const stdio = { command: process.execPath, args: [everythingEntry, 'stdio'] };
const configs: [string, Record<string, unknown>][] = [
  [
    'seed format',
    {
      app_name: 'trust-test',
      mcp_servers: {
        trusted: { transport: 'stdio', trust: true, config: stdio },
        plain: { transport: 'stdio', config: stdio },
      },
    },
  ],
  ['mcpServers format', { mcpServers: { trusted: { ...stdio, trust: true }, plain: { ...stdio, trust: false } } }],
  [
    'provider format',
    {
      mcp: {
        backends: {
          trusted: { transport: 'stdio', ...stdio, trust: true },
          plain: { transport: 'stdio', ...stdio },
        },
      },
    },
  ],
];

/** Both servers' `toggle-simulated-logging` (not annotated read-only) in one model step. */
const bothCalls = () =>
  chat.model.script([
    {
      toolCalls: [
        { id: 'call_trusted', name: 'trusted__toggle-simulated-logging', arguments: {} },
        { id: 'call_plain', name: 'plain__toggle-simulated-logging', arguments: {} },
      ],
    },
    { text: 'done' },
  ]);

describe('trust', () => {
  it.each(configs)('%s: a trusted server runs without asking, the other is refused', async (_, config) => {
    await chat.dir.write('config.json', config);
    bothCalls();
    const run = await chat.run(['-p', 'go']);
    expect(run.code, run.stderr).toBe(0);
    expect(toolResult('call_trusted')).toContain('Started simulated, random-leveled logging');
    expect(toolResult('call_plain')).toContain('was not run: no terminal to ask for approval');
  });

  it("/servers shows each server's trust beside its status and auth state", async () => {
    await chat.dir.write('config.json', configs[1]![1]);
    const cli = chat.start();
    try {
      let at = await cli.waitForStdout('> ');
      cli.line('/servers');
      at = await cli.waitForStdout('\n', await cli.waitForStdout('plain  stdio', at));
      const lines = cli.stdout().split('\n');
      // (The piped REPL's prompt may start the first line.)
      expect(lines.find((line) => line.includes('trusted  stdio'))).toMatch(
        /\btrusted {2}stdio {2}ready {2}auth: none {2}trust: yes {2}\d+ tool\(s\)/,
      );
      expect(lines.find((line) => line.includes('plain  stdio'))).toMatch(
        /\bplain {2}stdio {2}ready {2}auth: none {2}trust: no {2}\d+ tool\(s\)/,
      );
      cli.line('/exit');
      expect(await cli.exited()).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('--approve never refuses a trusted server too', async () => {
    await chat.dir.write('config.json', configs[0]![1]);
    bothCalls();
    const run = await chat.run(['--approve', 'never', '-p', 'go']);
    expect(run.code, run.stderr).toBe(0);
    expect(toolResult('call_trusted')).toContain('was not run: tools that may change something are refused');
    expect(toolResult('call_plain')).toContain('was not run: tools that may change something are refused');
  });
});
