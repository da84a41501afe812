// `./mcs dev` as a person runs it: the real bootstrap and `turbo run dev` on a pseudo-terminal (util-linux
// `script`), moved to free ports (PORT, GRPC_PORT, METRICS_PORT), its own dev folder (MCS_DEV_DIR: fresh
// credentials, as on a first run) and a real Redis (REDIS_URL). It checks what the stack prints (the
// development user, the gateway's backends, pretty lines prefixed by app), runs the printed chat command
// (the scripted model in place of Ollama, --json) through the gateway and directly, and ends it with a
// real Ctrl-C (^C written to the terminal): exit 0, no task reported failed, no process of the stack left.
// The piped case (JSON lines, one per event) is checked on the http-mcp-server alone at the end.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { canConnect, getFreePort, isAlive, type RedisServerHandle, startRedisServer, waitFor } from '@mcs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScriptedModel, startScriptedModel } from '../../apps/provider-sdk/test/scripted-model.js';
import { ensureAppsBuilt, httpMcpServerMain, Processes, repoRoot } from './fixtures/apps.js';

const run = promisify(execFile);
// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes (colors, cursor) are stripped
const TERMINAL_ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]/g;
const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

let dir: string;
let redis: RedisServerHandle;
let model: ScriptedModel;
let ports: { http: number; grpc: number; metrics: number };
let stack: ChildProcess;
let stackPid: number;
let raw = '';
/**
 * When the http-mcp-server's dev task starts (its build task, which may restore dist/ from turbo's cache,
 * is done): dist/main.js's mtime, before the dev script's watch-mode compile runs.
 */
let serverMainModified: number | undefined;
/** What the terminal shows, without colors and carriage returns. */
const screen = () => raw.replace(TERMINAL_ESCAPES, '').replaceAll('\r', '');

/** Every process below `pid` now (ps), the stack's tasks and what they started (server-everything, ...). */
async function descendantsOf(pid: number): Promise<number[]> {
  const { stdout } = await run('ps', ['-eo', 'pid=,ppid='], { timeout: 10_000 });
  const children = new Map<number, number[]>();
  for (const line of stdout.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0 && found.length < 10_000) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

beforeAll(async () => {
  ensureAppsBuilt();
  dir = await mkdtemp(join(tmpdir(), 'mcs-dev-stack-'));
  redis = await startRedisServer();
  model = await startScriptedModel();
  ports = { http: await getFreePort(), grpc: await getFreePort(), metrics: await getFreePort() };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(ports.http),
    GRPC_PORT: String(ports.grpc),
    METRICS_PORT: String(ports.metrics),
    MCS_DEV_DIR: join(dir, 'dev'),
    REDIS_URL: redis.url,
    MCS_SKIP_INSTALL: '1',
  };
  for (const name of ['NODE_ENV', 'LOG_LEVEL', 'MCS_AUTH', 'PUBLIC_URL', 'HOST', 'GRPC_HOST']) delete env[name];
  // The shell sizes the terminal (turbo gives its tasks a terminal of their own only when its own has a
  // size, as a person's has; `script` without a terminal on stdin makes a 0x0 one), prints its pid and
  // becomes ./mcs (which execs node): the pid of the stack's root process.
  const shell = `stty cols 160 rows 50; echo "pid=$$"; exec ${quote(join(repoRoot, 'mcs'))} dev`;
  stack = spawn('script', ['-qfec', shell, '/dev/null'], {
    cwd: repoRoot,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    raw = `${raw}${chunk.toString('utf8')}`.slice(-400_000);
  };
  stack.stdout?.on('data', keep);
  stack.stderr?.on('data', keep);
  const ready = () =>
    screen().includes('INFO: grpc-gateway listening') &&
    screen().includes('@mcs/chat-cli:dev:     node apps/chat-cli/dist/main.js');
  // turbo runs the build first (cached after the root test command's build), then the three dev tasks.
  await waitFor(
    async () => {
      if (stack.exitCode !== null) throw new Error(`./mcs dev exited with ${stack.exitCode}:\n${screen()}`);
      if (
        serverMainModified === undefined &&
        screen().includes('@mcs/http-mcp-server:dev: > exec node scripts/dev.mjs')
      ) {
        serverMainModified = (await stat(httpMcpServerMain)).mtimeMs;
      }
      return ready();
    },
    { what: './mcs dev: the gateway listening and the chat command printed', timeoutMs: 240_000, intervalMs: 250 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n--- ./mcs dev ---\n${screen().slice(-8000)}`);
  });
  stackPid = Number(/pid=(\d+)/.exec(screen())?.[1]);
}, 300_000);

afterAll(async () => {
  if (stack && stack.exitCode === null && stackPid) {
    for (const pid of await descendantsOf(stackPid)) process.kill(pid, 'SIGKILL');
    stack.kill('SIGKILL');
  }
  await model?.close();
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('./mcs dev on a terminal', () => {
  it('prints the development user, the gateway and its three backends, as pretty lines prefixed by app', async () => {
    const text = screen();
    const origin = `http://127.0.0.1:${ports.http}`;
    const credentials = JSON.parse(await readFile(join(dir, 'dev', 'credentials.json'), 'utf8'));
    expect(text).toContain(
      `@mcs/http-mcp-server:dev: mcs-http-mcp-server (dev): ${origin}/mcp  store=redis  MCS_AUTH=on\n`,
    );
    expect(text).toContain(
      `@mcs/http-mcp-server:dev:   development user: ${credentials.user}  password: ${credentials.password}   (kept in ${join(dir, 'dev', 'credentials.json')}`,
    );
    expect(text).toContain(
      `@mcs/grpc-gateway:dev: mcs-grpc-gateway (dev): 127.0.0.1:${ports.grpc}  auth=on (issuer ${origin})  backends: everything, mcs, native\n`,
    );
    // pino-pretty through pino's transport on a terminal, each line prefixed with its app's task.
    expect(text).toMatch(/^@mcs\/http-mcp-server:dev: \[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: listening$/m);
    expect(text).toMatch(/^@mcs\/grpc-gateway:dev: \[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: grpc-gateway listening$/m);
    expect(text).not.toContain('{"level":');
    // Authorization is on; REDIS_URL switched the store to Redis.
    const unauthenticated = await fetch(`${origin}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(unauthenticated.status).toBe(401);
    expect(await (await fetch(`${origin}/readyz`)).json()).toEqual({ status: 'ready', store: 'redis' });
    // The dev script's watch-mode compile left the built dist/ alone (same content): other tests and
    // processes read it meanwhile, and a rewrite would restart the server for nothing.
    expect(serverMainModified).toBeDefined();
    expect((await stat(httpMcpServerMain)).mtimeMs).toBe(serverMainModified);
  });

  it('the printed chat command reaches the http-mcp-server directly and all three backends through the gateway', async () => {
    const printed = screen()
      .split('\n')
      .filter((line) => line.startsWith('@mcs/chat-cli:dev:   '))
      .map((line) => line.slice('@mcs/chat-cli:dev:   '.length));
    const start = printed.findIndex((line) => line.startsWith('MCS_TOKEN='));
    expect(start, printed.join('\n')).toBeGreaterThanOrEqual(0);
    // The two lines of the command (a trailing backslash joins them), with the scripted model for Ollama.
    const command = `${printed[start]?.replace(/\\$/, '')} ${printed[start + 1]?.trim()}`
      .replace(/OPENAI_BASE_URL=\S+/, `OPENAI_BASE_URL=${model.baseURL}`)
      .replace(/OPENAI_MODEL=\S+/, 'OPENAI_MODEL=scripted-model');
    expect(command).toContain('--config infra/config/chat.dev.json');
    model.script([
      {
        toolCalls: [
          { id: 'direct', name: 'mcs__whoami', arguments: {} },
          { id: 'gateway-mcs', name: 'gateway__mcs__whoami', arguments: {} },
          { id: 'gateway-everything', name: 'gateway__everything__echo', arguments: { message: 'hi everything' } },
          { id: 'gateway-native', name: 'gateway__native__echo', arguments: { message: 'hi native' } },
        ],
      },
      { text: 'All four answered.' },
    ]);
    const { stdout } = await run('sh', ['-c', `${command} --json --yes -p 'Who am I, and echo something'`], {
      cwd: repoRoot,
      env: {
        ...process.env,
        PORT: String(ports.http),
        MCS_SKIP_INSTALL: '1',
        XDG_CONFIG_HOME: join(dir, 'config'),
        XDG_STATE_HOME: join(dir, 'state'),
        XDG_DATA_HOME: join(dir, 'data'),
      },
      timeout: 120_000,
    });
    const events = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; name?: string; isError?: boolean; content?: unknown });
    const results = events.filter((event) => event.type === 'tool-result');
    expect(results.map((result) => [result.name, result.isError])).toEqual([
      ['mcs.whoami', false],
      ['gateway.mcs.whoami', false],
      ['gateway.everything.echo', false],
      ['gateway.native.echo', false],
    ]);
    const [direct, viaGateway, everything, native] = results.map((result) => JSON.stringify(result.content));
    // The development user, signed in by `./mcs token` (directly) and by the gateway's dev script.
    expect(direct).toContain('dev (session');
    expect(viaGateway).toContain('dev (session');
    expect(everything).toContain('Echo: hi everything');
    expect(native).toContain('hi native');
    expect(events.at(-1)).toMatchObject({ type: 'final', text: 'All four answered.' });
  });

  it('Ctrl-C stops everything: exit 0, no task failed, no process of the stack left, the ports closed', async () => {
    const processes = await descendantsOf(stackPid);
    // turbo, the three tasks, the server and its tsc --watch, the gateway and server-everything at least.
    expect(processes.length).toBeGreaterThanOrEqual(6);
    const exited = once(stack, 'exit') as Promise<[number | null]>;
    stack.stdin?.write('\u0003');
    const [code] = await Promise.race([
      exited,
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`./mcs dev still runs 60 s after Ctrl-C:\n${screen().slice(-4000)}`)),
          60_000,
        ),
      ),
    ]);
    expect(code, screen().slice(-4000)).toBe(0);
    // A task whose shell dies of the SIGINT is reported by pnpm as failed, though the app stopped cleanly.
    expect(screen()).not.toContain('ELIFECYCLE');
    // Both servers drained and stopped (a second signal would have made them exit at once, without this line).
    expect(screen()).toMatch(/^@mcs\/http-mcp-server:dev: \[[\d:.]+\] INFO: stopped$/m);
    expect(screen()).toMatch(/^@mcs\/grpc-gateway:dev: \[[\d:.]+\] INFO: grpc-gateway stopped$/m);
    expect(screen()).not.toContain('second signal');
    // Each process had its chance to stop (bounded wait): none may be left.
    await waitFor(() => processes.every((pid) => !isAlive(pid)), { what: 'the stack gone', timeoutMs: 15_000 }).catch(
      () => {},
    );
    expect(processes.filter(isAlive)).toEqual([]);
    expect(await canConnect(ports.http)).toBe(false);
    expect(await canConnect(ports.grpc)).toBe(false);
  });
});

describe('without a terminal', () => {
  it('the http-mcp-server logs one JSON object per line', async () => {
    await using processes = new Processes();
    const port = await getFreePort();
    const server = processes.start('http-mcp-server', [httpMcpServerMain], {
      env: { HOST: '127.0.0.1', PORT: String(port), MCS_AUTH: 'off', LOG_LEVEL: 'info', NODE_ENV: '' },
    });
    await processes.ready(server, 'listening', async () => server.output().includes('"msg":"listening"'));
    const lines = server.output().trim().split('\n');
    const parsed = lines.map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(parsed.map((entry) => entry.msg)).toContain('listening');
    expect(parsed.every((entry) => typeof entry.level === 'number')).toBe(true);
  });
});
