// Revocation at the authorization server reaches the gateway: a real redis-server, our http-mcp-server
// (built bin, MCS_AUTH=on, REDIS_URL) as the authorization server recording revocations in it, and the
// gateway with `auth.revocation` reading the same Redis. Tokens come from the real code + PKCE flow.
import type { ChildProcess } from 'node:child_process';
import { status } from '@grpc/grpc-js';
import { generateSigningKey, type SigningKey } from '@mcs/auth';
import { type RedisServerHandle, startRedisServer, waitFor } from '@mcs/test-utils';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, type RunningGateway, startTestGateway, statusOf } from './fixtures/gateway-fixture.js';
import { startAuthorizationServer, stopProcess } from './fixtures/http-mcp-server-process.js';
import { type JwksServer, startJwksServer } from './fixtures/jwks-server.js';
import { obtainAccessToken, refreshTokens, revokeToken } from './fixtures/oauth-browser.js';

const USER = { name: 'alice', password: 'correct horse battery staple' };
/** The gateway's cache lifetime: a revoked token must be refused well within this plus a round trip. */
const CACHE_TTL_MS = 1_000;
/** How long the tests wait for a revocation to be seen: the cache lifetime plus a busy machine's margin. */
const SEEN_WITHIN_MS = CACHE_TTL_MS + 5_000;

let redis: RedisServerHandle;
let server: ChildProcess | undefined;
let origin: string;
let running: RunningGateway;

const echo = (token: string) =>
  collect(running.connect({ token }).callTool('native.echo', { message: 'hi' }, { timeoutMs: 15_000 }));

/** The status of one echo call: `0` (OK) when it produced a result. */
async function echoStatus(token: string): Promise<{ code: number; details: string }> {
  try {
    const events = await echo(token);
    return events.at(-1)?.event?.$case === 'result' ? { code: status.OK, details: '' } : { code: -1, details: '' };
  } catch (error) {
    const { code, details } = error as { code: number; details: string };
    return { code, details };
  }
}

/** Polls until the token's calls end with `code` (bounded by `timeoutMs`); returns that failure. */
function waitForStatus(token: string, code: number, what: string, timeoutMs = SEEN_WITHIN_MS) {
  return waitFor(
    async () => {
      const outcome = await echoStatus(token);
      return outcome.code === code ? outcome : undefined;
    },
    { timeoutMs, intervalMs: 100, what },
  );
}

beforeAll(async () => {
  redis = await startRedisServer();
  ({ origin, child: server } = await startAuthorizationServer(USER, { REDIS_URL: redis.url }));
  running = await startTestGateway({
    auth: {
      mode: 'on',
      jwksUri: `${origin}/jwks.json`,
      issuer: origin,
      audience: `${origin}/mcp`,
      revocation: { redisUrl: redis.url, cacheTtlMs: CACHE_TTL_MS },
    },
    rbac: { 'scope:mcp': ['native.*'] },
  });
}, 300_000);

afterAll(async () => {
  await running?.[Symbol.asyncDispose]();
  await stopProcess(server, 'SIGTERM');
  await redis?.stop();
});

describe('auth.revocation: the authorization server revokes, the gateway refuses', () => {
  it('a token revoked at /revoke is refused with UNAUTHENTICATED within seconds', async () => {
    const { accessToken, clientId } = await obtainAccessToken(origin, USER, 'mcp');
    expect((await echoStatus(accessToken)).code).toBe(status.OK);
    expect(await revokeToken(origin, accessToken, clientId)).toBe(200);
    const refused = await waitForStatus(accessToken, status.UNAUTHENTICATED, 'the revoked token to be refused');
    expect(refused.details).toMatch(/revoked/);
    // Refused for good, and ListTools too (every RPC is checked, not only CallTool).
    expect((await echoStatus(accessToken)).code).toBe(status.UNAUTHENTICATED);
    expect((await statusOf(running.connect({ token: accessToken }).listTools())).code).toBe(status.UNAUTHENTICATED);
  });

  it('another token of the same user keeps working after one is revoked', async () => {
    const revoked = await obtainAccessToken(origin, USER, 'mcp');
    const kept = await obtainAccessToken(origin, USER, 'mcp');
    expect(await revokeToken(origin, revoked.accessToken, revoked.clientId)).toBe(200);
    await waitForStatus(revoked.accessToken, status.UNAUTHENTICATED, 'the revoked token to be refused');
    expect((await echoStatus(kept.accessToken)).code).toBe(status.OK);
  });

  it('reusing a rotated-out refresh token revokes the access tokens of its grant at the gateway too', async () => {
    const first = await obtainAccessToken(origin, USER, 'mcp');
    const rotated = await refreshTokens(origin, first.refreshToken, first.clientId);
    expect(rotated.status).toBe(200);
    const second = String(rotated.body.access_token);
    expect((await echoStatus(first.accessToken)).code).toBe(status.OK);
    expect((await echoStatus(second)).code).toBe(status.OK);
    // The old refresh token again: the server treats it as stolen and revokes the whole family.
    expect((await refreshTokens(origin, first.refreshToken, first.clientId)).status).toBe(400);
    await waitForStatus(first.accessToken, status.UNAUTHENTICATED, 'the first access token to be refused');
    await waitForStatus(second, status.UNAUTHENTICATED, 'the rotated access token to be refused');
  });

  it('revoking the refresh token at /revoke revokes the access token of its grant', async () => {
    const { accessToken, refreshToken, clientId } = await obtainAccessToken(origin, USER, 'mcp');
    expect((await echoStatus(accessToken)).code).toBe(status.OK);
    expect(await revokeToken(origin, refreshToken, clientId)).toBe(200);
    await waitForStatus(accessToken, status.UNAUTHENTICATED, 'the access token of the revoked grant to be refused');
  });

  it('a stream running when its token is revoked is cut with UNAUTHENTICATED', async () => {
    const { accessToken, clientId } = await obtainAccessToken(origin, USER, 'mcp');
    // 300 ticks of 100 ms: 30 s if nothing cuts it (the test then fails on the result event).
    const stream = running
      .connect({ token: accessToken })
      .callTool('native.ticker', { count: 300, intervalMs: 100 }, { timeoutMs: 50_000 });
    const events: string[] = [];
    let revoked = false;
    const failure = await statusOf(
      (async () => {
        for await (const { event } of stream) {
          events.push(event?.$case ?? 'none');
          if (!revoked && event?.$case === 'progress') {
            revoked = true;
            expect(await revokeToken(origin, accessToken, clientId)).toBe(200);
          }
        }
      })(),
    );
    expect(revoked).toBe(true);
    expect(failure.code).toBe(status.UNAUTHENTICATED);
    expect(failure.details).toMatch(/revoked/);
    expect(events).not.toContain('result');
  });

  it('with the store unreachable, calls fail closed with UNAVAILABLE and work again once it is back', async () => {
    const { accessToken } = await obtainAccessToken(origin, USER, 'mcp');
    expect((await echoStatus(accessToken)).code).toBe(status.OK);
    const port = redis.port;
    await redis.stop();
    const refused = await waitForStatus(accessToken, status.UNAVAILABLE, 'calls to fail closed', 15_000);
    expect(refused.details).toMatch(/revoked/);
    expect(refused.details).toMatch(/retry/i);
    // Same port: the gateway's store reconnects by itself.
    redis = await startRedisServer({ port });
    await waitForStatus(accessToken, status.OK, 'calls to work again', 20_000);
  });
});

describe('auth.revocation: tokens without a jti', () => {
  let key: SigningKey;
  let jwksServer: JwksServer;
  let issuerUrl: string;
  let gateway: RunningGateway;
  const audience = 'mcs-grpc-gateway';

  beforeAll(async () => {
    key = await generateSigningKey({ alg: 'ES256' });
    jwksServer = await startJwksServer([key.publicJwk]);
    issuerUrl = jwksServer.issuerUrl;
    gateway = await startTestGateway({
      auth: {
        mode: 'on',
        jwksUri: jwksServer.jwksUri,
        issuer: issuerUrl,
        audience,
        revocation: { redisUrl: redis.url },
      },
      rbac: { '*': ['native.echo'] },
    });
  });

  afterAll(async () => {
    await gateway?.[Symbol.asyncDispose]();
    await jwksServer?.[Symbol.asyncDispose]();
  });

  const sign = (jti: string | undefined) => {
    const jwt = new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setIssuer(issuerUrl)
      .setAudience(audience)
      .setSubject('user-1')
      .setIssuedAt()
      .setExpirationTime('5m');
    return (jti === undefined ? jwt : jwt.setJti(jti)).sign(key.privateKey!);
  };

  it('are refused (they could never be revoked); the same token with a jti passes', async () => {
    const call = async (token: string) =>
      collect(gateway.connect({ token }).callTool('native.echo', { message: 'hi' }, { timeoutMs: 15_000 }));
    const failure = await statusOf(call(await sign(undefined)));
    expect(failure.code).toBe(status.UNAUTHENTICATED);
    expect(failure.details).toMatch(/jti/);
    expect((await call(await sign('token-with-an-id'))).at(-1)?.event?.$case).toBe('result');
  });
});
