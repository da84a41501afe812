// Connects real McpServers carrying the tool packs to the official SDK client:
// - legacy era (2025-11-25, initialize + session): the SDK's in-memory transport pair;
// - modern era (2026-07-28, stateless): the SDK's createMcpHandler served by node:http on
//   127.0.0.1, one McpServer per request, reached with the SDK's Streamable HTTP client transport.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Client, type ClientCapabilities, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import {
  type AuthInfo,
  createMcpHandler,
  InMemoryTransport,
  McpServer,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/server';
import { pino } from 'pino';
import { type PackContext, registerToolPacks, serverCapabilitiesFor } from '../src/packs/index.js';

export type Era = 'legacy' | 'modern';
export const ERAS: readonly Era[] = ['legacy', 'modern'];

export interface Connected {
  readonly client: Client;
  close(): Promise<void>;
}

export const silentLogger = pino({ level: 'silent' });

interface ConnectOptions {
  packs: readonly string[];
  era: Era;
  /** Merged over a silent logger; pass a full PackContext to share it between connections. */
  context?: Partial<PackContext>;
  clientCapabilities?: ClientCapabilities;
  setupClient?: (client: Client) => void;
  /** Modern era only: the validated token the HTTP layer hands to every request. */
  authInfo?: AuthInfo;
}

function isFullContext(context: Partial<PackContext> | undefined): context is PackContext {
  return context?.logger !== undefined;
}

function packServer(options: ConnectOptions): McpServer {
  const server = new McpServer(
    { name: 'packs-test-server', version: '1.0.0' },
    {
      capabilities: serverCapabilitiesFor(options.packs),
      // The SDK serves only the 2025 revisions unless 2026-07-28 is listed.
      supportedProtocolVersions: ['2026-07-28', ...SUPPORTED_PROTOCOL_VERSIONS],
    },
  );
  const context = isFullContext(options.context) ? options.context : { logger: silentLogger, ...options.context };
  registerToolPacks(server, { packs: options.packs, context });
  return server;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** node:http -> fetch Request -> handler -> fetch Response -> node:http, streaming SSE bodies. */
async function serveFetch(
  handler: (request: Request, options?: { authInfo?: AuthInfo }) => Promise<Response>,
  authInfo: AuthInfo | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await readBody(req);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  const response = await handler(
    new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers, body }),
    authInfo === undefined ? undefined : { authInfo },
  );
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body === null) {
    res.end();
    return;
  }
  Readable.fromWeb(response.body as never).pipe(res);
}

async function connectModern(options: ConnectOptions, client: Client): Promise<Connected> {
  const handler = createMcpHandler(() => packServer(options), { legacy: 'reject' });
  const http = createServer((req, res) => {
    serveFetch(handler.fetch, options.authInfo, req, res).catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
  return {
    client,
    async close() {
      await client.close();
      await handler.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

async function connectLegacy(options: ConnectOptions, client: Client): Promise<Connected> {
  const server = packServer(options);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  return {
    client,
    async close() {
      await client.close();
      await server.close();
    },
  };
}

export async function connectPacks(options: ConnectOptions): Promise<Connected> {
  const client = new Client(
    { name: 'packs-test-client', version: '1.0.0' },
    {
      capabilities: options.clientCapabilities ?? { sampling: {}, elicitation: {} },
      ...(options.era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
    },
  );
  options.setupClient?.(client);
  return options.era === 'modern' ? connectModern(options, client) : connectLegacy(options, client);
}

/** The text of the first text block of a tool result or prompt message list. */
export function firstText(content: readonly { type: string; text?: string }[] | undefined): string {
  const block = content?.find((item) => item.type === 'text');
  if (block?.text === undefined) throw new Error(`no text content in ${JSON.stringify(content)}`);
  return block.text;
}
