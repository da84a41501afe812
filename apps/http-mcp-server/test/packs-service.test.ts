import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { type AuthInfo, McpServer } from '@modelcontextprotocol/server';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type PackContext, PackError, registerToolPacks, type UpstreamCredentialRequest } from '../src/packs/index.js';
import { maskSecrets } from '../src/tools/service/mask-secrets.js';
import { resolveUpstreamUrl } from '../src/tools/service/upstream-url.js';
import { type Connected, connectPacks, type Era, firstText } from './packs-harness.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP server on 127.0.0.1 that records every request it gets. */
async function startUpstream(
  handle: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handle(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

const SECRET = 's3cr3t-token-value';
/** Emits `slow-request` and `slow-closed` (with the request URL) for /api/slow. */
const slowEvents = new EventEmitter();

/** Resolves on the first `event` for `url` (bounded by the test timeout). */
function nextEvent(event: string, url: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (seenUrl: string) => {
      if (seenUrl !== url) return;
      slowEvents.off(event, listener);
      resolve();
    };
    slowEvents.on(event, listener);
  });
}

function upstreamHandler(otherOrigin: () => string) {
  return (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    switch (path) {
      case '/api/items':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            items: [1, 2, 3],
            query: Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams),
          }),
        );
        return;
      case '/api/echo':
        res.writeHead(201, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ method: req.method, received: JSON.parse(body || 'null') }));
        return;
      case '/api/headers':
        // Echoes the credentials back, as a careless upstream might: the tool must mask them.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ authorization: req.headers.authorization, note: `token=${SECRET}` }));
        return;
      case '/api/text':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('plain words');
        return;
      case '/api/binary':
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(Buffer.from([0, 1, 2, 255]));
        return;
      case '/api/missing':
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'not found' }));
        return;
      case '/api/redirect':
        res.writeHead(302, { location: `${otherOrigin()}/stolen` });
        res.end();
        return;
      case '/api/big':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '4096' });
        res.end('x'.repeat(4096));
        return;
      case '/api/big-chunked':
        res.writeHead(200, { 'content-type': 'text/plain' });
        for (let i = 0; i < 8; i += 1) res.write('y'.repeat(512));
        res.end();
        return;
      case '/api/slow':
        // Never answers; the connection is closed by the caller or when the test server stops.
        req.socket.on('close', () => slowEvents.emit('slow-closed', req.url));
        slowEvents.emit('slow-request', req.url);
        return;
      default:
        res.writeHead(418);
        res.end();
    }
  };
}

describe('service tool against a real upstream on 127.0.0.1', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let other: Awaited<ReturnType<typeof startUpstream>>;
  let connected: Connected | undefined;
  const credentialRequests: UpstreamCredentialRequest[] = [];
  const logLines: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    }),
  );

  beforeAll(async () => {
    other = await startUpstream((_req, res) => res.writeHead(200).end('other origin'));
    upstream = await startUpstream(upstreamHandler(() => other.url));
  });
  afterAll(async () => {
    await stop(upstream.server);
    await stop(other.server);
  });
  afterEach(async () => {
    await connected?.close();
    connected = undefined;
    upstream.seen.length = 0;
    credentialRequests.length = 0;
  });

  async function serviceClient(service: PackContext['service'] = {}, era: Era = 'legacy', authInfo?: AuthInfo) {
    connected = await connectPacks({
      packs: ['default'],
      era,
      authInfo,
      context: {
        logger,
        service: { baseUrl: `${upstream.url}/api/`, timeoutMs: 2_000, maxResponseBytes: 1024, ...service },
        credentials: (request) => {
          credentialRequests.push(request);
          return { headers: { authorization: `Bearer ${SECRET}` }, secrets: [SECRET] };
        },
      },
    });
    const { client } = connected;
    return async (args: Record<string, unknown>) => {
      const result = await client.callTool({ name: 'service', arguments: args });
      return {
        isError: result.isError === true,
        text: firstText(result.content as never),
        structured: result.structuredContent as Record<string, unknown> | undefined,
      };
    };
  }

  it.each<Era>(['legacy', 'modern'])('GETs JSON under the base path with query parameters (%s era)', async (era) => {
    const call = await serviceClient({}, era);
    const result = await call({ path: '/items', query: { q: 'a b', page: '2' } });
    expect(result.isError).toBe(false);
    expect(result.structured).toEqual({
      status: 200,
      ok: true,
      url: `${upstream.url}/api/items?q=a+b&page=2`,
      contentType: 'application/json',
      encoding: 'json',
      body: { items: [1, 2, 3], query: { q: 'a b', page: '2' } },
    });
    expect(upstream.seen.map((request) => `${request.method} ${request.url}`)).toEqual(['GET /api/items?q=a+b&page=2']);
    expect(credentialRequests[0]?.method).toBe('GET');
    expect(credentialRequests[0]?.url.href).toBe(`${upstream.url}/api/items?q=a+b&page=2`);
  });

  it("hands the caller's token to the credential provider", async () => {
    const authInfo = { token: 't', clientId: 'c', scopes: ['s'] };
    await (await serviceClient({}, 'modern', authInfo))({ path: '/items' });
    expect(credentialRequests[0]?.authInfo).toMatchObject(authInfo);
  });

  it('POSTs a JSON body and returns a non-JSON or binary body in text or base64', async () => {
    const call = await serviceClient();
    const posted = await call({ method: 'POST', path: '/echo', body: { name: 'x', n: [1, 2] } });
    expect(posted.structured).toMatchObject({
      status: 201,
      encoding: 'json',
      body: { method: 'POST', received: { name: 'x', n: [1, 2] } },
    });
    expect(upstream.seen[0]?.headers['content-type']).toBe('application/json');

    expect((await call({ path: '/text' })).structured).toMatchObject({ encoding: 'text', body: 'plain words' });
    expect((await call({ path: '/binary' })).structured).toMatchObject({
      encoding: 'base64',
      body: Buffer.from([0, 1, 2, 255]).toString('base64'),
    });
  });

  it('passes an upstream error status through as a result, not a tool failure', async () => {
    const result = await (await serviceClient())({ path: '/missing' });
    expect(result.isError).toBe(false);
    expect(result.structured).toMatchObject({ status: 404, ok: false, body: { error: 'not found' } });
    expect(result.text.startsWith('HTTP 404')).toBe(true);
  });

  it('sends the credentials upstream but masks them in everything returned and logged', async () => {
    const result = await (await serviceClient())({ path: '/headers' });
    expect(upstream.seen[0]?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(result.structured?.body).toEqual({ authorization: '[redacted]', note: 'token=[redacted]' });
    expect(result.text).not.toContain(SECRET);
    expect(logLines.join('\n')).not.toContain(SECRET);
    expect(logLines.some((line) => line.includes('"status":200') && line.includes('upstream call'))).toBe(true);
  });

  it.each([
    '/../secret',
    '/%2e%2e/secret',
    '/a/%2E%2E/%2e%2e/secret',
    '//evil.example/x',
    'http://evil.example/x',
    'items',
    '/a\\b',
    '/items#frag',
    '/items?x=1',
    '/a%2fb',
  ])('refuses the path %j without calling anything', async (path) => {
    const result = await (await serviceClient())({ path });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/is refused/);
    expect(upstream.seen).toHaveLength(0);
    expect(other.seen).toHaveLength(0);
  });

  it('does not follow a redirect to another origin', async () => {
    const result = await (await serviceClient())({ path: '/redirect' });
    expect(result.structured).toMatchObject({ status: 302, location: `${other.url}/stolen` });
    expect(other.seen).toHaveLength(0);
  });

  it('gives up on an upstream that does not answer in time', async () => {
    const result = await (await serviceClient({ timeoutMs: 200 }))({ path: '/slow' });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/no answer within 200 ms/);
  });

  it('aborts the upstream call when the MCP request is cancelled', async () => {
    await serviceClient({ timeoutMs: 60_000 });
    const client = connected?.client;
    const abort = new AbortController();
    const url = '/api/slow?id=cancel-me';
    const requested = nextEvent('slow-request', url);
    const closed = nextEvent('slow-closed', url);
    const call = client?.callTool(
      { name: 'service', arguments: { path: '/slow', query: { id: 'cancel-me' } } },
      { signal: abort.signal },
    );
    await requested;
    abort.abort();
    await expect(call).rejects.toThrow();
    // The 60 s tool timeout is far away: only the cancellation can have closed the upstream connection.
    await closed;
  });

  it.each(['/big', '/big-chunked'])('refuses a response body over the size limit (%s)', async (path) => {
    const result = await (await serviceClient())({ path });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/larger than 1024 bytes/);
  });

  it('refuses methods outside the allow list and bodies on GET', async () => {
    const call = await serviceClient({ allowedMethods: ['GET', 'POST'] });
    expect((await call({ method: 'DELETE', path: '/items' })).text).toMatch(
      /DELETE is not allowed; use one of: GET, POST/,
    );
    expect((await call({ method: 'GET', path: '/items', body: { a: 1 } })).text).toMatch(
      /body cannot be sent with GET/,
    );
    expect(upstream.seen).toHaveLength(0);
  });

  it('rejects an unknown method with a validation error', async () => {
    const result = await (await serviceClient())({ method: 'TRACE', path: '/items' });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/method/);
  });

  it('reports an unreachable upstream clearly', async () => {
    const closed = await startUpstream(() => undefined);
    const { url } = closed;
    await stop(closed.server);
    const result = await (await serviceClient({ baseUrl: `${url}/` }))({ path: '/x' });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/failed: fetch failed \(.*ECONNREFUSED/);
  });

  it('answers "not configured" when no upstream is set', async () => {
    connected = await connectPacks({ packs: ['default'], era: 'legacy' });
    const result = await connected.client.callTool({ name: 'service', arguments: { path: '/x' } });
    expect(result.isError).toBe(true);
    expect(firstText(result.content as never)).toMatch(/no upstream configured/);
  });
});

describe('service settings validation', () => {
  it.each([
    ['ftp://example.com/', /http\(s\)/],
    ['http://user:pw@example.com/', /user info/],
    ['http://example.com/?token=1', /query/],
    ['not a url', /http\(s\)/],
  ])('refuses baseUrl %j at registration', (baseUrl, message) => {
    const server = new McpServer({ name: 't', version: '1' });
    const register = () =>
      registerToolPacks(server, {
        packs: ['default'],
        context: { logger: pino({ level: 'silent' }), service: { baseUrl } },
      });
    expect(register).toThrow(PackError);
    expect(register).toThrow(message);
  });
});

describe('resolveUpstreamUrl', () => {
  const base = new URL('https://api.example.com/v1/');
  it('stays under the base path of the base origin', () => {
    expect(resolveUpstreamUrl(base, '/users/7', { a: '1' })?.href).toBe('https://api.example.com/v1/users/7?a=1');
    expect(resolveUpstreamUrl(new URL('https://api.example.com'), '/x', undefined)?.href).toBe(
      'https://api.example.com/x',
    );
    expect(resolveUpstreamUrl(base, '/caf%C3%A9', undefined)?.pathname).toBe('/v1/caf%C3%A9');
  });
  it('refuses traversal, other hosts, and malformed escapes', () => {
    for (const path of ['/..', '/./x', '/%2E%2e', '//h/x', '/%zz', '/a\u0000b', 'x']) {
      expect(resolveUpstreamUrl(base, path, undefined), path).toBeUndefined();
    }
  });
});

describe('maskSecrets', () => {
  it('masks every occurrence, longest secret first, and ignores too-short secrets', () => {
    expect(maskSecrets('a=abcd1234 b=abcd1234xyz c=ab', ['abcd1234', 'abcd1234xyz', 'ab'])).toBe(
      'a=[redacted] b=[redacted] c=ab',
    );
  });
});
