import { describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { loadConfig, redactConfig } from './config.js';
import { HttpMcpServerError } from './http-mcp-server-error.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      publicUrl: 'http://127.0.0.1:3000',
      redisUrl: undefined,
      auth: 'on',
      toolPacks: ['default'],
      logLevel: 'info',
      dnsRebindingProtection: true,
    });
    expect(config.allowedHosts).toEqual(expect.arrayContaining(['localhost', '127.0.0.1', '[::1]']));
  });

  it('names every bad setting', () => {
    const attempt = () => loadConfig({ PORT: 'eighty', REDIS_URL: 'http://x', MCS_AUTH: 'maybe' });
    expect(attempt).toThrow(HttpMcpServerError);
    expect(attempt).toThrow(/PORT.*REDIS_URL.*MCS_AUTH/s);
  });

  it('refuses an unknown tool pack, listing the valid ones', () => {
    expect(() => loadConfig({ MCS_TOOL_PACKS: 'default,nope' })).toThrow(/nope.*default, conformance/);
  });

  it('redacts the Redis password when printed', () => {
    const config = loadConfig({ REDIS_URL: 'redis://user:s3cret@redis:6379/0' });
    expect(JSON.stringify(redactConfig(config))).not.toContain('s3cret');
    expect(redactConfig(config).redisUrl).toBe('redis://user:***@redis:6379/0');
  });

  it('takes allow lists and PUBLIC_URL into account', () => {
    const config = loadConfig({ HOST: '0.0.0.0', PUBLIC_URL: 'https://mcp.example.com/' });
    expect(config.publicUrl).toBe('https://mcp.example.com');
    expect(config.allowedHosts).toContain('mcp.example.com');
    expect(config.allowedHosts).not.toContain('0.0.0.0');
    expect(loadConfig({ MCS_ALLOWED_HOSTS: 'a.example, b.example' }).allowedHosts).toEqual(['a.example', 'b.example']);
  });
});

describe('MCS_AUTH', () => {
  it('on (the default): starts with the authorization server and protects /mcp', async () => {
    const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }));
    try {
      const metadata = await app.inject({ url: '/.well-known/oauth-authorization-server' });
      expect(metadata.json()).toMatchObject({ issuer: 'http://127.0.0.1:3000' });
      const mcp = await app.inject({ method: 'POST', url: '/mcp', payload: {} });
      expect(mcp.statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('on: a bad MCS_USERS stops the start naming the setting', async () => {
    const config = loadConfig({ MCS_AUTH: 'on', LOG_LEVEL: 'silent', MCS_USERS: '{"alice":"plain-text"}' });
    await expect(buildApp(config)).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('MCS_USERS'),
    });
  });
});
