// The pool's OAuthClientProvider on its own (no network): what it tells the SDK about the client,
// how it keeps tokens in the store, when it refreshes, and how a sign-in it cannot do is refused.
// The flows themselves run against real servers in auth-e2e, auth-hostile-peers and conformance.
import type { StoredOAuthTokens } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { PoolOAuthProvider } from '../src/auth/pool-oauth-provider.js';
import {
  AuthorizationError,
  type Authorizer,
  type BackendAuthConfigInput,
  BackendAuthConfigSchema,
  createMemoryTokenStore,
  type StoredAuthorization,
  type TokenStore,
} from '../src/index.js';

const serverUrl = 'https://mcp.example/mcp';
const issuer = 'https://auth.example';

/** An authorizer that records the URLs it was sent and answers when the test says so. */
function recordingAuthorizer() {
  const urls: URL[] = [];
  let answer: (params: URLSearchParams) => void = () => undefined;
  const authorizer: Authorizer = {
    redirectUrl: 'http://127.0.0.1:8400/callback',
    authorize: (url) => {
      urls.push(url);
      return new Promise((resolve) => {
        answer = resolve;
      });
    },
  };
  return { authorizer, urls, answer: (params: URLSearchParams) => answer(params) };
}

function provider(
  config: BackendAuthConfigInput = {},
  options: { store?: TokenStore; authorizer?: Authorizer | undefined } = {},
) {
  return new PoolOAuthProvider({
    backend: 'docs',
    serverUrl,
    config: BackendAuthConfigSchema.parse(config),
    store: options.store ?? createMemoryTokenStore(),
    authorizer: 'authorizer' in options ? options.authorizer : recordingAuthorizer().authorizer,
    clientName: 'test-app',
  });
}

async function rejection(promise: Promise<unknown>): Promise<AuthorizationError> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(AuthorizationError.isInstance(error)).toBe(true);
  return error as AuthorizationError;
}

const tokens = (extra: Partial<StoredOAuthTokens> = {}): StoredOAuthTokens =>
  ({ access_token: 'at-1', token_type: 'Bearer', refresh_token: 'rt-1', ...extra }) as StoredOAuthTokens;

describe('PoolOAuthProvider: the client it describes', () => {
  it('a user client: the authorizer redirect, code + refresh grants, public (none) by default', () => {
    const p = provider({ scopes: ['read', 'write'], clientName: 'Docs app' });
    expect(p.redirectUrl).toBe('http://127.0.0.1:8400/callback');
    expect(p.clientMetadata).toEqual({
      client_name: 'Docs app',
      redirect_uris: ['http://127.0.0.1:8400/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: 'read write',
    });
    expect(p.addClientAuthentication).toBeUndefined();
    expect(p.prepareTokenRequest()).toBeUndefined();
    expect(p.state()).not.toBe(p.state());
  });

  it('a machine client: no redirect, client_credentials with client_secret_basic; private_key_jwt signs', async () => {
    const machine = provider({ grant: 'client_credentials', clientId: 'svc', clientSecret: 's3cret' });
    expect(machine.redirectUrl).toBeUndefined();
    expect(machine.clientMetadata).toMatchObject({
      grant_types: ['client_credentials'],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(machine.prepareTokenRequest('read')?.toString()).toBe('grant_type=client_credentials&scope=read');

    const { generateKeyPairSync } = await import('node:crypto');
    const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    const signing = provider({ grant: 'client_credentials', clientId: 'svc', privateKey });
    expect(signing.clientMetadata.token_endpoint_auth_method).toBe('private_key_jwt');
    expect(signing.addClientAuthentication).toBeTypeOf('function');
  });

  it('a pre-registered client comes from the config, stamped with the issuer, whatever the store holds', async () => {
    const store = createMemoryTokenStore();
    const p = provider({ clientId: 'configured', clientSecret: 'secret-1' }, { store });
    await p.saveClientInformation({ client_id: 'registered-before', issuer }, { issuer });
    expect(await p.clientInformation({ issuer })).toEqual({
      issuer,
      client_id: 'configured',
      client_secret: 'secret-1',
      token_endpoint_auth_method: 'client_secret_basic',
    });
  });

  it('a Client ID Metadata Document URL is offered to the SDK as is', () => {
    expect(provider({ clientMetadataUrl: 'https://app.example/client.json' }).clientMetadataUrl).toBe(
      'https://app.example/client.json',
    );
  });
});

describe('PoolOAuthProvider: tokens in the store', () => {
  it('saves tokens per issuer with the time they were obtained, and reads them back in a new provider', async () => {
    const store = createMemoryTokenStore();
    const before = Date.now();
    await provider({}, { store }).saveTokens(tokens({ expires_in: 3600 }), { issuer });
    const record = (await store.load(serverUrl)) as StoredAuthorization;
    expect(record.current).toBe(issuer);
    expect(record.issuers[issuer]?.tokens?.obtained_at).toBeGreaterThanOrEqual(before);
    const again = provider({}, { store });
    expect((await again.tokens())?.access_token).toBe('at-1');
    expect((await again.tokens({ issuer: 'https://other.example' }))?.access_token).toBeUndefined();
  });

  it('tokens not about to expire (or without expires_in) are handed out without a refresh', async () => {
    for (const extra of [{ expires_in: 3600 }, {}]) {
      const p = provider();
      await p.saveTokens(tokens(extra), { issuer });
      // A refresh would go to the network (no server here) and leave the same token; none is tried.
      expect((await p.tokens())?.access_token).toBe('at-1');
    }
  });

  it('saves land in the order they were made, even when the store answers out of order', async () => {
    const memory = createMemoryTokenStore();
    let calls = 0;
    const slowFirst: TokenStore = {
      load: (key) => memory.load(key),
      delete: (key) => memory.delete(key),
      save: async (key, value) => {
        const copy = structuredClone(value);
        // The first write takes longest: unserialized, it would land last.
        await new Promise((resolve) => setTimeout(resolve, calls++ === 0 ? 50 : 0));
        await memory.save(key, copy);
      },
    };
    const p = provider({}, { store: slowFirst });
    await Promise.all([
      p.saveTokens(tokens({ access_token: 'first' }), { issuer }),
      p.saveTokens(tokens({ access_token: 'second' }), { issuer }),
    ]);
    expect((await memory.load(serverUrl))?.issuers[issuer]?.tokens?.access_token).toBe('second');
  });

  it('invalidateCredentials drops what the SDK says (tokens, client, all) and keeps the rest', async () => {
    const store = createMemoryTokenStore();
    const p = provider({}, { store });
    await p.saveClientInformation({ client_id: 'dyn-1', issuer }, { issuer });
    await p.saveTokens(tokens(), { issuer });
    p.saveDiscoveryState({ authorizationServerUrl: issuer });
    await p.invalidateCredentials('discovery');
    expect(p.discoveryState()).toBeUndefined();
    await p.invalidateCredentials('tokens');
    let entry = (await store.load(serverUrl))?.issuers[issuer];
    expect(entry?.tokens).toBeUndefined();
    expect(entry?.client?.client_id).toBe('dyn-1');
    await p.invalidateCredentials('all');
    entry = (await store.load(serverUrl))?.issuers[issuer];
    expect(entry).toEqual({});
  });
});

describe('PoolOAuthProvider: sign-ins', () => {
  it('sends the user once for requests that stop for a sign-in together, and hands out the PKCE verifier once redeemed', async () => {
    const user = recordingAuthorizer();
    const p = provider({}, { authorizer: user.authorizer });
    p.saveCodeVerifier('verifier-1');
    await p.redirectToAuthorization(new URL('https://auth.example/authorize?state=s1'));
    await p.redirectToAuthorization(new URL('https://auth.example/authorize?state=s2'));
    expect(user.urls.map((url) => url.searchParams.get('state'))).toEqual(['s1']);
    const waiting = p.awaitAuthorization();
    user.answer(new URLSearchParams({ code: 'c', state: 's1' }));
    expect(((await waiting) as URLSearchParams).get('code')).toBe('c');
    expect(p.codeVerifier()).toBe('verifier-1');
    await p.saveTokens(tokens(), { issuer });
    // Done: nothing is pending, and tokens are there for the request to be sent again.
    expect(await p.awaitAuthorization()).toBe('retry');
  });

  it('without an authorizer: no client is registered and no sign-in started; the error says why', async () => {
    const p = provider({}, { authorizer: undefined });
    expect(p.redirectUrl).toMatch(/^http:\/\/127\.0\.0\.1\//);
    const noClient = await rejection(p.clientInformation({ issuer }));
    expect(noClient.code).toBe('AUTHORIZATION_REQUIRED');
    expect(noClient.category).toBe('unauthenticated');
    expect(noClient.message).toContain('it has no stored sign-in');

    // Tokens the authorization server refused (the SDK invalidates them): the message says so.
    await p.saveClientInformation({ client_id: 'dyn-1', issuer }, { issuer });
    await p.saveTokens(tokens(), { issuer });
    await p.invalidateCredentials('tokens');
    const refused = await rejection(p.redirectToAuthorization(new URL('https://auth.example/authorize')));
    expect(refused.code).toBe('AUTHORIZATION_REQUIRED');
    expect(refused.message).toContain('refused by the authorization server (expired or revoked)');
    expect(refused.message).not.toContain('at-1');
    expect(refused.message).not.toContain('rt-1');
  });

  it('a client_credentials client asked for a user sign-in refuses it', async () => {
    const p = provider({ grant: 'client_credentials', clientId: 'svc', clientSecret: 's3cret' });
    const error = await rejection(p.redirectToAuthorization(new URL('https://auth.example/authorize')));
    expect(error.code).toBe('AUTHORIZATION_REQUIRED');
    expect(error.message).not.toContain('s3cret');
  });

  it('a code with no sign-in in progress is refused (no verifier to send)', () => {
    expect(() => provider().codeVerifier()).toThrow(AuthorizationError);
  });
});
