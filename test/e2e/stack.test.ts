// The whole stack end to end, every part a real process from its built dist/:
//   mcs-chat -p --json  (the scripted OpenAI-compatible model: the one allowed imitation)
//     -> provider-sdk (inside mcs-chat) -> grpc-gateway (auth on: tokens of our authorization server)
//       -> server-everything over stdio
//       -> two http-mcp-server replicas (authorization server + MCP server) on one real redis-server,
//          behind a failover TCP balancer (what a Service or L4 balancer does in production).
// About 9 s on an idle 2-core machine; the bounds below are for a loaded one (CI shares its cores).
// The tokens come from the replicas' own authorization server through the code flow with PKCE, signed in
// the way `./mcs token` does it (tooling/toolchain/dev-auth.mjs).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFreePort, type RedisServerHandle, startRedisServer, waitFor } from '@mcs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScriptedModel, startScriptedModel } from '../../apps/provider-sdk/test/scripted-model.js';
import { devLogin } from '../../tooling/toolchain/dev-auth.mjs';
import {
  type AppProcess,
  chatCliMain,
  ensureAppsBuilt,
  grpcGatewayMain,
  hashPassword,
  httpMcpServerMain,
  Processes,
  serverEverythingMain,
} from './fixtures/apps.js';
import { type FailoverBalancer, startFailoverBalancer } from './fixtures/failover-balancer.js';

const USER = { user: 'alice', password: randomBytes(12).toString('base64url') };

let dir: string;
let processes: Processes;
let redis: RedisServerHandle;
let balancer: FailoverBalancer;
let replicas: { port: number; app: AppProcess }[];
let model: ScriptedModel;
let chatConfig: string;

interface JsonEvent {
  type: string;
  name?: string;
  isError?: boolean;
  content?: unknown;
  text?: string;
  [key: string]: unknown;
}

/** Runs `mcs-chat -p <prompt> --json --yes` to its end; `whileRunning` runs beside it. */
async function chat(prompt: string, whileRunning?: () => Promise<void>) {
  const app = processes.start('mcs-chat', [chatCliMain, '--config', chatConfig, '--json', '--yes', '-p', prompt], {
    cwd: dir,
    env: {
      OPENAI_BASE_URL: model.baseURL,
      OPENAI_API_KEY: 'test-key',
      OPENAI_MODEL: 'scripted-model',
      XDG_CONFIG_HOME: join(dir, 'config'),
      XDG_STATE_HOME: join(dir, 'state'),
      XDG_DATA_HOME: join(dir, 'data'),
    },
  });
  let stdout = '';
  app.child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  const exited = once(app.child, 'exit') as Promise<[number | null]>;
  await whileRunning?.();
  const [code] = await exited;
  const events = stdout
    .trimEnd()
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as JsonEvent);
  return { code, events, output: app.output() };
}

const resultsOf = (events: JsonEvent[]) => events.filter((event) => event.type === 'tool-result');

beforeAll(async () => {
  ensureAppsBuilt();
  dir = await mkdtemp(join(tmpdir(), 'mcs-e2e-'));
  processes = new Processes();
  redis = await startRedisServer();
  model = await startScriptedModel();

  // Two replicas, one issuer: they share the signing key, the users and PUBLIC_URL (the balancer's
  // address, as behind a real balancer), and every session and token record lives in the one Redis.
  const ports = [await getFreePort(), await getFreePort()];
  balancer = await startFailoverBalancer(ports);
  const publicUrl = `http://127.0.0.1:${balancer.port}`;
  const signingKey = {
    ...generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'jwk' }),
    kid: 'e2e',
    alg: 'ES256',
  };
  const serverEnv = {
    HOST: '127.0.0.1',
    PUBLIC_URL: publicUrl,
    REDIS_URL: redis.url,
    MCS_AUTH: 'on',
    MCS_USERS: JSON.stringify({ [USER.user]: hashPassword(USER.password) }),
    MCS_SIGNING_KEYS: JSON.stringify(signingKey),
    LOG_LEVEL: 'warn',
  };
  replicas = ports.map((port, index) => ({
    port,
    app: processes.start(`http-mcp-server-${index}`, [httpMcpServerMain], {
      env: { ...serverEnv, PORT: String(port) },
    }),
  }));
  await Promise.all(
    replicas.map(({ port, app }) =>
      processes.ready(app, '/readyz', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok),
    ),
  );

  // The gateway's own token for the http-mcp-server backend, and the chat's token for the gateway.
  const backendToken = (await devLogin(publicUrl, USER, { clientName: 'e2e gateway' })).access_token;
  const callerToken = (await devLogin(publicUrl, USER, { clientName: 'e2e chat' })).access_token;

  const gatewayPort = await getFreePort();
  const gatewayConfig = join(dir, 'gateway.json');
  await writeFile(
    gatewayConfig,
    JSON.stringify({
      host: '127.0.0.1',
      port: gatewayPort,
      auth: { mode: 'on', jwksUri: `${publicUrl}/jwks.json`, issuer: publicUrl, audience: `${publicUrl}/mcp` },
      rbac: { 'scope:mcp': ['*'] },
      backends: {
        everything: {
          transport: 'stdio',
          command: process.execPath,
          args: [serverEverythingMain, 'stdio'],
          tools: { allow: ['echo', 'get-sum'] },
        },
        mcs: {
          transport: 'http',
          url: `${publicUrl}/mcp`,
          bearerToken: backendToken,
          tools: { allow: ['echo', 'whoami'] },
        },
      },
      logLevel: 'info',
    }),
  );
  const gateway = processes.start('grpc-gateway', [grpcGatewayMain, '--config', gatewayConfig]);
  // Listening, and both backends connected (their tools are in the catalog the chat lists at start).
  await processes.ready(gateway, 'listening with both backends ready', async () => {
    const output = gateway.output();
    return (
      output.includes('grpc-gateway listening') &&
      ['everything', 'mcs'].every((backend) =>
        output.split('\n').some((line) => line.includes(`"backend":"${backend}"`) && line.includes('"status":"ready"')),
      )
    );
  });
  chatConfig = join(dir, 'chat.json');
  await writeFile(
    chatConfig,
    JSON.stringify({
      mcp: { backends: { gateway: { transport: 'grpc', address: `127.0.0.1:${gatewayPort}`, token: callerToken } } },
    }),
  );
}, 180_000);

afterAll(async () => {
  await processes?.[Symbol.asyncDispose]();
  await balancer?.[Symbol.asyncDispose]();
  await model?.close();
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('mcs-chat -> provider-sdk -> grpc-gateway -> server-everything and the http-mcp-server', () => {
  it('answers with the results of both backends, as --json steps', async () => {
    model.script([
      {
        toolCalls: [
          { id: 'sum', name: 'gateway__everything__get-sum', arguments: { a: 19, b: 23 } },
          { id: 'who', name: 'gateway__mcs__whoami', arguments: {} },
        ],
      },
      { text: ['server-everything says 42; ', 'the http-mcp-server knows you as alice.'] },
    ]);
    const requestsBefore = model.requests.length;
    const { code, events, output } = await chat('What is 19 + 23, and who am I?');
    expect(code, output).toBe(0);
    expect(events.filter((event) => event.type === 'tool-call').map((event) => event.name)).toEqual([
      'gateway.everything.get-sum',
      'gateway.mcs.whoami',
    ]);
    const [sum, who] = resultsOf(events);
    expect(sum).toMatchObject({ name: 'gateway.everything.get-sum', isError: false });
    expect(JSON.stringify(sum?.content)).toContain('42');
    // whoami runs inside the http-mcp-server: the identity is the signed-in user of the gateway's token.
    expect(who).toMatchObject({ name: 'gateway.mcs.whoami', isError: false });
    expect(JSON.stringify(who?.content)).toContain('alice');
    // The second model request carried both results back to the model, which quoted them.
    const followUp = JSON.stringify(model.requests[requestsBefore + 1]?.messages);
    expect(followUp).toContain('42');
    expect(followUp).toContain('alice');
    expect(events.at(-1)).toMatchObject({
      type: 'final',
      text: 'server-everything says 42; the http-mcp-server knows you as alice.',
      steps: 2,
    });
    expect(events.filter((event) => event.type === 'error' || event.type === 'retry')).toEqual([]);
  });

  it('one of two http-mcp-server replicas killed (SIGKILL) mid-run: the calls go on through the other, no error reaches the client', async () => {
    const [first, second] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    model.script([
      { toolCalls: [{ id: 'before', name: 'gateway__mcs__whoami', arguments: {} }] },
      // The model "thinks" for a while: the replica dies meanwhile, before the next calls.
      {
        firstTokenDelayMs: 1_500,
        toolCalls: [
          { id: 'after', name: 'gateway__mcs__whoami', arguments: {} },
          { id: 'echo', name: 'gateway__mcs__echo', arguments: { text: 'still here' } },
          { id: 'sum', name: 'gateway__everything__get-sum', arguments: { a: 1, b: 2 } },
        ],
      },
      { text: 'Done.' },
    ]);
    const requestsBefore = model.requests.length;
    let acceptedBeforeKill = new Map<number, number>();
    const { code, events, output } = await chat('Who am I, before and after?', async () => {
      await waitFor(() => model.requests.length >= requestsBefore + 2, {
        what: 'the second model request',
        timeoutMs: 30_000,
      });
      acceptedBeforeKill = new Map(balancer.accepted);
      const exited = once(first.app.child, 'exit');
      first.app.child.kill('SIGKILL');
      await exited;
    });
    expect(code, output).toBe(0);
    // Until the kill every connection went to the first replica; after it, to the second.
    expect(acceptedBeforeKill.get(first.port)).toBeGreaterThan(0);
    expect(acceptedBeforeKill.get(second.port)).toBe(0);
    expect(balancer.accepted.get(second.port)).toBeGreaterThan(0);

    const results = resultsOf(events);
    expect(results.map((result) => [result.name, result.isError])).toEqual([
      ['gateway.mcs.whoami', false],
      ['gateway.mcs.whoami', false],
      ['gateway.mcs.echo', false],
      ['gateway.everything.get-sum', false],
    ]);
    // The same MCP session before and after: the second replica served it from Redis.
    const sessionOf = (result: JsonEvent | undefined) =>
      /session ([0-9a-f-]{36})/.exec(JSON.stringify(result?.content))?.[1];
    expect(sessionOf(results[0])).toBeDefined();
    expect(sessionOf(results[1])).toBe(sessionOf(results[0]));
    expect(JSON.stringify(results[2]?.content)).toContain('still here');
    expect(events.filter((event) => event.type === 'error' || event.type === 'retry')).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: 'final', text: 'Done.' });
  });
});
