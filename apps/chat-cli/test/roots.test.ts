// The MCP roots the chat offers (roots/list): `--root <dir>` (repeatable), else the config's
// top-level `roots` (relative to the config file's folder), else the working directory. Checked
// with server-everything's get-roots-list tool through `/call`, on the built CLI.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingEntry, makeWorkDir, runCli, startCli, type WorkDir } from './cli-process.js';

const everything = { command: process.execPath, args: [everythingEntry, 'stdio'] };
/** No user config, history or saved conversation of the machine running the tests is read or written. */
const env = () =>
  ({
    ...process.env,
    XDG_CONFIG_HOME: join(dir.path, 'xdg', 'config'),
    XDG_STATE_HOME: join(dir.path, 'xdg', 'state'),
    XDG_DATA_HOME: join(dir.path, 'xdg', 'data'),
  }) as Record<string, string>;
const uriLine = (path: string) => `URI: ${pathToFileURL(path).href}\n`;

let dir: WorkDir;
beforeAll(async () => {
  dir = await makeWorkDir();
  await mkdir(join(dir.path, 'conf', 'data'), { recursive: true });
  await mkdir(join(dir.path, 'other'));
  await writeFile(join(dir.path, 'a-file'), 'not a directory');
  // The seed's format and the mcpServers one, each with roots relative to their folder (conf/).
  await dir.write('conf/seed.json', {
    app_name: 'roots-test',
    mcp_servers: { everything: { transport: 'stdio', config: everything } },
    roots: ['data'],
  });
  await dir.write('conf/mcp.json', { mcpServers: { everything }, roots: ['./data'] });
  // The provider format takes the key too; an empty list offers no root at all.
  await dir.write('conf/provider.json', {
    mcp: { backends: { everything: { transport: 'stdio', ...everything } } },
    roots: [],
  });
});
afterAll(async () => {
  await dir?.[Symbol.asyncDispose]();
});

/** Runs the REPL with `args`, calls get-roots-list (its answer holds `marker`) and returns what it printed. */
async function listedRoots(args: string[], marker = 'URI: '): Promise<string> {
  const cli = startCli(args, { cwd: dir.path, env: env() });
  try {
    let at = await cli.waitForStdout('> ');
    cli.line('/call everything.get-roots-list');
    at = await cli.waitForStdout(marker, at);
    // The tool lists every root in one result: wait for its end (the next prompt).
    await cli.waitForStdout('> ', at);
    cli.line('/exit');
    expect(await cli.exited()).toBe(0);
    return cli.stdout();
  } finally {
    cli.child.kill('SIGKILL');
  }
}

describe('mcs-chat roots', () => {
  it("the seed format's roots (relative to the config file) are listed, not the working directory", async () => {
    const out = await listedRoots(['--config', join('conf', 'seed.json')]);
    expect(out).toContain(uriLine(join(dir.path, 'conf', 'data')));
    expect(out).not.toContain(uriLine(dir.path));
    expect(out).not.toContain(uriLine(join(dir.path, 'conf')));
  });

  it("--root wins over the mcpServers format's roots; the working directory is not offered", async () => {
    const out = await listedRoots(['--config', join('conf', 'mcp.json'), '--root', 'other', '--root', 'conf']);
    expect(out).toContain(uriLine(join(dir.path, 'other')));
    expect(out).toContain(uriLine(join(dir.path, 'conf')));
    expect(out).not.toContain(uriLine(join(dir.path, 'conf', 'data')));
    expect(out).not.toContain(uriLine(dir.path));
  });

  it("the provider format's empty roots offer none (not the working directory)", async () => {
    const out = await listedRoots(['--config', join('conf', 'provider.json')], 'no roots are currently configured');
    expect(out).not.toContain(uriLine(dir.path));
  });

  it('a --root that does not exist or is a file exits 2 with a clear message; --help lists the flag', async () => {
    const help = await runCli(['--help'], { cwd: dir.path, env: env() });
    expect(help.stdout).toContain('--root <dir>');
    const cases: [string, string][] = [
      ['nope', 'does not exist'],
      ['a-file', 'is not a directory'],
    ];
    for (const [root, problem] of cases) {
      const { code, stderr } = await runCli(['--root', root, '-p', 'hi'], { cwd: dir.path, env: env() });
      expect(code).toBe(2);
      expect(stderr).toContain(
        `--root ${root} (${join(dir.path, root)}) ${problem}: --root takes an existing directory`,
      );
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('bad config roots are errors with their JSON path', async () => {
    const cases: [unknown, string][] = [
      [['data', 'missing'], 'roots[1]: does not exist: each root must be an existing directory'],
      [['seed.json'], 'roots[0]: is not a directory'],
      ['data', 'roots: must be an array of directory paths'],
      [[''], 'roots[0]: must not be empty'],
    ];
    for (const [roots, message] of cases) {
      await dir.write('conf/bad.json', { mcpServers: { everything }, roots });
      const { code, stderr } = await runCli(['--config', join('conf', 'bad.json'), '-p', 'hi'], {
        cwd: dir.path,
        env: env(),
      });
      expect(code).toBe(2);
      expect(stderr).toContain(`${join('conf', 'bad.json')}: ${message}`);
    }
    await dir.write('conf/typo.json', { app_name: 'x', mcp_servers: {}, root: ['data'] });
    const typo = await runCli(['--config', join('conf', 'typo.json'), '-p', 'hi'], { cwd: dir.path, env: env() });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown key "root": did you mean "roots"?');
  });
});
