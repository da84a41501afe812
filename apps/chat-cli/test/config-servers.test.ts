// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests write the configs' own ${VAR} syntax
// The seed's config.json and a Claude Desktop mcpServers file used against real MCP servers by the
// built CLI: server-everything over stdio, our http-mcp-server over Streamable HTTP without auth and
// with MCS_AUTH=on (a real access token from its own authorization server, put in .env and sent
// through a `{placeholder}` / `${VAR}` header). A server that cannot be reached is a warning and
// the chat goes on; --require-servers makes it exit 3.
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { getFreePort } from '@mcs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureHttpMcpServerBuilt,
  httpMcpServerMain,
  startHttpMcpServer,
  stopProcess,
} from '../../grpc-gateway/test/fixtures/http-mcp-server-process.js';
import { obtainAccessToken } from '../../grpc-gateway/test/fixtures/oauth-browser.js';
import { type ScriptedModel, startScriptedModel } from '../../provider-sdk/test/scripted-model.js';
import { everythingEntry, makeWorkDir, modelEnv, runCli } from './cli-process.js';

const USER = { name: 'alice', password: 'correct horse battery staple' };
const SEED_FIXTURE = fileURLToPath(new URL('./fixtures/seed/config.json', import.meta.url));
const CLAUDE_FIXTURE = fileURLToPath(new URL('./fixtures/claude-desktop/claude_desktop_config.json', import.meta.url));

let model: ScriptedModel;
let publicServer: ChildProcess | undefined;
let protectedServer: ChildProcess | undefined;
let publicOrigin: string;
let protectedOrigin: string;
let accessToken: string;

beforeAll(async () => {
  ensureHttpMcpServerBuilt();
  model = await startScriptedModel();
  // The user's password hash from the server's own `hash-password` subcommand (password on stdin).
  const hash = execFileSync(process.execPath, [httpMcpServerMain, 'hash-password'], {
    input: USER.password,
    encoding: 'utf8',
    timeout: 30_000,
  }).trim();
  const [publicPort, protectedPort] = [await getFreePort(), await getFreePort()];
  publicOrigin = `http://127.0.0.1:${publicPort}`;
  protectedOrigin = `http://127.0.0.1:${protectedPort}`;
  [publicServer, protectedServer] = await Promise.all([
    startHttpMcpServer(publicPort, { MCS_AUTH: 'off' }),
    startHttpMcpServer(protectedPort, {
      MCS_AUTH: 'on',
      PUBLIC_URL: protectedOrigin,
      MCS_USERS: JSON.stringify({ [USER.name]: hash }),
    }),
  ]);
  ({ accessToken } = await obtainAccessToken(protectedOrigin, USER, 'mcp'));
}, 300_000);

afterAll(async () => {
  await Promise.all([stopProcess(publicServer, 'SIGTERM'), stopProcess(protectedServer, 'SIGTERM')]);
  await model?.close();
});

type Message = { role: string; content?: unknown; tool_call_id?: string };
const toolMessages = (request: Record<string, unknown> | undefined) =>
  ((request?.messages ?? []) as Message[]).filter((message) => message.role === 'tool');

/**
 * The seed document's example config with only the addresses changed to the servers of this test
 * (its URLs and `npx` package do not exist here); keys, names, descriptions, the `{github_access_token}`
 * header and the auth block stay as the seed wrote them.
 */
async function seedConfigForThisMachine(): Promise<Record<string, unknown>> {
  const seed = JSON.parse(await readFile(SEED_FIXTURE, 'utf8'));
  const servers = seed.mcp_servers;
  servers.example_public_server['httpstream-url'] = `${publicOrigin}/mcp`;
  servers.example_private_mcp['httpstream-url'] = `${protectedOrigin}/mcp`;
  servers.github['httpstream-url'] = `${protectedOrigin}/mcp`;
  servers['my-stdio-server'].config = { command: process.execPath, args: [everythingEntry, 'stdio'] };
  return seed;
}

describe("the seed's config.json against real servers", () => {
  it('reaches server-everything over stdio, the public server, and the protected one with the .env token in the {placeholder} header; the server needing a sign-in is a warning', async () => {
    await using work = await makeWorkDir();
    await work.write('config.json', await seedConfigForThisMachine());
    await work.write('.env', `github_access_token=${accessToken}\n`);
    const before = model.requests.length;
    model.script([
      {
        toolCalls: [
          { id: 'call_1', name: 'my-stdio-server__echo', arguments: { message: 'from the seed config' } },
          { id: 'call_2', name: 'example_public_server__whoami', arguments: {} },
          { id: 'call_3', name: 'github__whoami', arguments: {} },
        ],
      },
      { text: 'All three answered.' },
    ]);
    const { code, stdout, stderr } = await runCli(['-p', 'Call the tools'], {
      cwd: work.path,
      env: modelEnv(model.baseURL),
    });
    expect(stderr).not.toContain(accessToken);
    expect(code).toBe(0);
    expect(stdout).toBe('All three answered.\n');
    // The private server wants a sign-in this run does not do: named once, the chat went on.
    expect(stderr).toMatch(/MCP server "example_private_mcp" is not connected \(.*\); turns and \/tools leave it out/);
    const tools = toolMessages(model.requests[before + 1]);
    expect(tools.find((message) => message.tool_call_id === 'call_1')?.content).toBe('Echo: from the seed config');
    const publicAnswer = String(tools.find((message) => message.tool_call_id === 'call_2')?.content);
    expect(publicAnswer).toContain('anonymous');
    // The protected server accepted the token from .env: it knows the user.
    expect(String(tools.find((message) => message.tool_call_id === 'call_3')?.content)).toContain('alice');
    // Only the servers that are up offered tools to the model.
    const offered = ((model.requests[before]?.tools ?? []) as { function: { name: string } }[]).map(
      (tool) => tool.function.name,
    );
    expect(offered).toContain('github__whoami');
    expect(offered.some((name) => name.startsWith('example_private_mcp__'))).toBe(false);
  });

  it('a wrong token in .env: the protected server is a warning, the others answer', async () => {
    await using work = await makeWorkDir();
    await work.write('config.json', await seedConfigForThisMachine());
    await work.write('.env', 'github_access_token=not-a-valid-token\n');
    model.script([{ text: 'Answered without github.' }]);
    const { code, stdout, stderr } = await runCli(['-p', 'hi'], { cwd: work.path, env: modelEnv(model.baseURL) });
    expect(code).toBe(0);
    expect(stdout).toBe('Answered without github.\n');
    expect(stderr).toContain('MCP server "github" is not connected');
    expect(stderr).not.toContain('not-a-valid-token');
  });

  it('without the placeholder variable: exit 2 naming the server, the header and the variable, before any server starts', async () => {
    await using work = await makeWorkDir();
    await work.write('config.json', await seedConfigForThisMachine());
    const before = model.requests.length;
    const { code, stdout, stderr } = await runCli(['-p', 'hi'], { cwd: work.path, env: modelEnv(model.baseURL) });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'mcs-chat: config.json: mcp_servers.github.headers.Authorization: needs the environment variable github_access_token, which is not set: set it in the environment or in .env (nothing is sent with a value missing) [CONFIG_INVALID]\n',
    );
    expect(model.requests.length).toBe(before);
  });
});

describe('a Claude Desktop mcpServers file against real servers', () => {
  /** Claude Desktop's documented entry (command + args) pointed at server-everything, plus remote entries. */
  async function claudeConfig(extra: Record<string, unknown>): Promise<Record<string, unknown>> {
    const claude = JSON.parse(await readFile(CLAUDE_FIXTURE, 'utf8'));
    claude.mcpServers.filesystem.args = [everythingEntry, 'stdio'];
    claude.mcpServers.filesystem.command = process.execPath;
    Object.assign(claude.mcpServers, extra);
    return claude;
  }

  it('stdio and a ${VAR} bearer header from .env reach real servers; a dead server is a warning and the answer comes', async () => {
    await using work = await makeWorkDir();
    const closedPort = await getFreePort();
    await work.write(
      'config.json',
      await claudeConfig({
        remote: { type: 'http', url: `${protectedOrigin}/mcp`, headers: { Authorization: 'Bearer ${MCS_TEST_TOKEN}' } },
        down: { url: `http://127.0.0.1:${closedPort}/mcp` },
      }),
    );
    await work.write('.env', `MCS_TEST_TOKEN=${accessToken}\n`);
    const before = model.requests.length;
    model.script([
      {
        toolCalls: [
          { id: 'call_a', name: 'filesystem__echo', arguments: { message: 'claude desktop' } },
          { id: 'call_b', name: 'remote__whoami', arguments: {} },
        ],
      },
      { text: 'Both answered.' },
    ]);
    const { code, stdout, stderr } = await runCli(['-p', 'hi'], { cwd: work.path, env: modelEnv(model.baseURL) });
    expect(code).toBe(0);
    expect(stdout).toBe('Both answered.\n');
    const warnings = stderr.split('\n').filter((line) => line.includes('is not connected'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^mcs-chat: MCP server "down" is not connected \(.+\); .*--require-servers makes this an error\)$/,
    );
    const tools = toolMessages(model.requests[before + 1]);
    expect(tools.find((message) => message.tool_call_id === 'call_a')?.content).toBe('Echo: claude desktop');
    expect(String(tools.find((message) => message.tool_call_id === 'call_b')?.content)).toContain('alice');
  });

  it('--require-servers: a dead server exits 3 naming it, before the model is asked', async () => {
    await using work = await makeWorkDir();
    const closedPort = await getFreePort();
    await work.write('config.json', await claudeConfig({ down: { url: `http://127.0.0.1:${closedPort}/mcp` } }));
    const before = model.requests.length;
    const text = await runCli(['--require-servers', '-p', 'hi'], { cwd: work.path, env: modelEnv(model.baseURL) });
    expect(text.code).toBe(3);
    expect(text.stdout).toBe('');
    expect(text.stderr).toContain('"down"');
    const json = await runCli(['--require-servers', '--json', '-p', 'hi'], {
      cwd: work.path,
      env: modelEnv(model.baseURL),
    });
    expect(json.code).toBe(3);
    const events = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events).toEqual([expect.objectContaining({ type: 'error', code: 'BACKEND_FAILED' })]);
    expect(events[0].message).toContain('"down"');
    expect(model.requests.length).toBe(before);
  });
});
