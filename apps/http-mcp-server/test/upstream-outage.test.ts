// The upstream provider going away: refresh and code exchange fail with "retry later" (the login is
// kept), discovery failure makes `login` a tool error. Also runs the development defaults: in-memory
// store and an ephemeral secret box key (no MCS_SECRET_KEYS).
import { getFreePort, waitFor } from '@mcs/test-utils';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIENT_ID,
  call,
  connectSessionClient,
  reserveServerOrigin,
  signInUpstream,
  startTestApi,
  startTestProvider,
  startUpstreamTestServer,
  type TestApi,
  type TestProvider,
  type UpstreamTestServer,
} from './upstream-fixtures.js';

let provider: TestProvider;
let api: TestApi;
let server: UpstreamTestServer;
let client: Client;

beforeAll(async () => {
  const reserved = await reserveServerOrigin();
  provider = await startTestProvider({ redirectUri: reserved.callbackUrl, accessTokenTtlSeconds: 2 });
  api = await startTestApi(provider.issuer);
  server = await startUpstreamTestServer(reserved, {
    MCS_SERVICE_BASE_URL: api.url,
    MCS_UPSTREAM_ISSUER: provider.issuer,
    MCS_UPSTREAM_CLIENT_ID: CLIENT_ID,
    MCS_UPSTREAM_SCOPES: 'openid offline_access api:read',
  });
  ({ client } = await connectSessionClient(server.origin));
}, 30_000);

afterAll(async () => {
  await client?.close();
  await server?.close();
  await api?.close();
  await provider?.close();
});

describe('upstream provider outages (in-memory store, ephemeral key)', () => {
  it('a refresh while the provider is down says "retry later" and keeps the login', { timeout: 30_000 }, async () => {
    const login = await call(client, 'login');
    const callback = await signInUpstream(
      String(login.structuredContent?.authorizationUrl),
      server.callbackUrl,
      'gina',
    );
    expect((await fetch(callback)).status).toBe(200);
    expect((await call(client, 'service', { path: '/me' })).structuredContent).toMatchObject({ status: 200 });

    // A second login URL, made while the provider is up (discovery is cached after that).
    const second = new URL(String((await call(client, 'login')).structuredContent?.authorizationUrl));

    const upstream = (await call(client, 'whoami')).structuredContent?.upstream as { expiresAt: string };
    const expiresAt = Date.parse(upstream.expiresAt);
    await provider.close();
    await waitFor(() => Date.now() > expiresAt + 1_000, { timeoutMs: 10_000, what: 'token expiry' });

    const service = await call(client, 'service', { path: '/me' });
    expect(service.isError).toBe(true);
    expect(service.content[0]?.text).toContain('could not be reached');
    expect(service.content[0]?.text).toContain('retry later');
    expect((await call(client, 'whoami')).structuredContent?.upstream).toMatchObject({ loggedIn: true });

    // The callback of the second URL cannot exchange its code: a 502 page, not a crash.
    const state = second.searchParams.get('state') as string;
    const page = await fetch(`${server.callbackUrl}?code=some-code&state=${encodeURIComponent(state)}`);
    expect(page.status).toBe(502);
    expect(await page.text()).toContain('call the login tool again');
  });

  it('login answers a tool error when the provider cannot be discovered', { timeout: 30_000 }, async () => {
    const reserved = await reserveServerOrigin();
    const nowhere = `http://127.0.0.1:${await getFreePort()}`;
    const other = await startUpstreamTestServer(reserved, {
      MCS_UPSTREAM_ISSUER: nowhere,
      MCS_UPSTREAM_CLIENT_ID: CLIENT_ID,
    });
    const { client: otherClient } = await connectSessionClient(other.origin);
    try {
      const login = await call(otherClient, 'login');
      expect(login.isError).toBe(true);
      expect(login.content[0]?.text).toContain(`${nowhere} could not be discovered`);
      expect(login.content[0]?.text).toContain('retry later');
    } finally {
      await otherClient.close();
      await other.close();
    }
  });
});
