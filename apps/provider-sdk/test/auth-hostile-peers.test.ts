// OAuth against peers that misbehave, each a small real HTTP server on loopback: an MCP server that
// asks for a token, its protected resource metadata and an authorization server whose answers the
// test chooses. Every case must end in a typed error (ProviderError UNAUTHENTICATED with the
// AuthorizationError or the SDK's error as cause), quickly, and without leaking what it carried.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthorizationError,
  type Authorizer,
  createHeadlessAuthorizer,
  createLoopbackAuthorizer,
  createMcpClientPool,
  ProviderError,
} from '../src/index.js';

type Route = (request: IncomingMessage, response: ServerResponse, body: string) => void;

interface Peer {
  origin: string;
  /** Every request received: method and path. */
  hits: string[];
  close(): Promise<void>;
}

const peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((peer) => peer.close()));
});

/** A loopback HTTP server answering `routes[path]` (404 otherwise). */
async function startPeer(routes: (origin: string) => Record<string, Route>): Promise<Peer> {
  const hits: string[] = [];
  let table: Record<string, Route> = {};
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
      hits.push(`${request.method} ${path}`);
      const route = table[path];
      if (route) route(request, response, Buffer.concat(chunks).toString('utf8'));
      else response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  const origin = `http://127.0.0.1:${address.port}`;
  table = routes(origin);
  const peer: Peer = {
    origin,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  peers.push(peer);
  return peer;
}

const json =
  (status: number, value: unknown): Route =>
  (_request, response) =>
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));

/** The MCP endpoint: every request needs a token it never accepts. */
const protectedMcp =
  (origin: string): Route =>
  (_request, response) =>
    response
      .writeHead(401, {
        'content-type': 'application/json',
        'www-authenticate': `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`,
      })
      .end('{"error":"invalid_token"}');

const resourceMetadata = (origin: string): Route =>
  json(200, { resource: `${origin}/mcp`, authorization_servers: [origin] });

const serverMetadata = (origin: string, extra: Record<string, unknown> = {}): Route =>
  json(200, {
    issuer: origin,
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/token`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    ...extra,
  });

/** A user who approves at once: the callback the authorization server would redirect to. */
const approvingUser = () =>
  createHeadlessAuthorizer({
    timeoutMs: 5_000,
    respond: async (url) => {
      const callback = new URL(url.searchParams.get('redirect_uri') ?? '');
      callback.search = new URLSearchParams({
        code: 'the-code',
        state: url.searchParams.get('state') ?? '',
      }).toString();
      return callback.toString();
    },
  });

/** Calls a tool of the peer's MCP endpoint through a pool signing in with `authorizer`. */
async function callThrough(peer: Peer, authorizer: Authorizer): Promise<ProviderError> {
  await using pool = createMcpClientPool(
    {
      backends: {
        peer: {
          transport: 'http',
          url: `${peer.origin}/mcp`,
          // Pre-registered: no /register in these peers.
          auth: { clientId: 'hostile-test' },
          policy: { retry: { maxRetries: 0 } },
        },
      },
    },
    { auth: { authorizer } },
  );
  const started = performance.now();
  const error = await pool.callTool('peer.anything', {}).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  // A typed failure at once, not the 30 s call timeout of a backend waited for through restarts
  // (the bound leaves room for a loaded CI machine).
  expect(performance.now() - started).toBeLessThan(10_000);
  expect(ProviderError.isInstance(error)).toBe(true);
  return error as ProviderError;
}

/** The chain of causes of an error, outermost first. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current !== undefined && chain.length < 10; current = (current as Error).cause) {
    chain.push(current);
  }
  return chain;
}

describe('hostile OAuth peers: each a typed error', { timeout: 60_000 }, () => {
  it('malformed protected resource metadata', async () => {
    const peer = await startPeer((origin) => ({
      '/mcp': protectedMcp(origin),
      '/.well-known/oauth-protected-resource/mcp': json(200, { resource: 42, authorization_servers: 'nope' }),
    }));
    const error = await callThrough(peer, approvingUser());
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED', category: 'unauthenticated', backend: 'peer' });
  });

  it('malformed authorization server metadata (not JSON, then the wrong shape)', async () => {
    for (const body of ['<html>not metadata</html>', JSON.stringify({ issuer: 7, token_endpoint: ['x'] })]) {
      const peer = await startPeer((origin) => ({
        '/mcp': protectedMcp(origin),
        '/.well-known/oauth-protected-resource/mcp': resourceMetadata(origin),
        '/.well-known/oauth-authorization-server': (_request, response) =>
          response.writeHead(200, { 'content-type': 'application/json' }).end(body),
        '/.well-known/openid-configuration': (_request, response) =>
          response.writeHead(200, { 'content-type': 'application/json' }).end(body),
      }));
      const error = await callThrough(peer, approvingUser());
      expect(error).toMatchObject({ code: 'UNAUTHENTICATED', category: 'unauthenticated' });
      expect(error.message.length).toBeLessThan(1_500);
    }
  });

  it('an authorization server that redirects to another origin: nothing is sent there', async () => {
    const elsewhere = await startPeer((origin) => ({
      '/.well-known/oauth-authorization-server': serverMetadata(origin),
      '/token': json(200, { access_token: 'stolen', token_type: 'Bearer' }),
    }));
    for (const path of ['/.well-known/oauth-authorization-server', '/token']) {
      const peer = await startPeer((origin) => ({
        '/mcp': protectedMcp(origin),
        '/.well-known/oauth-protected-resource/mcp': resourceMetadata(origin),
        '/.well-known/oauth-authorization-server': serverMetadata(origin),
        [path]: (_request, response) => response.writeHead(307, { location: `${elsewhere.origin}${path}` }).end(),
      }));
      const error = await callThrough(peer, approvingUser());
      expect(error).toMatchObject({ code: 'UNAUTHENTICATED', category: 'unauthenticated' });
      expect(error.message).toContain('another origin');
    }
    // Neither the metadata request nor the code and its verifier went to the other origin.
    expect(elsewhere.hits).toEqual([]);
  });

  it('a token endpoint answering HTML, or 500', async () => {
    const answers: Route[] = [
      (_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>sign in</html>'),
      (_request, response) => response.writeHead(500, { 'content-type': 'text/html' }).end('<h1>oops</h1>'),
    ];
    for (const answer of answers) {
      const tokenRequests: string[] = [];
      const peer = await startPeer((origin) => ({
        '/mcp': protectedMcp(origin),
        '/.well-known/oauth-protected-resource/mcp': resourceMetadata(origin),
        '/.well-known/oauth-authorization-server': serverMetadata(origin),
        '/token': (request, response, body) => {
          tokenRequests.push(body);
          answer(request, response, body);
        },
      }));
      const error = await callThrough(peer, approvingUser());
      expect(error).toMatchObject({ code: 'UNAUTHENTICATED', category: 'unauthenticated' });
      // The code was redeemed once, with PKCE; the verifier is not in the error.
      expect(tokenRequests).toHaveLength(1);
      const verifier = new URLSearchParams(tokenRequests[0]).get('code_verifier') ?? '';
      expect(verifier.length).toBeGreaterThanOrEqual(43);
      expect(error.message).not.toContain(verifier);
    }
  });

  it('a callback with another state than the request: AUTHORIZATION_STATE_MISMATCH, no token request', async () => {
    const peer = await startPeer((origin) => ({
      '/mcp': protectedMcp(origin),
      '/.well-known/oauth-protected-resource/mcp': resourceMetadata(origin),
      '/.well-known/oauth-authorization-server': serverMetadata(origin),
      '/token': json(200, { access_token: 'never', token_type: 'Bearer' }),
    }));
    const browser: Promise<number>[] = [];
    // The real loopback listener; the "browser" comes back with a forged state.
    const authorizer = createLoopbackAuthorizer({
      timeoutMs: 5_000,
      openUrl: (url) => {
        const callback = new URL(url.searchParams.get('redirect_uri') ?? '');
        callback.search = new URLSearchParams({ code: 'the-code', state: 'forged' }).toString();
        browser.push(fetch(callback).then((response) => response.status));
      },
    });
    try {
      const error = await callThrough(peer, authorizer);
      expect(error).toMatchObject({ code: 'UNAUTHENTICATED', category: 'unauthenticated' });
      const authorization = causes(error).find((cause) => AuthorizationError.isInstance(cause));
      expect(authorization).toMatchObject({ code: 'AUTHORIZATION_STATE_MISMATCH' });
      expect(await Promise.all(browser)).toEqual([400]);
      expect(peer.hits).not.toContain('POST /token');
    } finally {
      await authorizer.close();
    }
  });
});
