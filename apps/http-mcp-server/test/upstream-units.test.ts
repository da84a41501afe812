import type { AuthInfo } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { HttpMcpServerError } from '../src/http-mcp-server-error.js';
import { upstreamUserOfRequest } from '../src/upstream/upstream-request.js';
import { type Connected, connectPacks, ERAS, firstText } from './packs-harness.js';

const KEYS = JSON.stringify({ keys: [{ id: 'k1', key: Buffer.alloc(32, 1).toString('base64') }] });
const base = { HOST: '127.0.0.1', PORT: '3000', MCS_AUTH: 'off' };

function configError(env: Record<string, string>): string {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(HttpMcpServerError);
    expect((error as HttpMcpServerError).code).toBe('INVALID_CONFIG');
    return (error as Error).message;
  }
  throw new Error('expected INVALID_CONFIG');
}

describe('upstream login settings', () => {
  it('is off without an issuer', () => {
    expect(loadConfig(base).upstream).toBeUndefined();
  });

  it('defaults the redirect URI to PUBLIC_URL + /oauth/upstream/callback and reads scopes', () => {
    const config = loadConfig({
      ...base,
      PUBLIC_URL: 'https://mcp.example.com/',
      MCS_UPSTREAM_ISSUER: 'https://id.example.com',
      MCS_UPSTREAM_CLIENT_ID: 'mcs',
      MCS_UPSTREAM_SCOPES: 'openid, api:read  offline_access',
      MCS_SECRET_KEYS: KEYS,
    });
    expect(config.upstream).toMatchObject({
      issuer: 'https://id.example.com',
      clientId: 'mcs',
      clientSecret: undefined,
      scopes: ['openid', 'api:read', 'offline_access'],
      redirectUri: 'https://mcp.example.com/oauth/upstream/callback',
    });
  });

  it('keeps the client secret and keys out of logs', () => {
    const config = loadConfig({
      ...base,
      MCS_UPSTREAM_ISSUER: 'https://id.example.com',
      MCS_UPSTREAM_CLIENT_ID: 'mcs',
      MCS_UPSTREAM_CLIENT_SECRET: 'very-secret-value',
      MCS_SECRET_KEYS: KEYS,
    });
    expect(config.upstream?.clientSecret).toBe('very-secret-value');
    const logged = JSON.stringify(config);
    expect(logged).not.toContain('very-secret-value');
    expect(logged).not.toContain(Buffer.alloc(32, 1).toString('base64'));
  });

  it('refuses half a configuration, plain http off loopback, bad keys, and no keys in production', () => {
    expect(configError({ MCS_UPSTREAM_ISSUER: 'https://id.example.com' })).toContain('MCS_UPSTREAM_CLIENT_ID');
    expect(configError({ MCS_UPSTREAM_CLIENT_ID: 'mcs' })).toContain('MCS_UPSTREAM_ISSUER');
    expect(configError({ MCS_UPSTREAM_ISSUER: 'http://id.example.com', MCS_UPSTREAM_CLIENT_ID: 'mcs' })).toContain(
      'https',
    );
    expect(configError({ MCS_SECRET_KEYS: 'not json' })).toContain('MCS_SECRET_KEYS must be JSON');
    expect(configError({ MCS_SECRET_KEYS: JSON.stringify({ keys: [{ id: 'k', key: 'c2hvcnQ=' }] }) })).toContain(
      '32 bytes',
    );
    expect(
      configError({
        MCS_UPSTREAM_ISSUER: 'https://id.example.com',
        MCS_UPSTREAM_CLIENT_ID: 'mcs',
        NODE_ENV: 'production',
      }),
    ).toContain('MCS_SECRET_KEYS is required in production');
  });

  it('accepts plain http on loopback (a provider on the same host)', () => {
    const config = loadConfig({ ...base, MCS_UPSTREAM_ISSUER: 'http://127.0.0.1:9999', MCS_UPSTREAM_CLIENT_ID: 'mcs' });
    expect(config.upstream?.secretKeys).toBeUndefined();
  });
});

describe('upstream user key', () => {
  const token = (sub: string | undefined, clientId = 'client-1'): AuthInfo => ({
    token: 't',
    clientId,
    scopes: [],
    ...(sub === undefined ? {} : { extra: { sub } }),
  });

  it('is the subject when authenticated, whatever the session', () => {
    const a = upstreamUserOfRequest('session-1', token('alice'));
    const b = upstreamUserOfRequest('session-2', token('alice'));
    expect(a).toEqual(b);
    expect(a?.kind).toBe('subject');
    expect(a?.key).toBe('subject:alice');
    expect(a?.storageId).not.toContain('alice');
    expect(upstreamUserOfRequest('s', token('bob'))?.storageId).not.toBe(a?.storageId);
  });

  it('falls back to the client id without a subject, to the session without a token, and is undefined for neither', () => {
    expect(upstreamUserOfRequest(undefined, token(undefined, 'svc'))?.key).toBe('subject:client:svc');
    expect(upstreamUserOfRequest('session-1', undefined)?.key).toBe('session:session-1');
    expect(upstreamUserOfRequest('session-1', undefined)?.storageId).not.toBe(
      upstreamUserOfRequest('session-2', undefined)?.storageId,
    );
    expect(upstreamUserOfRequest(undefined, undefined)).toBeUndefined();
  });
});

describe.each(ERAS)('login tools without an upstream configured (%s era)', (era) => {
  let connected: Connected | undefined;
  afterEach(async () => {
    await connected?.close();
    connected = undefined;
  });

  it('login and logout answer "not configured"; whoami has no upstream field', async () => {
    connected = await connectPacks({ packs: ['default'], era });
    for (const name of ['login', 'logout']) {
      const result = await connected.client.callTool({ name, arguments: {} });
      expect(result.isError).toBe(true);
      expect(firstText(result.content as { type: string; text?: string }[])).toContain(
        'No upstream login is configured',
      );
    }
    const whoami = await connected.client.callTool({ name: 'whoami', arguments: {} });
    expect(whoami.structuredContent).not.toHaveProperty('upstream');
  });
});
