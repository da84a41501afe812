// The published form of the platform, used as a stranger would: every publishable package packed with
// `pnpm pack`, the tarballs installed with plain npm into a fresh project outside the workspace, then
// every entry point imported and every bin run from that project's node_modules, never from the sources.
import { copyFile, readFile, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canConnect, getFreePort, spawnInTerminal, waitFor } from '@mcs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel } from '../../apps/provider-sdk/test/scripted-model.js';
import { startInstalledBin } from './fixtures/installed-bin.js';
import { type InstalledProject, installPacked } from './fixtures/installed-project.js';
import { publishablePackages, repoRoot } from './fixtures/publishable.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const MODERN = '2026-07-28';

let project: InstalledProject;

beforeAll(async () => {
  project = await installPacked();
  await Promise.all(
    ['call-gateway.mjs', 'import-entry-points.mjs'].map((file) =>
      copyFile(join(fixtures, file), join(project.dir, file)),
    ),
  );
}, 300_000);

afterAll(async () => {
  await project?.[Symbol.asyncDispose]();
});

async function node(script: string, ...args: string[]): Promise<string> {
  return (await project.exec(process.execPath, [script, ...args])).stdout;
}

describe('installed with plain npm from the tarballs', () => {
  it('puts every publishable package into node_modules as a copy of its tarball, not a workspace link', async () => {
    const expected = publishablePackages().map(({ name, manifest }) => ({ name, version: manifest.version }));
    expect(expected.map(({ name }) => name)).toEqual(
      expect.arrayContaining(['@mcs/chat-cli', '@mcs/grpc-gateway', '@mcs/http-mcp-server', '@mcs/provider-sdk']),
    );
    const installed = await Promise.all(
      expected.map(async ({ name }) => {
        const dir = join(project.dir, 'node_modules', name);
        const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version: string };
        return { name, version: manifest.version, inWorkspace: (await realpath(dir)).startsWith(repoRoot) };
      }),
    );
    expect(installed).toEqual(expected.map((entry) => ({ ...entry, inWorkspace: false })));
  });

  it('imports every public entry point (every exports subpath) as ESM', async () => {
    const results = JSON.parse(await node('import-entry-points.mjs')) as {
      specifier: string;
      exports?: string[];
      error?: string;
    }[];
    const expected = publishablePackages().flatMap(({ name, manifest }) =>
      Object.keys(manifest.exports ?? {}).map((subpath) => (subpath === '.' ? name : `${name}${subpath.slice(1)}`)),
    );
    expect(results.map(({ specifier }) => specifier).sort()).toEqual(expected.sort());
    expect(results.filter(({ error }) => error !== undefined)).toEqual([]);
    for (const { specifier, exports } of results) expect(exports, specifier).not.toHaveLength(0);
    const gateway = results.find(({ specifier }) => specifier === '@mcs/grpc-gateway');
    expect(gateway?.exports).toContain('createGatewayClient');
  });

  it('runs `npx mcs-chat --help` and `--version`', async () => {
    const help = await project.exec('npx', ['--no-install', 'mcs-chat', '--help']);
    expect(help.stdout).toContain('usage: mcs-chat [--config <file>]');
    const version = await project.exec('npx', ['--no-install', 'mcs-chat', '--version']);
    const manifest = publishablePackages().find(({ name }) => name === '@mcs/chat-cli')?.manifest;
    expect(version.stdout.trim()).toBe(manifest?.version);
  });

  it("the installed mcs-chat answers a -p turn on a terminal: a real stdio server's tool, Markdown rendered", async () => {
    // What --help does not reach: the SDK, the MCP client, the OpenAI client and the Markdown renderer
    // (loaded at the first turn on a terminal) must all resolve from the plain npm install.
    await using model = await startScriptedModel();
    model.script([
      { toolCalls: [{ name: 'everything__get-sum', arguments: { a: 2, b: 3 } }] },
      { text: ['# Sum\n\n', 'It is **five**.\n'] },
    ]);
    const everything = join(
      repoRoot,
      'apps/chat-cli/node_modules/@modelcontextprotocol/server-everything/dist/index.js',
    );
    const config = join(project.dir, 'chat-config.json');
    await writeFile(
      config,
      JSON.stringify({ mcpServers: { everything: { command: process.execPath, args: [everything, 'stdio'] } } }),
    );
    const chat = spawnInTerminal(
      join(project.dir, 'node_modules', '.bin', 'mcs-chat'),
      ['--config', config, '-p', 'add'],
      {
        cwd: project.dir,
        env: {
          ...project.env,
          TERM: 'xterm-256color',
          OPENAI_BASE_URL: model.baseURL,
          OPENAI_API_KEY: 'test-key',
          OPENAI_MODEL: 'test-model',
          XDG_STATE_HOME: join(project.dir, 'state'),
          XDG_DATA_HOME: join(project.dir, 'data'),
        },
      },
    );
    // The exit code as a string: waitFor wants a truthy value, and 0 is the one expected.
    const code = await waitFor(() => (chat.child.exitCode === null ? undefined : String(chat.child.exitCode)), {
      timeoutMs: 60_000,
      what: 'the installed mcs-chat to end',
    })
      .catch((error: Error) => {
        throw new Error(`${error.message}; output: ${chat.output()}`);
      })
      .finally(() => chat.child.kill('SIGKILL'));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the colors are ANSI escapes
    const plain = chat.output().replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    expect(code, chat.output()).toBe('0');
    expect(plain).toContain('everything › get-sum');
    expect(plain).toContain('The sum of 2 and 3 is 5.');
    expect(plain).toMatch(/^Sum\r?$/m);
    expect(plain).toContain('It is five.');
    expect(chat.output()).not.toContain('**five**');
  });
});

describe('servers started from the installed bins', () => {
  let httpPort: number;
  let httpServer: Awaited<ReturnType<typeof startInstalledBin>>;

  beforeAll(async () => {
    httpPort = await getFreePort();
    // Minimal config: no Redis (in-memory store), no authorization server.
    httpServer = await startInstalledBin(project, 'mcs-http-mcp-server', {
      env: { HOST: '127.0.0.1', PORT: String(httpPort), MCS_AUTH: 'off', LOG_LEVEL: 'warn' },
      ready: async () => (await fetch(`http://127.0.0.1:${httpPort}/healthz`).catch(() => undefined))?.ok === true,
    });
  }, 60_000);

  afterAll(async () => {
    await httpServer?.[Symbol.asyncDispose]();
  });

  it('mcs-http-mcp-server answers a 2026-07-28 stateless tools/call', async () => {
    const response = await fetch(`http://127.0.0.1:${httpPort}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': MODERN,
        'mcp-method': 'tools/call',
        'mcp-name': 'echo',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'echo',
          arguments: { text: 'installed http' },
          _meta: {
            'io.modelcontextprotocol/protocolVersion': MODERN,
            'io.modelcontextprotocol/clientInfo': { name: 'install-test', version: '1.0.0' },
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    // JSON, or one SSE `data:` line when the server streams the answer.
    const body = (response.headers.get('content-type') ?? '').includes('text/event-stream')
      ? text
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5))
          .join('')
      : text;
    expect(JSON.parse(body)).toMatchObject({
      id: 1,
      result: { content: [{ type: 'text', text: 'installed http' }], structuredContent: { text: 'installed http' } },
    });
  });

  it('mcs-grpc-gateway fronts the installed http-mcp-server; the installed gRPC client calls a tool through it', async () => {
    const grpcPort = await getFreePort();
    const config = join(project.dir, 'gateway.json');
    await writeFile(
      config,
      JSON.stringify({
        auth: { mode: 'off' },
        backends: { http: { transport: 'http', url: `http://127.0.0.1:${httpPort}/mcp` } },
        logLevel: 'warn',
      }),
    );
    await using gateway = await startInstalledBin(project, 'mcs-grpc-gateway', {
      args: ['--config', config],
      env: { GRPC_HOST: '127.0.0.1', GRPC_PORT: String(grpcPort) },
      ready: () => canConnect(grpcPort),
    });
    const answer = JSON.parse(
      await node('call-gateway.mjs', `127.0.0.1:${grpcPort}`, 'http.echo', JSON.stringify({ text: 'via gateway' })),
    ) as { tools: string[]; events: { $case: string; value: unknown }[] };
    expect(answer.tools).toEqual(expect.arrayContaining(['http.echo', 'native.echo']));
    expect(answer.events).toContainEqual({
      $case: 'content',
      value: expect.objectContaining({
        part: { $case: 'text', value: expect.objectContaining({ text: 'via gateway' }) },
      }),
    });
    expect(answer.events.at(-1)).toMatchObject({ $case: 'result', value: { isError: false } });
    // CONTRACTS.md: SIGTERM drains, closes the backends and exits 0.
    expect(await gateway.stop(), gateway.output()).toBe(0);
  });

  it('mcs-grpc-gateway logs pretty lines on a terminal: pino-pretty resolves from the install', async () => {
    const config = join(project.dir, 'gateway-native.json');
    await writeFile(config, JSON.stringify({ auth: { mode: 'off' }, logLevel: 'info' }));
    await using gateway = await startInstalledBin(project, 'mcs-grpc-gateway', {
      args: ['--config', config],
      env: { GRPC_HOST: '127.0.0.1', GRPC_PORT: String(await getFreePort()) },
      terminal: true,
      ready: (output) => output.includes('grpc-gateway listening'),
    });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the colors are ANSI escapes
    const plain = gateway.output().replace(/\u001b\[[0-9;]*m/g, '');
    expect(plain).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: grpc-gateway listening\r?$/m);
    expect(plain).not.toContain('{"level"');
    expect(await gateway.stop(), gateway.output()).toBe(0);
  });

  it('mcs-http-mcp-server exits 0 on SIGTERM', async () => {
    expect(await httpServer.stop(), httpServer.output()).toBe(0);
  });
});
