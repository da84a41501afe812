import { describe, expect, it } from 'vitest';
import { createBackendConnection } from '../src/index.js';
import { fastSupervision, nextEvent, textOf } from './helpers.js';
import { startSessionHttpServer } from './session-http-server.js';

describe('Streamable HTTP backend: sessions and credentials (own SDK server)', () => {
  it('answers a 404 for an expired session by re-initializing once and retrying the call', async () => {
    await using server = await startSessionHttpServer();
    await using backend = createBackendConnection(
      'sessions',
      { transport: 'http', url: server.url },
      { supervision: fastSupervision },
    );
    const firstSession = textOf(await backend.callTool('whoami'));
    expect(textOf(await backend.callTool('whoami'))).toBe(firstSession);
    expect(server.initializations).toBe(1);

    await server.restart();
    // A real restart takes a while; let the client see its pooled keep-alive sockets close first
    // (a POST on a socket the server already closed fails as a network error, not as a 404).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const restart = nextEvent(backend, 'restart');
    const secondSession = textOf(await backend.callTool('whoami'));
    expect(secondSession).not.toBe(firstSession);
    expect(server.initializations).toBe(2);
    expect(server.seen.some((request) => request.status === 404 && request.sessionId === firstSession)).toBe(true);
    expect(await restart).toMatchObject({ attempt: 0, delayMs: 0, reason: { code: 'SESSION_EXPIRED' } });
  });

  it('sends the configured headers and a fresh bearer token from the token provider on every request', async () => {
    const issued: string[] = [];
    await using server = await startSessionHttpServer({ requireToken: (token) => token.startsWith('token-') });
    await using backend = createBackendConnection(
      'secured',
      { transport: 'http', url: server.url, headers: { 'x-api-key': 'k-123' }, bearerToken: 'ignored-static' },
      {
        supervision: fastSupervision,
        tokenProvider: () => {
          const token = `token-${issued.length}`;
          issued.push(token);
          return token;
        },
      },
    );
    await backend.connect();
    await backend.callTool('whoami');
    const posts = server.seen.filter((request) => request.method === 'POST');
    expect(posts.length).toBeGreaterThanOrEqual(3);
    expect(posts.every((request) => request.apiKey === 'k-123')).toBe(true);
    expect(posts.every((request) => request.authorization?.startsWith('Bearer token-'))).toBe(true);
    expect(new Set(posts.map((request) => request.authorization)).size).toBeGreaterThan(1);
  });

  it('uses the static bearer token when there is no provider, and reports a refused token as UNAUTHENTICATED', async () => {
    await using server = await startSessionHttpServer({ requireToken: (token) => token === 's3cret' });
    await using good = createBackendConnection(
      'static',
      { transport: 'http', url: server.url, bearerToken: 's3cret' },
      { supervision: fastSupervision },
    );
    expect(textOf(await good.callTool('whoami')).length).toBeGreaterThan(0);

    await using bad = createBackendConnection(
      'refused',
      { transport: 'http', url: server.url, bearerToken: 'wrong' },
      { supervision: { ...fastSupervision, restart: { initialDelayMs: 1_000 } } },
    );
    const failure = await bad.connect().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'CONNECT_FAILED', category: 'unauthenticated', backend: 'refused' });
    expect((failure as Error).message).toContain('credentials');
  });
});
