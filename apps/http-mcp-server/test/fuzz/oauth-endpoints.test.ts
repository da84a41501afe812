// Property-based fuzzing (fast-check) of the authorization server (`MCS_AUTH=on`): `/register`,
// `/authorize` (GET and the form POST), `/token`, `/revoke`, the metadata documents and `/jwks.json`,
// and the bearer check of the MCP routes. The properties of fuzz-harness.ts hold for every answer
// (OAuth errors are `{ error, error_description }`; `/authorize` errors are HTML pages); a redirect
// only ever goes to a registered redirect URI; a registration only ever stores clean redirect URIs;
// the server still runs the whole flow afterwards.
import { createPkcePair } from '@mcs/auth';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redirectUriProblem } from '../../src/auth/redirect-uri.js';
import {
  type AuthTestServer,
  type CallbackServer,
  callWhoami,
  type IssuedTokens,
  obtainTokens,
  startAuthServer,
  startCallbackServer,
} from '../auth-harness.js';
import {
  anyJson,
  anyText,
  type CheckOptions,
  checkProperty,
  type FuzzRequest,
  headerValue,
  jsonRpcBody,
  longText,
  queryString,
  sendAndCheck,
} from './fuzz-harness.js';

let server: AuthTestServer;
let callback: CallbackServer;
let tokens: IssuedTokens;

beforeAll(async () => {
  // The per-address rate limit would answer most fuzzed requests 429 (a refusal the properties accept,
  // but one that tests nothing else).
  server = await startAuthServer({ MCS_AUTH_RATE_LIMIT_PER_MIN: '1000000' });
  callback = await startCallbackServer();
  tokens = await obtainTokens(server, callback.redirectUri);
}, 60_000);

afterAll(async () => {
  await callback?.close();
  await server?.close();
});

const check = (arbitrary: fc.Arbitrary<FuzzRequest>, numRuns: number, options: CheckOptions, extra?: Extra) =>
  checkProperty(arbitrary, numRuns, async (request) => {
    const answer = await sendAndCheck(server.origin, request, options);
    extra?.(request, answer);
  });
type Extra = (request: FuzzRequest, answer: Awaited<ReturnType<typeof sendAndCheck>>) => void;

/** A form body: fuzzed values for the named fields (each present or not), plus stray fields. */
function formOf(fields: Record<string, fc.Arbitrary<string>>) {
  return fc
    .tuple(fc.record(fields, { requiredKeys: [] }), fc.dictionary(fc.string({ maxLength: 8 }), anyText, { maxKeys: 2 }))
    .map(([known, stray]) => new URLSearchParams({ ...stray, ...(known as Record<string, string>) }).toString());
}

const formType = fc.oneof(
  { weight: 5, arbitrary: fc.constant('application/x-www-form-urlencoded') },
  { weight: 1, arbitrary: fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=z', '') },
  { weight: 1, arbitrary: headerValue },
);

/** A redirect may only go to the registered callback (never to a URI an attacker put in the request). */
const redirectsOnlyToRegistered: Extra = (request, answer) => {
  const location = answer.headers.get('location');
  if (answer.status >= 300 && answer.status < 400 && !location?.startsWith(`${callback.redirectUri}?`)) {
    throw new Error(`redirect to ${location?.slice(0, 200)}: ${request.method} ${request.path.slice(0, 200)}`);
  }
};

/** Tokens shaped like JWTs: fuzzed header and payload JSON, `alg: none`, our key id, no signature. */
const jwtLike: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      fc.record({ alg: fc.constantFrom('none', 'HS256', 'ES256', 'RS256', 'EdDSA'), typ: fc.constant('at+jwt') }),
      anyJson,
    ),
    fc.oneof(
      fc.record({
        iss: fc.constant('http://127.0.0.1'),
        aud: anyText,
        sub: anyText,
        exp: fc.integer(),
        client_id: anyText,
        scope: fc.constant('mcp'),
      }),
      anyJson,
    ),
    fc.oneof(fc.constant(''), fc.base64String({ maxLength: 90 })),
  )
  .map(
    ([header, payload, signature]) =>
      `${Buffer.from(JSON.stringify(header) ?? '').toString('base64url')}.${Buffer.from(JSON.stringify(payload) ?? '').toString('base64url')}.${signature}`,
  );

describe('fuzzing the OAuth endpoints', () => {
  it('POST /register: arbitrary metadata; what is registered has clean redirect URIs', {
    timeout: 60_000,
  }, async () => {
    const uri = fc.oneof(
      fc.constantFrom('https://app.example/cb', 'http://127.0.0.1:9/cb', 'http://localhost/cb'),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc
        .tuple(fc.constantFrom('https://app.example/cb', 'http://[::1]/x'), anyText)
        .map(([base, tail]) => `${base}${tail}`),
      anyText,
    );
    const metadata = fc.record(
      {
        redirect_uris: fc.oneof(fc.array(uri, { minLength: 1, maxLength: 4 }), anyJson),
        client_name: fc.oneof(anyText, anyJson),
        client_uri: uri,
        logo_uri: uri,
        scope: anyText,
        grant_types: fc.oneof(
          fc.subarray(['authorization_code', 'refresh_token', 'client_credentials', 'implicit', 'password']),
          anyJson,
        ),
        response_types: fc.oneof(fc.subarray(['code', 'token', 'id_token']), anyJson),
        token_endpoint_auth_method: fc.oneof(
          fc.constantFrom('none', 'client_secret_basic', 'private_key_jwt'),
          anyText,
        ),
        software_id: anyText,
        jwks: anyJson,
      },
      { requiredKeys: [] },
    );
    await check(
      fc.record({
        method: fc.constant('POST'),
        path: fc.constant('/register'),
        headers: fc.record({ 'content-type': fc.oneof(fc.constant('application/json'), formType) }),
        body: fc.oneof(
          { weight: 4, arbitrary: metadata.map((body) => JSON.stringify(body)) },
          { weight: 1, arbitrary: jsonRpcBody },
        ),
      }),
      200,
      {},
      (_request, answer) => {
        if (answer.status !== 201) return;
        const client = JSON.parse(answer.text) as { redirect_uris: string[] };
        for (const registered of client.redirect_uris) {
          const problem = redirectUriProblem(registered);
          if (problem) throw new Error(`registered a bad redirect URI: ${problem}`);
        }
      },
    );
  });

  it('GET /authorize: fuzzed query strings, never a redirect to an unregistered URI', { timeout: 60_000 }, async () => {
    const query = fc.record(
      {
        client_id: fc.oneof(
          { weight: 3, arbitrary: fc.constant(tokens.clientId) },
          {
            weight: 1,
            arbitrary: fc.constantFrom(
              'https://127.0.0.1/client.json',
              'https://localhost/client.json',
              'https://no-such-host.invalid/client.json',
              'http://169.254.169.254/latest',
              'https://user:pw@app.example/c.json',
              'https://app.example/#frag',
            ),
          },
          { weight: 1, arbitrary: anyText },
        ),
        redirect_uri: fc.oneof(
          { weight: 3, arbitrary: fc.constant(callback.redirectUri) },
          { weight: 1, arbitrary: fc.constantFrom(`${callback.redirectUri}/../evil`, 'https://evil.example/cb') },
          { weight: 1, arbitrary: anyText.map((tail) => `${callback.redirectUri}${tail}`) },
          { weight: 1, arbitrary: anyText },
        ),
        response_type: fc.oneof(fc.constantFrom('code', 'token', 'code id_token'), anyText),
        code_challenge: fc.oneof(fc.constant(createPkcePair().challenge), anyText),
        code_challenge_method: fc.oneof(fc.constantFrom('S256', 'plain', 's256'), anyText),
        scope: fc.oneof(fc.constantFrom('mcp', 'mcp admin', ''), anyText),
        state: anyText,
        resource: fc.oneof(fc.constant(`${server.origin}/mcp`), anyText),
      },
      { requiredKeys: [] },
    );
    await check(
      fc.record({
        method: fc.constant('GET'),
        path: fc.oneof(
          { weight: 5, arbitrary: query.map((params) => `/authorize?${new URLSearchParams(params)}`) },
          { weight: 1, arbitrary: queryString.map((raw) => `/authorize?${raw}`) },
        ),
        headers: fc.constant({}),
      }),
      200,
      { htmlErrors: true },
      redirectsOnlyToRegistered,
    );
  });

  it('POST /authorize: fuzzed consent forms and cookies', { timeout: 60_000 }, async () => {
    await check(
      fc.record({
        method: fc.constant('POST'),
        path: fc.constant('/authorize'),
        headers: fc.record(
          {
            'content-type': formType,
            cookie: fc.oneof(
              headerValue,
              headerValue.map((v) => `mcs_authz_csrf=${v}`),
            ),
          },
          { requiredKeys: ['content-type'] },
        ),
        body: formOf({
          request_id: anyText,
          csrf_token: anyText,
          decision: fc.oneof(fc.constantFrom('approve', 'deny'), anyText),
          username: anyText,
          password: anyText,
        }),
      }),
      120,
      { htmlErrors: true },
      redirectsOnlyToRegistered,
    );
  });

  it('POST /token: fuzzed grants, codes, verifiers and refresh tokens', { timeout: 60_000 }, async () => {
    await check(
      fc.record({
        method: fc.constant('POST'),
        path: fc.constant('/token'),
        headers: fc.record({ 'content-type': formType }),
        body: formOf({
          grant_type: fc.oneof(
            fc.constantFrom('authorization_code', 'refresh_token', 'client_credentials', 'password'),
            anyText,
          ),
          client_id: fc.oneof(fc.constant(tokens.clientId), anyText),
          code: fc.oneof(anyText, longText),
          redirect_uri: fc.oneof(fc.constant(callback.redirectUri), anyText),
          code_verifier: fc.oneof(fc.constant(createPkcePair().verifier), anyText),
          // Never the live refresh token: redeeming it would rotate it away from the later properties.
          refresh_token: fc.oneof(anyText, longText, fc.constant(`${tokens.refreshToken}x`)),
          scope: anyText,
          resource: fc.oneof(fc.constant(`${server.origin}/mcp`), anyText),
        }),
      }),
      150,
      {},
    );
  });

  it('POST /revoke, metadata, /jwks.json and preflights: fuzzed bodies, query strings and methods', {
    timeout: 60_000,
  }, async () => {
    await check(
      fc.oneof(
        fc.record({
          method: fc.constant('POST'),
          path: fc.constant('/revoke'),
          headers: fc.record({ 'content-type': formType }),
          body: formOf({
            token: fc.oneof(anyText, longText, jwtLike),
            token_type_hint: fc.oneof(fc.constantFrom('access_token', 'refresh_token'), anyText),
            client_id: anyText,
          }),
        }),
        fc.record({
          method: fc.constantFrom('GET', 'OPTIONS', 'POST', 'DELETE'),
          path: fc
            .tuple(
              fc.constantFrom(
                '/.well-known/oauth-authorization-server',
                '/.well-known/oauth-protected-resource/mcp',
                '/.well-known/oauth-protected-resource',
                '/.well-known/openid-configuration',
                '/jwks.json',
                '/authorize/callback',
              ),
              fc.option(queryString),
            )
            .map(([path, query]) => (query === null ? path : `${path}?${query}`)),
          headers: fc.record(
            { origin: fc.constantFrom('https://evil.example', 'null'), 'access-control-request-method': headerValue },
            { requiredKeys: [] },
          ),
        }),
      ),
      150,
      {},
    );
  });

  it('bearer tokens on the MCP routes: garbage, forged and misplaced tokens are refused, never 5xx', {
    timeout: 60_000,
  }, async () => {
    await check(
      fc.record({
        method: fc.constantFrom('POST', 'GET', 'DELETE'),
        path: fc.constantFrom('/mcp', '/sse', '/messages?sessionId=x', '/http', '/mcp?access_token=abc'),
        headers: fc.record(
          {
            'content-type': fc.constant('application/json'),
            accept: fc.constant('application/json, text/event-stream'),
            authorization: fc.oneof(
              jwtLike.map((token) => `Bearer ${token}`),
              fc.constantFrom('Bearer', 'Bearer ', 'Basic YTpi', 'bearer x', `Bearer ${tokens.accessToken}x`),
              headerValue,
              headerValue.map((value) => `Bearer ${value}`),
            ),
          },
          { requiredKeys: ['authorization'] },
        ),
        body: jsonRpcBody,
      }),
      150,
      {},
      (request, answer) => {
        // Only the one real token may get past the check; everything here is forged or broken.
        if (answer.status < 400 && request.headers.authorization !== `Bearer ${tokens.accessToken}`) {
          throw new Error(`served with a forged token: ${request.headers.authorization?.slice(0, 100)}`);
        }
      },
    );
  });

  it('still runs the whole flow afterwards', { timeout: 60_000 }, async () => {
    const fresh = await obtainTokens(server, callback.redirectUri);
    const me = await callWhoami(server.origin, `Bearer ${fresh.accessToken}`);
    expect(me.status).toBe(200);
    expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
  });
});
