// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests write the configs' own ${VAR} syntax
// The three config formats (the seed's, mcpServers, the provider's) read from real files: what each
// maps to, and the exact error for each kind of broken file (file + JSON path, no secret values).
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadChatConfig } from '../src/chat-config.js';
import { makeWorkDir, type WorkDir } from './cli-process.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

let dir: WorkDir;

beforeAll(async () => {
  dir = await makeWorkDir();
});

afterAll(async () => {
  await dir?.[Symbol.asyncDispose]();
});

/** Loads `content` as `name` in a fresh directory (with `.env` when given) and returns the result or the error. */
async function load(content: string | Record<string, unknown>, env: Record<string, string> = {}, dotEnv?: string) {
  await using work = await makeWorkDir();
  await work.write('config.json', content);
  if (dotEnv !== undefined) await work.write('.env', dotEnv);
  return await loadChatConfig({ file: 'config.json', cwd: work.path, env: { ...env } });
}

async function failure(content: string | Record<string, unknown>, env: Record<string, string> = {}): Promise<Error> {
  try {
    await load(content, env);
  } catch (error) {
    return error as Error;
  }
  throw new Error('the config was accepted');
}

describe('the seed format (fastchat-mcp config.json)', () => {
  it("maps the seed document's own example, verbatim, onto the provider config", async () => {
    await copyFile(join(FIXTURES, 'seed', 'config.json'), join(dir.path, 'config.json'));
    const env: Record<string, string | undefined> = {};
    await dir.write('.env', 'github_access_token=gho_from_dotenv\n');
    const config = await loadChatConfig({ file: 'config.json', cwd: dir.path, env });
    expect(config.format).toBe('seed');
    expect(config.parsed.mcp?.clientInfo).toEqual({ name: 'fastchat-mcp', version: '0.1.0' });
    expect(config.parsed.mcp?.backends).toMatchObject({
      example_public_server: {
        transport: 'http',
        url: 'http://127.0.0.1:8000/public-example-server/mcp',
        headers: {},
      },
      example_private_mcp: { transport: 'http', url: 'http://127.0.0.1:8000/private-example-server/mcp' },
      github: {
        transport: 'http',
        url: 'https://api.githubcopilot.com/mcp',
        headers: { Authorization: 'Bearer gho_from_dotenv' },
      },
      'my-stdio-server': {
        transport: 'stdio',
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/example-stdio-server'],
        env: {},
      },
    });
    expect(config.servers).toEqual({
      example_public_server: { label: 'example-public-server', description: 'Example public server.' },
      example_private_mcp: {
        label: 'example-private-server',
        description: 'Example private server with oauth required.',
        auth: { required: true, postBody: { username: 'user', password: 'password' } },
      },
      github: { label: 'github', description: 'This server specializes in github operations.' },
      'my-stdio-server': { label: 'my-stdio-server' },
    });
    // The .env next to the config was read into the environment the CLI runs with.
    expect(env.github_access_token).toBe('gho_from_dotenv');
  });

  it('the real environment wins over .env; ${VAR:-default} works in any string; a value is not interpolated twice', async () => {
    const config = await load(
      {
        mcp_servers: {
          web: {
            transport: 'httpstream',
            'httpstream-url': 'http://${WEB_HOST:-127.0.0.1}:9000/mcp',
            headers: { 'x-token': '{TOKEN}', 'x-literal': '$${NOT_A_VAR}' },
          },
        },
      },
      { TOKEN: 'from-env ${HOME}' },
      'TOKEN=from-dotenv\n',
    );
    expect(config.parsed.mcp?.backends.web).toMatchObject({
      url: 'http://127.0.0.1:9000/mcp',
      headers: { 'x-token': 'from-env ${HOME}', 'x-literal': '${NOT_A_VAR}' },
    });
  });

  it('sse and grpc servers map onto the sse and grpc backends', async () => {
    const config = await load({
      app_name: 'my-app',
      mcp_servers: {
        legacy: { transport: 'sse', 'sse-url': 'http://127.0.0.1:9000/sse', headers: { 'x-a': 'b' } },
        gateway: { transport: 'grpc', 'grpc-address': '127.0.0.1:50051', token: 't', 'gateway-backend': 'native' },
      },
    });
    expect(config.parsed.mcp?.backends).toMatchObject({
      legacy: { transport: 'sse', url: 'http://127.0.0.1:9000/sse', headers: { 'x-a': 'b' } },
      gateway: { transport: 'grpc', address: '127.0.0.1:50051', token: 't', gatewayBackend: 'native' },
    });
  });

  it('an empty mcp_servers means no MCP servers', async () => {
    const config = await load({ app_name: 'x', mcp_servers: {} });
    expect(config.parsed.mcp).toBeUndefined();
  });
});

describe('the mcpServers format (Claude Desktop, Claude Code, Cursor)', () => {
  it("maps Claude Desktop's documented example, verbatim", async () => {
    await using work = await makeWorkDir();
    await copyFile(
      join(FIXTURES, 'claude-desktop', 'claude_desktop_config.json'),
      join(work.path, 'claude_desktop_config.json'),
    );
    const config = await loadChatConfig({ file: 'claude_desktop_config.json', cwd: work.path, env: {} });
    expect(config.format).toBe('mcpServers');
    expect(config.parsed.mcp?.backends).toEqual({
      filesystem: expect.objectContaining({
        transport: 'stdio',
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-filesystem', '/Users/username/Desktop', '/Users/username/Downloads'],
        env: {},
      }),
    });
  });

  it('type http / streamable-http / sse, url without type, ${VAR} in env and headers, disabled servers left out', async () => {
    const config = await load(
      {
        mcpServers: {
          local: { command: 'node', args: ['server.js'], env: { API_KEY: '${API_KEY}' } },
          remote: { type: 'http', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer ${TOKEN}' } },
          cursor: { url: 'https://cursor.example.com/mcp' },
          cline: { type: 'streamable-http', url: 'https://cline.example.com/mcp' },
          old: { type: 'sse', url: 'https://old.example.com/sse' },
          off: { command: 'node', disabled: true },
        },
      },
      { API_KEY: 'k1', TOKEN: 't1' },
    );
    expect(config.parsed.mcp?.backends).toMatchObject({
      local: { transport: 'stdio', command: 'node', args: ['server.js'], env: { API_KEY: 'k1' } },
      remote: { transport: 'http', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer t1' } },
      cursor: { transport: 'http', url: 'https://cursor.example.com/mcp' },
      cline: { transport: 'http', url: 'https://cline.example.com/mcp' },
      old: { transport: 'sse', url: 'https://old.example.com/sse' },
    });
    expect(Object.keys(config.parsed.mcp?.backends ?? {})).not.toContain('off');
  });
});

describe('any format', () => {
  it('a file starting with a byte order mark (Windows editors) is read', async () => {
    const config = await load(`\uFEFF${JSON.stringify({ mcpServers: { a: { command: 'node' } } })}`);
    expect(config.parsed.mcp?.backends.a).toMatchObject({ transport: 'stdio', command: 'node' });
  });
});

describe('the provider format (unchanged)', () => {
  it('is still read as before', async () => {
    const config = await load({ model: 'm', mcp: { backends: { a: { transport: 'stdio', command: 'node' } } } });
    expect(config.format).toBe('provider');
    expect(config.parsed.model).toBe('m');
  });
});

const SEED_HTTP = { transport: 'httpstream', 'httpstream-url': 'http://127.0.0.1:9000/mcp' };

// Each broken file and the exact message (the file is shown relative to the working directory).
const badConfigs: [string, string | Record<string, unknown>, string][] = [
  [
    'seed: a URL that is not one',
    { mcp_servers: { weather: { transport: 'httpstream', 'httpstream-url': 'not a url' } } },
    'config.json: mcp_servers.weather.httpstream-url: must be an http:// or https:// URL (e.g. "http://127.0.0.1:8000/mcp")',
  ],
  [
    'seed: an unknown transport',
    { mcp_servers: { weather: { transport: 'websocket', 'httpstream-url': 'http://127.0.0.1:1/mcp' } } },
    'config.json: mcp_servers.weather.transport: unknown transport "websocket": use one of "httpstream", "stdio", "sse", "grpc"',
  ],
  [
    'seed: no transport',
    { mcp_servers: { weather: { 'httpstream-url': 'http://127.0.0.1:1/mcp' } } },
    'config.json: mcp_servers.weather.transport: is required: one of "httpstream", "stdio", "sse", "grpc"',
  ],
  [
    'seed: url instead of httpstream-url',
    { mcp_servers: { weather: { transport: 'httpstream', url: 'http://127.0.0.1:1/mcp' } } },
    'config.json: mcp_servers.weather.httpstream-url: must be an http:// or https:// URL (e.g. "http://127.0.0.1:8000/mcp"); config.json: mcp_servers.weather: unknown key "url": did you mean "httpstream-url"?',
  ],
  [
    'seed: a stdio server without its config block',
    { mcp_servers: { local: { transport: 'stdio', command: 'node' } } },
    'config.json: mcp_servers.local.config: is required (an object); config.json: mcp_servers.local: unknown key "command": did you mean "config"?',
  ],
  [
    'seed: a misspelt key in the stdio config block',
    { mcp_servers: { local: { transport: 'stdio', config: { command: 'node', arg: ['x'] } } } },
    'config.json: mcp_servers.local.config: unknown key "arg": did you mean "args"?',
  ],
  [
    'seed: a header value that is not a string',
    { mcp_servers: { web: { ...SEED_HTTP, headers: { 'x-retries': 3 } } } },
    'config.json: mcp_servers.web.headers.x-retries: every header value must be a string',
  ],
  [
    'seed: auth.post_body over plain http to another machine',
    {
      mcp_servers: {
        web: {
          transport: 'httpstream',
          'httpstream-url': 'http://mcp.example.com/mcp',
          auth: { required: true, post_body: { username: 'u', password: 'p' } },
        },
      },
    },
    'config.json: mcp_servers.web.auth.post_body: sends credentials: allowed only to an https:// URL or a loopback address (127.0.0.1, ::1, localhost); use https',
  ],
  [
    'seed: a server name that cannot prefix tool names',
    { mcp_servers: { 'my.server': SEED_HTTP } },
    'config.json: mcp_servers["my.server"]: server name: use 1-64 letters, digits, _ or - (no dots or spaces: the name prefixes tool names)',
  ],
  [
    'seed: a misspelt top-level key',
    { app_name: 'x', mcp_server: {} },
    'config.json: mcp_servers: is required (an object of server name -> server); config.json: (top level): unknown key "mcp_server": did you mean "mcp_servers"?',
  ],
  [
    'mixed: mcp_servers and mcpServers',
    { mcp_servers: {}, mcpServers: {} },
    'config.json: (top level): mixes the seed format (mcp_servers) and the mcpServers format (mcpServers): use one format per file (model settings of the seed and mcpServers formats come from OPENAI_MODEL, OPENAI_BASE_URL, OPENAI_API_KEY or --model)',
  ],
  [
    'mixed: the seed format with a model setting',
    { app_name: 'x', mcp_servers: {}, model: 'gpt-4o' },
    'config.json: (top level): mixes the seed format (app_name, mcp_servers) and the provider format (model): use one format per file (model settings of the seed and mcpServers formats come from OPENAI_MODEL, OPENAI_BASE_URL, OPENAI_API_KEY or --model)',
  ],
  [
    'mcpServers: both command and url',
    { mcpServers: { x: { command: 'node', url: 'http://127.0.0.1:1/mcp' } } },
    'config.json: mcpServers.x: has both "command" (a local server) and "url" (a remote one): keep one, or set "type"',
  ],
  [
    'mcpServers: neither command nor url, with a typo',
    { mcpServers: { x: { comand: 'node' } } },
    'config.json: mcpServers.x: needs "command" (a local server started by mcs-chat) or "url" (a remote server); unknown key "comand": did you mean "command"?',
  ],
  [
    'mcpServers: an unknown type',
    { mcpServers: { x: { type: 'websocket', url: 'ws://127.0.0.1:1' } } },
    'config.json: mcpServers.x.type: must be one of "stdio", "http", "streamable-http", "sse"; config.json: mcpServers.x.url: must be an http:// or https:// URL (e.g. "http://127.0.0.1:8000/mcp")',
  ],
  [
    'mcpServers: an argument that is not a string',
    { mcpServers: { x: { command: 'node', args: ['server.js', 8080] } } },
    'config.json: mcpServers.x.args[1]: every argument must be a string',
  ],
  [
    'mcpServers: VS Code style "servers"',
    { servers: { x: { command: 'node' } } },
    'config.json: (top level): unknown key "servers": did you mean "mcpServers"?',
  ],
  [
    'seed: trust that is not a boolean',
    { mcp_servers: { web: { ...SEED_HTTP, trust: 'yes' } } },
    'config.json: mcp_servers.web.trust: must be true or false (true: its tools run without asking)',
  ],
  [
    'mcpServers: trust that is not a boolean',
    { mcpServers: { x: { command: 'node', trust: 1 } } },
    'config.json: mcpServers.x.trust: must be true or false (true: its tools run without asking)',
  ],
  [
    'provider format: trust that is not a boolean',
    { mcp: { backends: { a: { transport: 'stdio', command: 'node', trust: 'true' } } } },
    'config.json: mcp.backends.a.trust: must be true or false (true: its tools run without asking)',
  ],
  [
    'top level: not an object',
    '[1, 2]',
    'config.json: (top level): must be one JSON object, e.g. { "mcp_servers": { ... } } or { "mcpServers": { ... } }',
  ],
  [
    'provider format: a misspelt key',
    { modle: 'x' },
    'config.json: (top level): unknown key "modle": did you mean "model"?',
  ],
];

describe('broken configs', () => {
  it.each(badConfigs)('%s', async (_, content, message) => {
    const error = await failure(content);
    expect(error).toMatchObject({ name: 'ChatCliError', code: 'CONFIG_INVALID' });
    expect(error.message).toBe(message);
  });

  it('a missing {placeholder} names the server, the header and the variable, and where it may be set', async () => {
    const error = await failure({
      mcp_servers: { github: { ...SEED_HTTP, headers: { Authorization: 'Bearer {github_access_token}' } } },
    });
    expect(error.message).toBe(
      'config.json: mcp_servers.github.headers.Authorization: needs the environment variable github_access_token, which is not set: set it in the environment or in .env (nothing is sent with a value missing)',
    );
  });

  it('every missing variable is reported at once, with its path in the mcpServers format', async () => {
    const error = await failure({
      mcpServers: { fs: { command: 'node', args: ['${SERVER_JS}'], env: { API_KEY: '${API_KEY}' } } },
    });
    expect(error.message).toBe(
      'config.json: mcpServers.fs.args[0]: needs the environment variable SERVER_JS, which is not set: set it in the environment or in .env (nothing is sent with a value missing); config.json: mcpServers.fs.env.API_KEY: needs the environment variable API_KEY, which is not set: set it in the environment or in .env (nothing is sent with a value missing)',
    );
  });

  it('a file that is not JSON gives the line and column, not the text around the mistake', async () => {
    const error = await failure('{\n  "mcpServers": {\n    "x": { "command": "node" },\n  }\n}');
    expect(error.message).toBe(
      'config.json: not valid JSON at line 4 column 3: Expected double-quoted property name (fix the file; JSON allows no comments or trailing commas)',
    );
  });
});

describe('secrets never appear in errors', () => {
  const SECRET = 'sk-live-DO-NOT-PRINT-4242';
  const cases: [string, string | Record<string, unknown>][] = [
    [
      'a bad URL beside a secret header',
      {
        mcp_servers: { web: { transport: 'httpstream', 'httpstream-url': SECRET, headers: { Authorization: SECRET } } },
      },
    ],
    ['a secret as an unknown transport', { mcp_servers: { web: { transport: `${SECRET}${'x'.repeat(40)}` } } }],
    [
      'a secret in a header of the wrong type',
      { mcpServers: { web: { url: SECRET, headers: { 'x-key': [SECRET] } } } },
    ],
    ['a secret in an env value beside a bad field', { mcpServers: { fs: { command: '', env: { KEY: SECRET } } } }],
    [
      'a secret as a post_body over http',
      {
        mcp_servers: {
          web: {
            transport: 'httpstream',
            'httpstream-url': 'http://mcp.example.com/mcp',
            auth: { required: true, post_body: { password: SECRET } },
          },
        },
      },
    ],
    [
      'JSON broken right after a secret',
      `{ "mcpServers": { "x": { "headers": { "Authorization": "Bearer ${SECRET}" x } } } }`,
    ],
    [
      'a secret written without quotes (JSON.parse quotes the text around it)',
      `{ "mcpServers": { "x": { "headers": { "Authorization": ${SECRET} } } } }`,
    ],
    [
      'JSON broken inside a secret',
      `{ "mcpServers": { "x": { "headers": { "Authorization": "Bearer ${SECRET}\u0001" } } } }`,
    ],
    ['a secret as a provider-format value', { apiKey: SECRET, baseURL: SECRET }],
  ];
  it.each(cases)('%s', async (_, content) => {
    const error = await failure(content);
    expect(error.message).toContain('config.json');
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain('DO-NOT-PRINT');
    expect(error.message).not.toContain('sk-live');
  });

  it('a set variable used by a field with another problem is not printed either', async () => {
    const error = await failure(
      { mcp_servers: { web: { transport: 'httpstream', 'httpstream-url': '${WEB_URL}' } } },
      { WEB_URL: SECRET },
    );
    expect(error.message).toContain('mcp_servers.web.httpstream-url: must be an http:// or https:// URL');
    expect(error.message).not.toContain(SECRET);
  });
});

describe('the README', () => {
  it('every JSON example of the config section loads (with its variables set)', async () => {
    const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const section = readme.slice(readme.indexOf('## Config file'), readme.indexOf('### Config errors'));
    const examples = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
    expect(examples).toHaveLength(3);
    const formats = [];
    for (const example of examples) {
      await using work = await makeWorkDir();
      await work.write('config.json', example);
      // The roots example names folders next to the config file: they must exist, so make them.
      const { roots } = JSON.parse(example) as { roots?: string[] };
      for (const root of roots ?? []) await mkdir(join(work.path, root), { recursive: true });
      const env = { github_access_token: 't', GITHUB_TOKEN: 't' };
      const config = await loadChatConfig({ file: 'config.json', cwd: work.path, env });
      formats.push(config.format);
      if (roots !== undefined) expect(config.roots).toEqual(roots.map((root) => join(work.path, root)));
    }
    expect(formats).toEqual(['seed', 'mcpServers', 'seed']);
  });
});
