import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const INSPECTOR = fileURLToPath(
  new URL('../node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js', import.meta.url),
);

let server: TestServer;
let home: string;

beforeAll(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'mcs-inspector-'));
});
afterAll(async () => {
  await server.close();
  await rm(home, { recursive: true, force: true });
});

/** Runs `inspector --cli <url> --transport http ...` and parses its JSON output. */
function inspect(args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [INSPECTOR, '--cli', `${server.origin}/mcp`, '--transport', 'http', ...args],
      // The inspector keeps a catalog file; keep it out of the real home folder.
      { timeout: 60_000, env: { ...process.env, HOME: home, MCP_CATALOG_PATH: join(home, 'mcp.json') } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`inspector failed: ${stderr}`, { cause: error }));
        else resolve(JSON.parse(stdout));
      },
    );
  });
}

describe('MCP Inspector CLI against /mcp', () => {
  it('lists the tools', { timeout: 70_000 }, async () => {
    const listed = (await inspect(['--method', 'tools/list'])) as { tools: Array<{ name: string }> };
    expect(listed.tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['echo', 'time', 'whoami', 'service']),
    );
  });

  it('calls a tool', { timeout: 70_000 }, async () => {
    const result = await inspect([
      '--method',
      'tools/call',
      '--tool-name',
      'echo',
      '--tool-arg',
      'text=hello inspector',
    ]);
    expect(result).toMatchObject({
      content: [{ type: 'text', text: 'hello inspector' }],
      structuredContent: { text: 'hello inspector' },
    });
  });
});
