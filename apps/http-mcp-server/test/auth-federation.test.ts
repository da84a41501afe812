import { createPkcePair } from '@mcs/auth';
import { getFreePort } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import {
  authorizationUrl,
  callWhoami,
  exchangeCode,
  registerClient,
  signInAndConsent,
  startAuthServer,
  startCallbackServer,
} from './auth-harness.js';
import { CLIENT_ID, signInUpstream, startTestProvider } from './upstream-fixtures.js';

describe('sign-in federated to an OpenID provider (openid-client; oidc-provider as the provider)', () => {
  it('consent here, sign-in at the provider, code + PKCE here; the token names the provider subject', async () => {
    const port = await getFreePort();
    const origin = `http://127.0.0.1:${port}`;
    const provider = await startTestProvider({
      redirectUri: `${origin}/authorize/callback`,
      accessTokenTtlSeconds: 300,
    });
    try {
      await using server = await startAuthServer(
        { MCS_AUTH_OIDC_ISSUER: provider.issuer, MCS_AUTH_OIDC_CLIENT_ID: CLIENT_ID },
        { port },
      );
      await using callback = await startCallbackServer();
      const clientId = await registerClient(server.origin, [callback.redirectUri]);
      const pkce = createPkcePair();
      // Our consent page (no password fields) -> 303 to the provider's authorization endpoint.
      const toProvider = await signInAndConsent(
        authorizationUrl(server.origin, { clientId, redirectUri: callback.redirectUri, challenge: pkce.challenge }),
      );
      expect(toProvider.origin).toBe(provider.issuer);
      expect(toProvider.searchParams.get('code_challenge_method')).toBe('S256');
      const back = await signInUpstream(toProvider.href, `${origin}/authorize/callback`, 'carol');
      const answer = await fetch(back, { redirect: 'manual' });
      expect(answer.status).toBe(303);
      const redirect = new URL(answer.headers.get('location') as string);
      expect(redirect.href.startsWith(callback.redirectUri)).toBe(true);
      expect(redirect.searchParams.get('iss')).toBe(server.origin);
      const token = await exchangeCode(server.origin, {
        code: redirect.searchParams.get('code') as string,
        redirectUri: callback.redirectUri,
        verifier: pkce.verifier,
        clientId,
      });
      expect(token.status).toBe(200);
      const me = await callWhoami(server.origin, `Bearer ${token.body.access_token}`);
      expect(me.status).toBe(200);
      expect(me.text).toContain('"subject":"carol"');
      // The provider's callback cannot be replayed.
      expect((await fetch(back, { redirect: 'manual' })).status).toBe(400);
    } finally {
      await provider.close();
    }
  });
});
