import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthTestServer,
  type CallbackServer,
  obtainTokens,
  startAuthServer,
  startCallbackServer,
  USER,
} from './auth-harness.js';

const INSPECTOR = fileURLToPath(
  new URL('../node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js', import.meta.url),
);

let server: AuthTestServer;
let callback: CallbackServer;
let home: string;

beforeAll(async () => {
  server = await startAuthServer();
  callback = await startCallbackServer();
  home = await mkdtemp(join(tmpdir(), 'mcs-inspector-auth-'));
});
afterAll(async () => {
  await server?.close();
  await callback?.close();
  await rm(home, { recursive: true, force: true });
});

/** `inspector --cli <url> --transport http [--header …] …`: resolves stdout JSON, rejects with stderr. */
function inspect(args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [INSPECTOR, '--cli', server.resource, '--transport', 'http', ...args],
      { timeout: 60_000, env: { ...process.env, HOME: home, MCP_CATALOG_PATH: join(home, 'mcp.json') } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`inspector failed: ${stderr}`, { cause: error }));
        else resolve(JSON.parse(stdout));
      },
    );
  });
}

describe('MCP Inspector CLI with MCS_AUTH=on', () => {
  it('calls whoami given a bearer token, and is refused without one', { timeout: 130_000 }, async () => {
    const tokens = await obtainTokens(server, callback.redirectUri);
    const result = (await inspect([
      '--header',
      `Authorization: Bearer ${tokens.accessToken}`,
      '--method',
      'tools/call',
      '--tool-name',
      'whoami',
    ])) as { structuredContent: { authenticated: boolean; identity: { subject: string } } };
    expect(result.structuredContent).toMatchObject({ authenticated: true, identity: { subject: USER.name } });
    await expect(inspect(['--method', 'tools/list'])).rejects.toThrow(/inspector failed/);
  });
});
