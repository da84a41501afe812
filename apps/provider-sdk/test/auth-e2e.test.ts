// OAuth end to end: the pool against our own http-mcp-server with MCS_AUTH=on, a real child process
// on a free loopback port. The client registers dynamically (RFC 7591): a Client ID Metadata Document
// must be served over https, which a loopback test cannot do without a certificate the server trusts.
// The user is played by the headless authorizer's `respond` script driving the real sign-in form.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createEncryptedFileTokenStore,
  createHeadlessAuthorizer,
  createMcpClientPool,
  type McpClientPool,
  type PoolAuthOptions,
  type StoredAuthorization,
  type TokenStore,
} from '../src/index.js';
import {
  type OAuthMcpServer,
  revokeToken,
  signInAndConsent,
  startOAuthMcpServer,
  TEST_USER,
} from './fixtures/oauth-server.js';

// Short-lived access tokens, so that "expired" is seconds away. Not 1 s: the server keeps a revoked
// access token's jti only until its exp while it accepts tokens 30 s past exp (clock tolerance), so
// the revocation tests must use a token before its exp, which a loaded machine missed at 1 s.
const ACCESS_TOKEN_TTL_S = 3;

let server: OAuthMcpServer;
let directory: string;
const key = randomBytes(32).toString('base64');
let store: TokenStore;
/** Authorization URLs the scripted user was sent to (each one a sign-in). */
const signIns: URL[] = [];

const scriptedUser = createHeadlessAuthorizer({
  redirectUrl: 'http://127.0.0.1:8400/callback',
  timeoutMs: 10_000,
  respond: async (url) => {
    signIns.push(url);
    return (await signInAndConsent(url)).toString();
  },
});

/** Every token the tests saw in the store, and every console line printed meanwhile (the SDK warns). */
const secretsSeen = new Set<string>([TEST_USER.password]);
const consoleLines: string[] = [];

beforeAll(async () => {
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[method].bind(console);
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      consoleLines.push(args.map(String).join(' '));
      original(...args);
    });
  }
  server = await startOAuthMcpServer({ MCS_ACCESS_TOKEN_TTL_S: String(ACCESS_TOKEN_TTL_S) });
  directory = await mkdtemp(join(tmpdir(), 'mcs-auth-e2e-'));
  store = createEncryptedFileTokenStore({ directory, key });
}, 120_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await server?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

function securePool(auth: PoolAuthOptions, backendAuth: Record<string, unknown> = {}): McpClientPool {
  return createMcpClientPool(
    // No retries: each failure is seen as it is (and a hang would show as the test's timeout).
    {
      backends: {
        secure: { transport: 'http', url: server.url, auth: backendAuth, policy: { retry: { maxRetries: 0 } } },
      },
    },
    { auth: { tokenStore: store, ...auth } },
  );
}

async function whoami(pool: McpClientPool): Promise<{ authenticated: boolean; identity: { subject: string } }> {
  const result = await pool.callTool('secure.whoami', {});
  return result.raw.structuredContent as never;
}

async function stored(): Promise<{ record: StoredAuthorization; clientId: string; access: string; refresh: string }> {
  const record = await store.load(server.url);
  const entry = record?.issuers[record.current ?? ''];
  if (!record || !entry?.tokens || !entry.client) throw new Error('no stored tokens');
  secretsSeen.add(entry.tokens.access_token);
  secretsSeen.add(String(entry.tokens.refresh_token));
  return {
    record,
    clientId: entry.client.client_id,
    access: entry.tokens.access_token,
    refresh: String(entry.tokens.refresh_token),
  };
}

describe('OAuth against our http-mcp-server (MCS_AUTH=on)', { timeout: 30_000 }, () => {
  it('signs in once as the test user; the tokens land sealed on disk (file 0600, no token in its bytes)', async () => {
    await using pool = securePool({ authorizer: scriptedUser });
    expect(await whoami(pool)).toMatchObject({ authenticated: true, identity: { subject: TEST_USER.name } });
    expect(signIns).toHaveLength(1);
    const url = signIns[0]!;
    // Discovered from the server's metadata, with PKCE S256 and the resource indicator.
    expect(url.origin).toBe(server.origin);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('resource')).toBe(server.url);
    expect(url.searchParams.get('redirect_uri')).toBe('http://127.0.0.1:8400/callback');

    const { access, refresh, clientId } = await stored();
    expect(clientId).toMatch(/^mcs-/); // registered dynamically at /register
    const files = await readdir(directory);
    expect(files).toHaveLength(1);
    const bytes = await readFile(join(directory, files[0]!));
    for (const secret of [access, refresh, server.url, TEST_USER.password]) {
      expect(bytes.includes(Buffer.from(secret))).toBe(false);
    }
    const { stat } = await import('node:fs/promises');
    expect((await stat(join(directory, files[0]!))).mode & 0o777).toBe(0o600);
  });

  it('a second pool start uses the stored tokens: no new sign-in', async () => {
    await using pool = securePool({ authorizer: false });
    expect(await whoami(pool)).toMatchObject({ identity: { subject: TEST_USER.name } });
    expect(signIns).toHaveLength(1);
  });

  it('an expired access token is refreshed before the request (no sign-in); the refresh token rotates', async () => {
    const before = await stored();
    await new Promise((resolve) => setTimeout(resolve, ACCESS_TOKEN_TTL_S * 1000 + 200));
    await using pool = securePool({ authorizer: false }, { refreshBeforeExpiryMs: 0 });
    expect(await whoami(pool)).toMatchObject({ identity: { subject: TEST_USER.name } });
    const after = await stored();
    expect(after.access).not.toBe(before.access);
    expect(after.refresh).not.toBe(before.refresh);
    expect(signIns).toHaveLength(1);
  });

  it('an access token the server refuses (revoked: 401) is refreshed and the request sent again', async () => {
    await using pool = securePool({ authorizer: false }, { refreshBeforeExpiryMs: 0 });
    const before = await stored();
    expect(await revokeToken(server.origin, before.access, before.clientId)).toBe(200);
    expect(await whoami(pool)).toMatchObject({ identity: { subject: TEST_USER.name } });
    expect((await stored()).access).not.toBe(before.access);
    expect(signIns).toHaveLength(1);
  });

  it('a revoked refresh token is a clear UNAUTHENTICATED error at once, not a hang (no authorizer)', async () => {
    const before = await stored();
    // Revoking the refresh token revokes its whole grant, the access token in use included.
    expect(await revokeToken(server.origin, before.refresh, before.clientId)).toBe(200);
    await using pool = securePool({ authorizer: false });
    const started = performance.now();
    const error = await pool.callTool('secure.whoami', {}).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    // Not the 30 s call timeout (room left for a loaded CI machine).
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(error).toMatchObject({ name: 'ProviderError', code: 'UNAUTHENTICATED', category: 'unauthenticated' });
    const message = (error as Error).message;
    expect(message).toContain('refused by the authorization server (expired or revoked)');
    expect(message).not.toContain(before.refresh);
    expect(message).not.toContain(before.access);
    expect(signIns).toHaveLength(1);
  });

  it('with an authorizer, the refused sign-in is replaced by a new one and the request completes', async () => {
    {
      await using pool = securePool({ authorizer: scriptedUser });
      expect(await whoami(pool)).toMatchObject({ identity: { subject: TEST_USER.name } });
      expect(signIns).toHaveLength(2);
    }
    // And the new grant is the one on disk (one pool at a time: two refreshing one grant would race).
    await using next = securePool({ authorizer: false });
    expect(await whoami(next)).toMatchObject({ identity: { subject: TEST_USER.name } });
    await stored(); // its tokens join the ones no console line may show
  });

  it('no token or password appeared in any console line meanwhile (the SDK warned about the refused grant)', () => {
    expect(consoleLines.some((line) => line.includes('invalid_grant'))).toBe(true);
    for (const secret of secretsSeen) {
      expect(consoleLines.filter((line) => line.includes(secret))).toEqual([]);
    }
  });
});
