import { createServer, type Server } from 'node:http';
import { PassThrough } from 'node:stream';
import { createPkcePair } from '@mcs/auth';
import { describe, expect, it } from 'vitest';
import { addressProblem } from '../src/auth/client-metadata-document.js';
import { runHashPasswordCommand } from '../src/auth/hash-password-command.js';
import { hashPassword, verifyPassword } from '../src/auth/password-hash.js';
import {
  authorizationUrl,
  callWhoami,
  exchangeCode,
  registerClient,
  signInAndConsent,
  startAuthServer,
  startCallbackServer,
  USER,
} from './auth-harness.js';

/** Serves JSON documents on loopback: path -> (own URL) -> { status, body, headers }. */
async function startDocumentServer(
  routes: Record<string, (self: string) => { status?: number; body?: unknown; headers?: Record<string, string> }>,
) {
  const server: Server = createServer((request, response) => {
    const self = `http://127.0.0.1:${(server.address() as { port: number }).port}${request.url}`;
    const route = routes[request.url ?? ''];
    if (!route) return void response.writeHead(404).end();
    const answer = route(self);
    response.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
    response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { origin, close, [Symbol.asyncDispose]: close };
}

describe('Client ID Metadata Documents', () => {
  it('a client_id URL is fetched and used for the whole flow (loopback allowed by the test flag)', async () => {
    await using callback = await startCallbackServer();
    await using docs = await startDocumentServer({
      '/client.json': (self) => ({
        body: { client_id: self, client_name: 'CIMD app', redirect_uris: [callback.redirectUri] },
      }),
      '/liar.json': () => ({
        body: { client_id: 'https://other.example/client.json', redirect_uris: [callback.redirectUri] },
      }),
      '/moved.json': () => ({ status: 302, headers: { location: '/client.json' } }),
    });
    await using server = await startAuthServer({ MCS_CIMD_ALLOW_LOOPBACK: 'on' });
    const clientId = `${docs.origin}/client.json`;
    const pkce = createPkcePair();
    const redirect = await signInAndConsent(
      authorizationUrl(server.origin, { clientId, redirectUri: callback.redirectUri, challenge: pkce.challenge }),
    );
    const token = await exchangeCode(server.origin, {
      code: redirect.searchParams.get('code') as string,
      redirectUri: callback.redirectUri,
      verifier: pkce.verifier,
      clientId,
    });
    expect(token.status).toBe(200);
    const me = await callWhoami(server.origin, `Bearer ${token.body.access_token}`);
    expect(me.status).toBe(200);
    expect(me.text).toContain(clientId);

    for (const path of ['/liar.json', '/moved.json']) {
      const page = await fetch(
        authorizationUrl(server.origin, {
          clientId: `${docs.origin}${path}`,
          redirectUri: callback.redirectUri,
          challenge: pkce.challenge,
        }),
        { redirect: 'manual' },
      );
      expect(page.status, path).toBe(400);
      expect(page.headers.get('location'), path).toBeNull();
    }
  });

  it('SSRF guards: http, loopback, private and unresolvable hosts are refused; the page says only that the client could not be verified', async () => {
    await using server = await startAuthServer();
    await using callback = await startCallbackServer();
    for (const clientId of [
      'http://127.0.0.1:9/client.json',
      'https://127.0.0.1/client.json',
      'https://[::1]/client.json',
      'https://[::ffff:10.0.0.1]/client.json',
      'https://169.254.169.254/latest/meta-data',
      'https://localhost/client.json',
      'https://no-such-host.invalid/client.json',
      'https://internal-name/client.json',
    ]) {
      const page = await fetch(
        authorizationUrl(server.origin, {
          clientId,
          redirectUri: callback.redirectUri,
          challenge: createPkcePair().challenge,
        }),
        { redirect: 'manual' },
      );
      const html = await page.text();
      expect(page.status, clientId).toBe(400);
      expect(html, clientId).toContain('could not be verified');
      // What the host resolved to, or that it did not resolve, must not reach the page: it would let
      // anyone probe internal names (the detail goes to the server log only).
      expect(html, clientId).not.toMatch(
        /loopback|private|reserved|ENOTFOUND|getaddrinfo|EAI_|127\.0\.0\.1 is|::1 is|10\.0\.0\.1 is/,
      );
    }
    for (const address of [
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '100.64.0.1',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
    ]) {
      expect(addressProblem(address, true), address).toBeDefined();
    }
    expect(addressProblem('127.0.0.1', false)).toMatch(/loopback/);
    expect(addressProblem('::ffff:127.0.0.1', false)).toBeDefined();
    expect(addressProblem('127.0.0.1', true)).toBeUndefined();
    expect(addressProblem('93.184.215.14', false)).toBeUndefined();
    expect(addressProblem('2606:4700::1111', false)).toBeUndefined();
    expect(addressProblem('::ffff:7f00:1', false)).toMatch(/loopback/);
    expect(addressProblem('::ffff:a00:1', true)).toMatch(/private/);
    expect(addressProblem('::1', false)).toMatch(/loopback/);
  });
});

describe('sign-in page', () => {
  it('wrong password: the form again (401), no code; deny: access_denied with state and iss', async () => {
    await using server = await startAuthServer();
    await using callback = await startCallbackServer();
    const clientId = await registerClient(server.origin, [callback.redirectUri]);
    const url = authorizationUrl(server.origin, {
      clientId,
      redirectUri: callback.redirectUri,
      challenge: createPkcePair().challenge,
      state: 's-42',
    });
    await expect(signInAndConsent(url, { password: 'wrong' })).rejects.toThrow(/POST \/authorize answered 401/);
    await expect(signInAndConsent(url, { username: 'nobody' })).rejects.toThrow(/answered 401/);
    const denied = await signInAndConsent(url, { decision: 'deny' });
    expect(Object.fromEntries(denied.searchParams)).toMatchObject({
      error: 'access_denied',
      state: 's-42',
      iss: server.origin,
    });
  });

  it('CSRF: a form without the matching cookie is refused (403)', async () => {
    await using server = await startAuthServer();
    await using callback = await startCallbackServer();
    const clientId = await registerClient(server.origin, [callback.redirectUri]);
    const page = await fetch(
      authorizationUrl(server.origin, {
        clientId,
        redirectUri: callback.redirectUri,
        challenge: createPkcePair().challenge,
      }),
    );
    const html = await page.text();
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';
    const answer = await fetch(`${server.origin}/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        request_id: field('request_id'),
        csrf_token: field('csrf_token'),
        username: USER.name,
        password: USER.password,
        decision: 'approve',
      }),
    });
    expect(answer.status).toBe(403);
    expect(answer.headers.get('location')).toBeNull();
  });

  it('PKCE is required and only S256: plain or missing challenge goes back as invalid_request', async () => {
    await using server = await startAuthServer();
    await using callback = await startCallbackServer();
    const clientId = await registerClient(server.origin, [callback.redirectUri]);
    const url = authorizationUrl(server.origin, {
      clientId,
      redirectUri: callback.redirectUri,
      challenge: 'x'.repeat(43),
    });
    url.searchParams.set('code_challenge_method', 'plain');
    const plain = await fetch(url, { redirect: 'manual' });
    expect(plain.status).toBe(303);
    expect(new URL(plain.headers.get('location') as string).searchParams.get('error')).toBe('invalid_request');
    url.searchParams.delete('code_challenge');
    url.searchParams.delete('code_challenge_method');
    const missing = await fetch(url, { redirect: 'manual' });
    expect(new URL(missing.headers.get('location') as string).searchParams.get('error')).toBe('invalid_request');
  });
});

describe('rate limits', () => {
  it('/register beyond the per-minute limit: 429', async () => {
    await using server = await startAuthServer({ MCS_AUTH_RATE_LIMIT_PER_MIN: '3' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const response = await fetch(`${server.origin}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:1/cb'] }),
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
  });
});

describe('passwords', () => {
  it('scrypt hashes: salted, verified in constant time, wrong and unknown refused', async () => {
    const first = await hashPassword('s3cret');
    const second = await hashPassword('s3cret');
    expect(first).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(first).not.toBe(second);
    expect(await verifyPassword('s3cret', first)).toBe(true);
    expect(await verifyPassword('s3cret!', first)).toBe(false);
    expect(await verifyPassword('s3cret', undefined)).toBe(false);
  });

  it('the hash-password command reads stdin and prints a hash', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdin.end('pa55word\n');
    expect(await runHashPasswordCommand(stdin, stdout, stderr)).toBe(0);
    const hash = String(stdout.read()).trim();
    expect(await verifyPassword('pa55word', hash)).toBe(true);
    const empty = new PassThrough();
    empty.end('');
    expect(await runHashPasswordCommand(empty, stdout, stderr)).toBe(2);
  });
});
