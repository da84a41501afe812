// The grpc-gateway (built `dist/main.js`, a separate process) with auth on (tokens from the
// http-mcp-server's authorization server, checked against its /jwks.json) over two backends:
// - `everything`: server-everything over stdio, behind the stdio tap (stdio-tap.mjs) that records the
//   tools/call requests, notifications/cancelled and responses crossing the pipe;
// - `mcs`: the http-mcp-server over Streamable HTTP (a bearer token in the gateway's config), whose
//   `service` tool calls a slow upstream served here, which records every request it was sent and
//   whether it was aborted before its answer (the cancellation reached the last hop).
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { createGatewayClient, type GatewayClient } from '@mcs/grpc-gateway';
import { getFreePort } from '@mcs/test-utils';
import { type HttpStack, startHttpStack } from './http-stack.js';
import { INSPECT_FLAG } from './inspector.js';
import { scrape } from './metrics.js';
import {
  grpcGatewayMain,
  type Run,
  type RunningProcess,
  serverEverythingMain,
  stdioTapMain,
  waitFor,
} from './processes.js';

export interface UpstreamRequest {
  id: string;
  receivedAt: number;
  /** When the request was closed before the answer was written (the call was cancelled). */
  abortedAt?: number;
  answeredAt?: number;
}

/** The `service` tool's upstream: GET /slow?id=…&ms=… answers after `ms`, unless the caller goes away. */
export async function startSlowUpstream(run: Run): Promise<{ origin: string; requests: Map<string, UpstreamRequest> }> {
  const requests = new Map<string, UpstreamRequest>();
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://upstream');
    const id = url.searchParams.get('id') ?? `anonymous-${requests.size}`;
    const entry: UpstreamRequest = { id, receivedAt: Date.now() };
    requests.set(id, entry);
    const timer = setTimeout(
      () => {
        entry.answeredAt = Date.now();
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
      },
      Number(url.searchParams.get('ms') ?? 1000),
    );
    response.on('close', () => {
      if (entry.answeredAt === undefined) {
        clearTimeout(timer);
        entry.abortedAt = Date.now();
      }
    });
  });
  const port = await getFreePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  run.onDispose(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { origin: `http://127.0.0.1:${port}`, requests };
}

export interface TapRecord {
  kind: 'start' | 'call' | 'cancel' | 'response' | 'exit';
  at: number;
  id?: number | string;
  tool?: string;
  args?: Record<string, unknown>;
  pid?: number;
  error?: number;
}

export interface GatewayStack {
  readonly process: RunningProcess;
  readonly address: string;
  readonly metricsUrl: string;
  readonly tapFile: string;
  readonly secrets: Map<string, string>;
  client(): GatewayClient;
  tap(): TapRecord[];
  /** The pid of server-everything now (the last `start` the tap recorded). */
  backendPid(): number;
}

export async function startGateway(
  run: Run,
  stack: HttpStack,
  backendToken: string,
  callerToken: string,
  options: { logLevel?: string; callTimeoutMs?: number } = {},
): Promise<GatewayStack> {
  const port = await getFreePort();
  const metricsPort = await getFreePort();
  const tapFile = join(run.dir, 'stdio-tap.jsonl');
  writeFileSync(tapFile, '');
  const apiKey = `sk-backend-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const config = {
    host: '127.0.0.1',
    port,
    logLevel: options.logLevel ?? 'info',
    auth: {
      mode: 'on',
      jwksUri: `${stack.publicUrl}/jwks.json`,
      issuer: stack.publicUrl,
      audience: `${stack.publicUrl}/mcp`,
    },
    rbac: { 'scope:mcp': ['*'] },
    backends: {
      everything: {
        transport: 'stdio',
        command: process.execPath,
        args: [stdioTapMain, tapFile, process.execPath, serverEverythingMain, 'stdio'],
        // A credential a real backend would get: it must reach the backend, never the gateway's logs.
        env: { API_KEY: apiKey },
        tools: { allow: ['echo', 'trigger-long-running-operation'] },
        callTimeoutMs: options.callTimeoutMs ?? 10_000,
        supervision: { restart: { initialDelayMs: 100, maxDelayMs: 1_000 } },
      },
      mcs: {
        transport: 'http',
        url: `${stack.publicUrl}/mcp`,
        bearerToken: backendToken,
        tools: { allow: ['service', 'echo'] },
        callTimeoutMs: options.callTimeoutMs ?? 10_000,
        supervision: { restart: { initialDelayMs: 100, maxDelayMs: 1_000 } },
      },
    },
    metrics: { host: '127.0.0.1', port: metricsPort },
  };
  const configFile = join(run.dir, 'gateway.json');
  writeFileSync(configFile, JSON.stringify(config));
  const child = run.spawn('gateway', process.execPath, [INSPECT_FLAG, grpcGatewayMain, '--config', configFile], {});
  const address = `127.0.0.1:${port}`;
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const clients: GatewayClient[] = [];
  run.onDispose(async () => {
    for (const client of clients) client.close();
  });
  const gateway: GatewayStack = {
    process: child,
    address,
    metricsUrl,
    tapFile,
    secrets: new Map([
      ['stdio backend API key', apiKey],
      ['http backend bearer token', backendToken],
      ['gateway caller token', callerToken],
    ]),
    client() {
      const client = createGatewayClient({ address, token: callerToken });
      clients.push(client);
      return client;
    },
    tap: () =>
      readFileSync(tapFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as TapRecord),
    backendPid() {
      const starts = gateway.tap().filter((record) => record.kind === 'start');
      return starts.at(-1)?.pid ?? -1;
    },
  };
  const probe = gateway.client();
  await waitFor(
    async () => {
      if (!child.alive()) throw new Error(`the gateway exited (see ${child.logFile})`);
      await scrape(metricsUrl);
      const { tools } = await probe.listTools('', { timeoutMs: 2_000 });
      const names = tools.map((tool) => tool.name);
      return names.includes('everything.trigger-long-running-operation') && names.includes('mcs.service');
    },
    { timeoutMs: 30_000, what: 'the gateway with both backends' },
  );
  return gateway;
}

/** The gateway over one http-mcp-server replica whose `service` tool calls a slow upstream. */
export interface GatewayOverHttpStack {
  upstream: { origin: string; requests: Map<string, UpstreamRequest> };
  stack: HttpStack;
  gateway: GatewayStack;
  /** Every secret the stack and the gateway use, for the log search. */
  secrets: Map<string, string>;
}

/**
 * The setup both gateway scenarios (load and faults) run on: the slow upstream, one replica using
 * it, and the gateway with one user's token towards the replica and another's as its caller.
 */
export async function startGatewayOverHttpStack(
  run: Run,
  options: { logLevel?: string; callTimeoutMs?: number } = {},
): Promise<GatewayOverHttpStack> {
  const upstream = await startSlowUpstream(run);
  const stack = await startHttpStack(run, {
    replicas: 1,
    env: { MCS_SERVICE_BASE_URL: upstream.origin },
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
  const [backendUser, callerUser] = stack.users as [(typeof stack.users)[0], (typeof stack.users)[0]];
  const backendToken = await stack.token(backendUser);
  const callerToken = await stack.token(callerUser);
  const gateway = await startGateway(run, stack, backendToken, callerToken, options);
  return { upstream, stack, gateway, secrets: new Map([...stack.secrets, ...gateway.secrets]) };
}
