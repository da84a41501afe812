import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { getFreePort } from '@mcs/test-utils';
import { McpServer, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';

/** What the server saw of one HTTP request. */
export interface SeenRequest {
  method: string;
  authorization: string | undefined;
  apiKey: string | undefined;
  sessionId: string | undefined;
  status: number;
}

export interface SessionHttpServer extends AsyncDisposable {
  readonly url: string;
  readonly seen: SeenRequest[];
  /** Sessions initialized so far (over all restarts). */
  readonly initializations: number;
  /** Stops and starts the server on the same port: every session is forgotten (404 afterwards). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A Streamable HTTP MCP server built on the official SDK's web-standard transport, as the spec has
 * it: one session per `initialize`, 404 for an unknown session id. Optionally demands a bearer token.
 */
export async function startSessionHttpServer(
  options: { requireToken?: (token: string) => boolean } = {},
): Promise<SessionHttpServer> {
  const port = await getFreePort();
  const seen: SeenRequest[] = [];
  let initializations = 0;
  let sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();

  const newSession = async () => {
    const mcp = new McpServer({ name: 'session-http-server', version: '1.0.0' });
    mcp.registerTool('whoami', { description: 'Returns the session id' }, async (ctx) => ({
      content: [{ type: 'text', text: ctx.sessionId ?? 'none' }],
    }));
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        initializations++;
        sessions.set(id, transport);
      },
    });
    await mcp.connect(transport);
    return transport;
  };

  const handle = async (request: Request): Promise<Response> => {
    const token = request.headers.get('authorization')?.replace(/^Bearer /, '');
    if (options.requireToken && !(token && options.requireToken(token))) {
      return new Response('unauthorized', { status: 401 });
    }
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId) {
      const transport = sessions.get(sessionId);
      if (!transport) {
        return Response.json(
          { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null },
          { status: 404 },
        );
      }
      return transport.handleRequest(request);
    }
    if (request.method !== 'POST') return new Response('session id required', { status: 400 });
    return (await newSession()).handleRequest(request);
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers.set(name, value);
      else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    }
    const method = req.method ?? 'GET';
    const request = new Request(`http://127.0.0.1:${port}${req.url ?? '/'}`, {
      method,
      headers,
      ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
    });
    const response = await handle(request);
    seen.push({
      method,
      authorization: headers.get('authorization') ?? undefined,
      apiKey: headers.get('x-api-key') ?? undefined,
      sessionId: headers.get('mcp-session-id') ?? undefined,
      status: response.status,
    });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) {
      for await (const chunk of response.body) res.write(chunk);
    }
    res.end();
  };

  let server: Server | undefined;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const created = createServer((req, res) => {
        onRequest(req, res).catch((error: unknown) => {
          if (!res.headersSent) res.writeHead(500);
          res.end(String(error));
        });
      });
      created.once('error', reject);
      created.listen(port, '127.0.0.1', () => resolve());
      server = created;
    });
  const stop = async () => {
    const current = server;
    server = undefined;
    if (!current) return;
    current.closeAllConnections();
    await new Promise<void>((resolve) => current.close(() => resolve()));
    const closing = [...sessions.values()].map((transport) => transport.close());
    sessions = new Map();
    await Promise.allSettled(closing);
  };

  await start();
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    seen,
    get initializations() {
      return initializations;
    },
    restart: async () => {
      await stop();
      await start();
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
