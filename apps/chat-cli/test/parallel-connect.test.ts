// The chat connects its stdio MCP servers at once, with the early start (src/prestart-servers.ts) and
// without it (MCS_CHAT_PRESTART=off: the pool spawns them): every server gets its `initialize` before
// any of them has answered one. Told by the order of events, not by time: each rendezvous server
// (provider-sdk's test/fixtures/rendezvous-server.mjs) holds its answer until all three have asked,
// so a start that awaited one server before the next would log an answer before the next request.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useScriptedChat } from './scripted-chat.js';

const RENDEZVOUS = fileURLToPath(new URL('../../provider-sdk/test/fixtures/rendezvous-server.mjs', import.meta.url));
const names = ['rv1', 'rv2', 'rv3'];

const chat = useScriptedChat(undefined);

describe('three stdio servers at the start', () => {
  it.each([
    ['with the early start', 'early', {}],
    ['without it (MCS_CHAT_PRESTART=off)', 'pool', { MCS_CHAT_PRESTART: 'off' }],
  ])('%s: all three are asked to initialize before any answers', async (_label, key, env: Record<string, string>) => {
    const dir = join(chat.dir.path, key);
    await mkdir(dir);
    const backends = Object.fromEntries(
      names.map((name) => [
        name,
        { transport: 'stdio', command: process.execPath, args: [RENDEZVOUS, dir, name, '3'] },
      ]),
    );
    const config = `${key}.json`;
    await chat.dir.write(config, { mcp: { backends } });
    const run = chat.start(['--config', config], env);
    await run.waitForStdout('> ');
    run.child.stdin?.end();
    expect(await run.exited()).toBe(0);
    expect(run.stderr()).toContain('MCP servers: rv1, rv2, rv3;');

    const events = (await readFile(join(dir, 'events.log'), 'utf8')).trim().split('\n');
    expect(events).toHaveLength(6);
    // The three requests first (in whatever order), then the three answers.
    expect(events.slice(0, 3).sort()).toEqual(names.map((name) => `${name} received initialize`));
    expect(events.slice(3).sort()).toEqual(names.map((name) => `${name} answered initialize`));
  });
});
