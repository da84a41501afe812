// `auth.revocation` in the config: defaults, REDIS_URL, the missing URL named, the password redacted.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig, parseGatewayConfig, redactConfig } from '../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'mcs-gateway-revocation-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const auth = (revocation?: unknown) => ({
  mode: 'on',
  jwksUri: 'https://issuer.example/jwks.json',
  issuer: 'https://issuer.example',
  audience: 'https://issuer.example/mcp',
  ...(revocation === undefined ? {} : { revocation }),
});

const write = (config: unknown) => {
  const file = join(dir, `gateway-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  return file;
};

describe('auth.revocation', () => {
  it('is off unless configured, and REDIS_URL alone does not turn it on', async () => {
    const config = await loadGatewayConfig(write({ auth: auth() }), { REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(config.auth).not.toHaveProperty('revocation');
  });

  it('takes its defaults (cacheTtlMs 1000, cacheMaxEntries 10000)', () => {
    const config = parseGatewayConfig({ auth: auth({ redisUrl: 'redis://redis:6379' }) });
    expect(config.auth).toMatchObject({
      revocation: { redisUrl: 'redis://redis:6379', cacheTtlMs: 1_000, cacheMaxEntries: 10_000 },
    });
  });

  it('REDIS_URL supplies the URL, and wins over the file', async () => {
    const fromEnv = await loadGatewayConfig(write({ auth: auth({}) }), { REDIS_URL: 'rediss://cache:6380' });
    expect(fromEnv.auth).toMatchObject({ revocation: { redisUrl: 'rediss://cache:6380' } });
    const both = await loadGatewayConfig(write({ auth: auth({ redisUrl: 'redis://file:6379' }) }), {
      REDIS_URL: 'redis://env:6379',
    });
    expect(both.auth).toMatchObject({ revocation: { redisUrl: 'redis://env:6379' } });
  });

  it('without any URL, or with a bad one, the error names the key', async () => {
    await expect(loadGatewayConfig(write({ auth: auth({}) }), {})).rejects.toThrow(
      /auth\.revocation\.redisUrl: .*REDIS_URL/,
    );
    expect(() => parseGatewayConfig({ auth: auth({ redisUrl: 'http://redis:6379' }) })).toThrow(
      /auth\.revocation\.redisUrl: must be a redis:\/\/ or rediss:\/\/ URL/,
    );
    expect(() => parseGatewayConfig({ auth: auth({ redisUrl: 'redis://r', cacheTtlMs: 60_000 }) })).toThrow(
      /auth\.revocation\.cacheTtlMs/,
    );
    expect(() => parseGatewayConfig({ auth: auth({ redisUrl: 'redis://r', ttl: 1 }) })).toThrow(/auth\.revocation/);
  });

  it('the start-up log shows the Redis URL without its password', () => {
    const config = parseGatewayConfig({ auth: auth({ redisUrl: 'redis://user:s3cret@redis:6379/0' }) });
    const printed = JSON.stringify(redactConfig(config));
    expect(printed).not.toContain('s3cret');
    expect(printed).toContain('redis://user:redacted@redis:6379/0');
  });
});
