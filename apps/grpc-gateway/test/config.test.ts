// Config loading: JSON and YAML files, env overrides, defaults, and errors that name the bad key.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig, parseGatewayConfig } from '../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'mcs-gateway-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('loadGatewayConfig', () => {
  it('reads YAML, applies defaults and resolves relative paths against the file', async () => {
    const file = write(
      'gateway.yaml',
      'auth: { mode: "off" }\nbackends:\n  everything: { transport: stdio, command: node, cwd: work }\ntls: { cert: c.pem, key: k.pem }\n',
    );
    const config = await loadGatewayConfig(file, {});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 50051,
      nativeTools: true,
      limits: { callTimeoutMs: 60_000 },
    });
    expect(config.backends.everything).toMatchObject({ cwd: join(dir, 'work'), args: [], tools: { deny: [] } });
    expect(config.tls).toMatchObject({ cert: join(dir, 'c.pem'), key: join(dir, 'k.pem'), requireClientCert: false });
  });

  it('GRPC_HOST and GRPC_PORT override the JSON file', async () => {
    const file = write('gateway.json', JSON.stringify({ host: '0.0.0.0', port: 1, auth: { mode: 'off' } }));
    expect(await loadGatewayConfig(file, { GRPC_HOST: '127.0.0.2', GRPC_PORT: '6000' })).toMatchObject({
      host: '127.0.0.2',
      port: 6000,
    });
    await expect(loadGatewayConfig(file, { GRPC_PORT: 'abc' })).rejects.toThrow(/GRPC_PORT must be an integer/);
  });

  it('names every bad key', () => {
    const attempt = () =>
      parseGatewayConfig({
        auth: { mode: 'on', issuer: 'x', audience: 'y' },
        backends: { 'a.b': { transport: 'stdio', command: 'x' }, ok: { transport: 'http', url: 'ftp://x' } },
        tls: { cert: 'c', key: 'k', requireClientCert: true },
        unknownKey: 1,
      });
    expect(attempt).toThrow(/auth\.jwksUri/);
    expect(attempt).toThrow(/backends\.a\.b/);
    expect(attempt).toThrow(/backends\.ok\.url: must be an http/);
    expect(attempt).toThrow(/tls\.ca: requireClientCert needs "ca"/);
    expect(attempt).toThrow(/unknownKey/);
  });

  it('refuses a missing file and invalid JSON with the file name', async () => {
    await expect(loadGatewayConfig(join(dir, 'missing.json'), {})).rejects.toThrow(/Cannot read the config file/);
    await expect(loadGatewayConfig(write('broken.json', '{'), {})).rejects.toThrow(
      /broken\.json is not valid JSON\/YAML/,
    );
  });

  it('requires an explicit auth section and reserves the "native" backend name', () => {
    expect(() => parseGatewayConfig({})).toThrow(/auth/);
    expect(() =>
      parseGatewayConfig({ auth: { mode: 'off' }, backends: { native: { transport: 'stdio', command: 'x' } } }),
    ).toThrow(/reserved/);
  });
});
