// Secret references resolved by loadProviderConfig: env and file built in, HashiCorp Vault KV v2 and
// AWS Secrets Manager (the official client) against scripted HTTP services on 127.0.0.1 that check
// the requests like the real services (see test/fixtures/scripted-secret-services.ts), a custom
// resolver, and failures that name the field and the reference but never a value.
import { describe, expect, it } from 'vitest';
import {
  explainProviderConfig,
  loadProviderConfig,
  ProviderError,
  SecretLookupError,
  type SecretResolver,
} from '../src/index.js';
import { configDir } from './fixtures/config-dir.js';
import { startScriptedSecretsManager, startScriptedVault } from './fixtures/scripted-secret-services.js';

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    if (ProviderError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ProviderError');
}

const backend = (bearerToken: string) => ({
  mcp: { backends: { web: { transport: 'http', url: 'http://127.0.0.1:1/mcp', bearerToken } } },
});

describe('env and file secrets', () => {
  it('reads secret:env:NAME and secret:file:PATH (relative to the config file, JSON #field)', async () => {
    await using dir = await configDir();
    await dir.write('token.txt', 'file-token\n');
    await dir.write('creds.json', { model_key: 'json-key', other: 'x' });
    const file = await dir.write(
      'provider.yaml',
      [
        'api_key: "secret:file:creds.json#model_key"',
        'mcp:',
        '  backends:',
        '    web: { transport: http, url: "http://127.0.0.1:1/mcp", bearer_token: "secret:file:./token.txt" }',
        '    local: { transport: stdio, command: node, args: [serve, "secret:env:GH_TOKEN"], env: { GITHUB_TOKEN: "secret:env:GH_TOKEN" } }',
        '',
      ].join('\n'),
    );
    const loaded = await loadProviderConfig(file, { env: { GH_TOKEN: 'gh-value' } });
    expect(loaded.config.apiKey).toBe('json-key');
    expect(loaded.config.mcp?.backends.web).toMatchObject({ bearerToken: 'file-token' });
    expect(loaded.config.mcp?.backends.local).toMatchObject({
      args: ['serve', 'gh-value'],
      env: { GITHUB_TOKEN: 'gh-value' },
    });
    expect(loaded.secrets).toEqual({
      apiKey: 'secret:file:creds.json#model_key',
      'mcp.backends.web.bearerToken': 'secret:file:./token.txt',
      'mcp.backends.local.args.1': 'secret:env:GH_TOKEN',
      'mcp.backends.local.env.GITHUB_TOKEN': 'secret:env:GH_TOKEN',
    });
    const text = explainProviderConfig(loaded);
    expect(text).toContain('apiKey = [redacted]  (file, secret:file:creds.json#model_key)');
    for (const value of ['json-key', 'file-token', 'gh-value']) expect(text).not.toContain(value);
  });

  it('names the field and the reference of a missing secret, and the file', async () => {
    await using dir = await configDir();
    const file = await dir.write('provider.json', {
      apiKey: 'secret:env:NOT_SET',
      ...backend('secret:file:/nonexistent/token'),
    });
    const error = await failure(loadProviderConfig(file, { env: {} }));
    expect(error.code).toBe('SECRET_UNRESOLVED');
    expect(error.category).toBe('not_found');
    expect(error.message).toContain(file);
    expect(error.message).toContain('apiKey: secret:env:NOT_SET: the environment variable NOT_SET is not set');
    expect(error.message).toContain(
      'mcp.backends.web.bearerToken: secret:file:/nonexistent/token: cannot read /nonexistent/token (ENOENT)',
    );
  });

  it('answers an unknown scheme with "did you mean"', async () => {
    const error = await failure(loadProviderConfig({ apiKey: 'secret:valt:kv/app#key' }, { env: {} }));
    expect(error.code).toBe('SECRET_UNRESOLVED');
    expect(error.category).toBe('invalid_input');
    expect(error.message).toContain('unknown secret scheme (did you mean "vault"?)');
  });

  it('takes custom resolvers, once per distinct reference', async () => {
    const asked: string[] = [];
    const resolver: SecretResolver = {
      async resolve(reference) {
        asked.push(reference.text);
        if (reference.target === 'missing') throw new SecretLookupError('not_found', 'no such entry in the keyring');
        return `value-of-${reference.target}`;
      },
    };
    const loaded = await loadProviderConfig(
      { apiKey: 'secret:keyring:model', ...backend('secret:keyring:model') },
      { env: {}, secretResolvers: { keyring: resolver } },
    );
    expect(loaded.config.apiKey).toBe('value-of-model');
    expect(loaded.config.mcp?.backends.web).toMatchObject({ bearerToken: 'value-of-model' });
    expect(asked).toEqual(['secret:keyring:model']);
    const error = await failure(
      loadProviderConfig({ apiKey: 'secret:keyring:missing' }, { env: {}, secretResolvers: { keyring: resolver } }),
    );
    expect(error.message).toContain('apiKey: secret:keyring:missing: no such entry in the keyring');
  });
});

describe('HashiCorp Vault (KV v2 over HTTP)', () => {
  const token = 'hvs.test-token';
  const secrets = {
    'kv/mcs/prod': { api_key: 'vault-model-key', mcp_token: 'vault-mcp-token' },
    'kv/mcs/single': { value: 'only-one' },
  };

  it('reads fields with X-Vault-Token from /v1/<mount>/data/<path>, one request per reference', async () => {
    await using vault = await startScriptedVault({ token, secrets });
    const loaded = await loadProviderConfig(
      {
        apiKey: 'secret:vault:kv/mcs/prod#api_key',
        system: 'secret:vault:kv/mcs/single',
        ...backend('secret:vault:kv/mcs/prod#mcp_token'),
        fallbackModels: [{ model: 'small', apiKey: 'secret:vault:kv/mcs/prod#api_key' }],
      },
      { env: { VAULT_ADDR: vault.url, VAULT_TOKEN: token } },
    );
    expect(loaded.config.apiKey).toBe('vault-model-key');
    expect(loaded.config.system).toBe('only-one');
    expect(loaded.config.mcp?.backends.web).toMatchObject({ bearerToken: 'vault-mcp-token' });
    expect(loaded.config.fallbackModels).toEqual([{ model: 'small', apiKey: 'vault-model-key' }]);
    expect(vault.requests.map((request) => `${request.method} ${request.url}`).sort()).toEqual([
      'GET /v1/kv/data/mcs/prod',
      'GET /v1/kv/data/mcs/prod',
      'GET /v1/kv/data/mcs/single',
    ]);
    expect(vault.requests.every((request) => request.headers['x-vault-token'] === token)).toBe(true);
  });

  it('sends ?version=N and the namespace header', async () => {
    await using vault = await startScriptedVault({ token, secrets });
    await loadProviderConfig(
      { apiKey: 'secret:vault:kv/mcs/prod?version=3#api_key' },
      { env: {}, vault: { address: vault.url, token, namespace: 'team-a' } },
    );
    expect(vault.requests[0]?.url).toBe('/v1/kv/data/mcs/prod?version=3');
    expect(vault.requests[0]?.headers['x-vault-namespace']).toBe('team-a');
  });

  it('fails with a typed error naming the reference: missing secret, missing field, bad token, no address', async () => {
    await using vault = await startScriptedVault({ token, secrets });
    const env = { VAULT_ADDR: vault.url, VAULT_TOKEN: token };
    const missing = await failure(loadProviderConfig({ apiKey: 'secret:vault:kv/mcs/nope#key' }, { env }));
    expect(missing).toMatchObject({ code: 'SECRET_UNRESOLVED', category: 'not_found' });
    expect(missing.message).toContain('apiKey: secret:vault:kv/mcs/nope#key: Vault answered 404');
    const field = await failure(loadProviderConfig({ apiKey: 'secret:vault:kv/mcs/prod#nope' }, { env }));
    expect(field.message).toContain('the secret has no field "nope" (it has: api_key, mcp_token)');
    const which = await failure(loadProviderConfig({ apiKey: 'secret:vault:kv/mcs/prod' }, { env }));
    expect(which.message).toContain('the secret holds 2 fields (api_key, mcp_token): name one with #field');
    const denied = await failure(
      loadProviderConfig({ apiKey: 'secret:vault:kv/mcs/prod#api_key' }, { env: { ...env, VAULT_TOKEN: 'wrong' } }),
    );
    expect(denied.category).toBe('permission_denied');
    const noAddress = await failure(loadProviderConfig({ apiKey: 'secret:vault:kv/mcs/prod#api_key' }, { env: {} }));
    expect(noAddress.message).toContain('no Vault address: set VAULT_ADDR');
    for (const error of [missing, field, which, denied, noAddress]) {
      expect(error.message).not.toContain('vault-model-key');
      expect(error.message).not.toContain(token);
    }
  });

  it("stops at the caller's signal with CANCELLED", async () => {
    await using vault = await startScriptedVault({ token, secrets });
    const error = await failure(
      loadProviderConfig(
        { apiKey: 'secret:vault:kv/mcs/prod#api_key' },
        { env: { VAULT_ADDR: vault.url, VAULT_TOKEN: token }, signal: AbortSignal.abort() },
      ),
    );
    expect(error).toMatchObject({ code: 'CANCELLED', category: 'cancelled' });
  });

  it('reports an unreachable Vault as unavailable', async () => {
    const vault = await startScriptedVault({ token, secrets });
    await vault.close();
    const error = await failure(
      loadProviderConfig(
        { apiKey: 'secret:vault:kv/mcs/prod#api_key' },
        { env: { VAULT_ADDR: vault.url, VAULT_TOKEN: token } },
      ),
    );
    expect(error).toMatchObject({ code: 'SECRET_UNRESOLVED', category: 'unavailable' });
    expect(error.message).toContain('did not answer');
  });
});

describe('AWS Secrets Manager (official client, SigV4)', () => {
  const credentials = { accessKeyId: 'AKIDTESTEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  const region = 'eu-west-1';
  const secrets = { 'mcs/prod': JSON.stringify({ api_key: 'aws-model-key' }), 'mcs/plain': 'plain-token' };

  it('gets values through a signed GetSecretValue call, JSON #field or the whole string', async () => {
    await using aws = await startScriptedSecretsManager({ region, ...credentials, secrets });
    const loaded = await loadProviderConfig(
      { apiKey: 'secret:aws-sm:mcs/prod#api_key', ...backend('secret:aws-sm:mcs/plain') },
      { env: {}, awsSecretsManager: { region, endpoint: aws.url, credentials } },
    );
    expect(loaded.config.apiKey).toBe('aws-model-key');
    expect(loaded.config.mcp?.backends.web).toMatchObject({ bearerToken: 'plain-token' });
    expect(aws.requests).toHaveLength(2);
    for (const request of aws.requests) {
      expect(request.method).toBe('POST');
      expect(request.headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');
      expect(String(request.headers.authorization)).toMatch(
        new RegExp(
          `^AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/\\d{8}/${region}/secretsmanager/aws4_request`,
        ),
      );
    }
    expect(aws.requests.map((request) => JSON.parse(request.body).SecretId).sort()).toEqual(['mcs/plain', 'mcs/prod']);
  });

  it('fails typed: unknown secret (not_found), a wrong secret key (the signature check), no region', async () => {
    await using aws = await startScriptedSecretsManager({ region, ...credentials, secrets });
    const options = { env: {}, awsSecretsManager: { region, endpoint: aws.url, credentials } };
    const missing = await failure(loadProviderConfig({ apiKey: 'secret:aws-sm:mcs/nope' }, options));
    expect(missing).toMatchObject({ code: 'SECRET_UNRESOLVED', category: 'not_found' });
    expect(missing.message).toContain('apiKey: secret:aws-sm:mcs/nope: AWS Secrets Manager: ResourceNotFoundException');
    const badKey = await failure(
      loadProviderConfig(
        { apiKey: 'secret:aws-sm:mcs/prod#api_key' },
        {
          env: {},
          awsSecretsManager: { region, endpoint: aws.url, credentials: { ...credentials, secretAccessKey: 'wrong' } },
        },
      ),
    );
    expect(badKey).toMatchObject({ code: 'SECRET_UNRESOLVED', category: 'unauthenticated' });
    expect(badKey.message).toContain('InvalidSignatureException');
    const noRegion = await failure(
      loadProviderConfig(
        { apiKey: 'secret:aws-sm:mcs/prod#api_key' },
        { env: {}, awsSecretsManager: { endpoint: aws.url, credentials } },
      ),
    );
    expect(noRegion.message).toContain('no AWS region: set AWS_REGION');
    for (const error of [missing, badKey, noRegion]) {
      expect(error.message).not.toContain('aws-model-key');
      expect(error.message).not.toContain(credentials.secretAccessKey);
    }
  });
});
