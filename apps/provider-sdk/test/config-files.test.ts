// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} placeholders are part of these configs
// Config files (JSON / YAML) with profiles, the seed's snake_case keys and connection layout,
// "did you mean" hints, MCP_* environment overrides, precedence, and the explained config.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  createProvider,
  explainProviderConfig,
  loadProviderConfig,
  MAX_CONFIG_DEPTH,
  nestedTooDeep,
  ProviderError,
  parsePoolConfig,
  parseProviderConfig,
  redactProviderConfig,
} from '../src/index.js';
import { configDir } from './fixtures/config-dir.js';

const seedExample = fileURLToPath(new URL('./fixtures/config/seed-mcp-connection.yaml', import.meta.url));

async function failure(promise: Promise<unknown> | (() => unknown)): Promise<ProviderError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    if (ProviderError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ProviderError');
}

describe("the seed's configuration example", () => {
  it('loads its default profile as one stdio backend', async () => {
    const loaded = await loadProviderConfig(seedExample, { env: {} });
    expect(loaded.profile).toBe('default');
    expect(loaded.config.mcp?.backends).toEqual({
      mcp: {
        transport: 'stdio',
        command: 'npx',
        args: ['@anthropic/mcp-starter', '--no-color'],
        env: {},
        callTimeoutMs: 60_000,
        retryToolCalls: 'annotated',
        protocol: 'legacy',
      },
    });
  });

  it('loads its production profile: HTTP backend, key from api_key_env_var, observability', async () => {
    const loaded = await loadProviderConfig(seedExample, {
      profile: 'production',
      env: { MCP_API_KEY: 'sk-from-env' },
    });
    expect(loaded.config.mcp?.backends.mcp).toMatchObject({
      transport: 'http',
      url: 'https://api.example.com/mcp',
      headers: { 'Content-Type': 'application/json' },
      bearerToken: 'sk-from-env',
      callTimeoutMs: 60_000,
    });
    expect(loaded.config.observability).toEqual({
      enableMetrics: true,
      enableTracing: true,
      enablePrometheus: true,
      prometheusPort: 8000,
    });
  });

  it('takes the profile from MCP_PROFILE (and the option over it)', async () => {
    const env = { MCP_PROFILE: 'production', MCP_API_KEY: 'k' };
    expect((await loadProviderConfig(seedExample, { env })).config.mcp?.backends.mcp?.transport).toBe('http');
    expect(
      (await loadProviderConfig(seedExample, { env, profile: 'default' })).config.mcp?.backends.mcp?.transport,
    ).toBe('stdio');
  });

  it('names the unset api_key_env_var variable, the file and the key', async () => {
    const error = await failure(loadProviderConfig(seedExample, { profile: 'production', env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(seedExample);
    expect(error.message).toContain('api_key_env_var: names MCP_API_KEY, which is not set');
  });

  it("applies the seed's documented environment overrides", async () => {
    const loaded = await loadProviderConfig(seedExample, {
      env: {
        MCP_TRANSPORT_TYPE: 'http',
        MCP_HTTP_CONFIG_BASE_URL: 'https://override.example/mcp',
        MCP_TIMEOUT_SECONDS: '120',
        MCP_API_KEY: 'your-api-key',
        MCP_PROFILE: 'production',
      },
    });
    expect(loaded.config.mcp?.backends.mcp).toMatchObject({
      transport: 'http',
      url: 'https://override.example/mcp',
      callTimeoutMs: 120_000,
      bearerToken: 'your-api-key',
    });
    expect(loaded.sources['mcp.backends.mcp.url']).toBe('env MCP_HTTP_CONFIG_BASE_URL');
    expect(loaded.sources['mcp.backends.mcp.callTimeoutMs']).toBe('env MCP_TIMEOUT_SECONDS');
  });
});

describe("the seed's other examples", () => {
  const advanced = fileURLToPath(new URL('./fixtures/config/seed-advanced.yaml', import.meta.url));

  it('maps gRPC, circuit breaker, retry and observability onto the backend policy and the config', async () => {
    const loaded = await loadProviderConfig(advanced, { env: {} });
    expect(loaded.config.mcp?.backends.mcp).toEqual({
      transport: 'grpc',
      address: 'localhost:50051',
      callTimeoutMs: 60_000,
      listPageSize: 500,
      retryToolCalls: 'annotated',
      policy: {
        retry: {
          maxRetries: 5,
          baseDelayMs: 1000,
          maxDelayMs: 30_000,
          jitterFactor: 0.2,
          retryCategories: ['rate_limited', 'unavailable'],
        },
        circuitBreaker: { enabled: true, failureThreshold: 5, recoveryTimeoutMs: 30_000, halfOpenMaxCalls: 2 },
      },
    });
    expect(loaded.config.observability).toEqual({
      enableMetrics: true,
      enableTracing: true,
      enablePrometheus: true,
      prometheusPort: 8000,
      otlpEndpoint: 'localhost:4317',
      serviceName: 'mcp-provider',
      logLevel: 'info',
      structuredLogging: true,
    });
    // The policy passes @mcs/resilience's own validation when the pool is built.
    const provider = createProvider({ ...loaded.config, model: 'm', apiKey: 'k' }, { env: {} });
    await provider.close();
  });

  it('refuses what it cannot honour, saying why', async () => {
    const error = await failure(
      loadProviderConfig(
        {
          transport_type: 'http',
          enable_streaming: false,
          http_config: { base_url: 'https://a.example/mcp', verify_ssl: false },
          retry: { retry_codes: ['RATE_LIMITED'] },
          observability: { structured_logging: false },
        },
        { env: {} },
      ),
    );
    expect(error.message).toContain('enable_streaming: only true: the provider always streams');
    expect(error.message).toContain('http_config.verify_ssl: only true: certificates are always verified');
    expect(error.message).toContain('retry.retry_codes.0: unknown retry code (did you mean "rate_limited"?)');
    expect(error.message).toContain('observability.structured_logging: only true: logs are JSON lines (pino)');
  });
});

describe('config files', () => {
  it('reads JSON with profiles deep-merged over the base, in either spelling', async () => {
    await using dir = await configDir();
    const file = await dir.write('provider.json', {
      model: 'gpt-base',
      max_steps: 4,
      mcp: { backends: { web: { transport: 'http', url: 'http://127.0.0.1:1/mcp', call_timeout_ms: 5000 } } },
      profiles: {
        dev: {
          maxSteps: 2,
          mcp: { backends: { web: { callTimeoutMs: 1000 }, local: { transport: 'stdio', command: 'node' } } },
        },
        prod: { model: null, base_url: 'https://llm.example/v1' },
      },
    });
    const dev = await loadProviderConfig(file, { profile: 'dev', env: {} });
    expect(dev.config).toMatchObject({ model: 'gpt-base', maxSteps: 2 });
    expect(dev.config.mcp?.backends.web?.callTimeoutMs).toBe(1000);
    expect(Object.keys(dev.config.mcp?.backends ?? {})).toEqual(['web', 'local']);
    const prod = await loadProviderConfig(file, { profile: 'prod', env: {} });
    expect(prod.config.model).toBeUndefined();
    expect(prod.config).toMatchObject({ maxSteps: 4, baseURL: 'https://llm.example/v1' });
    const none = await loadProviderConfig(file, { env: {} });
    expect(none.profile).toBeUndefined();
    expect(none.config.maxSteps).toBe(4);
  });

  it('reads YAML with anchors and merge keys, and ${VAR} only in the selected profile', async () => {
    await using dir = await configDir();
    const file = await dir.write(
      'provider.yaml',
      [
        'mcp:',
        '  backends:',
        '    web: { transport: http, url: "http://127.0.0.1:1/mcp" }',
        'profiles:',
        '  staging: &staging',
        '    max_steps: 3',
        '    mcp: { backends: { web: { url: "${STAGE_URL}" } } }',
        '  prod:',
        '    <<: *staging',
        '    max_steps: 5',
        '',
      ].join('\n'),
    );
    const base = await loadProviderConfig(file, { env: {} });
    expect(base.config.mcp?.backends.web).toMatchObject({ url: 'http://127.0.0.1:1/mcp' });
    const env = { STAGE_URL: 'https://stage.example/mcp' };
    const staging = await loadProviderConfig(file, { profile: 'staging', env });
    expect(staging.config).toMatchObject({ maxSteps: 3, mcp: { backends: { web: { url: env.STAGE_URL } } } });
    const prod = await loadProviderConfig(file, { profile: 'prod', env });
    expect(prod.config).toMatchObject({ maxSteps: 5, mcp: { backends: { web: { url: env.STAGE_URL } } } });
    const missing = await failure(loadProviderConfig(file, { profile: 'prod', env: {} }));
    expect(missing.code).toBe('ENV_MISSING');
    expect(missing.message).toContain(`${file}: config field "mcp.backends.web.url" uses \${STAGE_URL}`);
  });

  it('answers unknown keys with "did you mean", naming the file and the key path as written', async () => {
    await using dir = await configDir();
    const file = await dir.write(
      'typos.yaml',
      [
        'max_step: 3',
        'modle: gpt-x',
        'transport_type: stdio',
        'stdio_config: { comand: npx }',
        'mcp:',
        '  backends:',
        '    local: { transport: stdio, command: node, retry_tool_call: never, callTimeotMs: 5 }',
        '',
      ].join('\n'),
    );
    const error = await failure(loadProviderConfig(file, { env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message.startsWith(`${file}: invalid provider config:`)).toBe(true);
    for (const expected of [
      '"max_step" (did you mean "max_steps"?)',
      '"modle" (did you mean "model"?)',
      'stdio_config: unknown key "comand" (did you mean "command"?)',
      'mcp.backends.local: unknown keys "retry_tool_call" (did you mean "retry_tool_calls"?), "callTimeotMs" (did you mean "callTimeoutMs"?)',
    ]) {
      expect(error.message).toContain(expected);
    }
  });

  it('gives syntax errors a line and column but never the text around them', async () => {
    await using dir = await configDir();
    const yaml = await dir.write('bad.yaml', 'model: gpt\napiKey: sk-live-abc: "oops\n');
    const yamlError = await failure(loadProviderConfig(yaml, { env: {} }));
    expect(yamlError.code).toBe('CONFIG_INVALID');
    expect(yamlError.message).toMatch(new RegExp(`^${yaml}:2:\\d+: not valid YAML`));
    expect(yamlError.message).not.toContain('sk-live');
    const json = await dir.write('bad.json', '{\n  "model": "gpt",\n  "apiKey": sk-live-abc\n}\n');
    const jsonError = await failure(loadProviderConfig(json, { env: {} }));
    expect(jsonError.message).toMatch(new RegExp(`^${json}:3:\\d+: not valid JSON`));
    expect(jsonError.message).not.toContain('sk-live');
  });

  it('reports a missing file, a non-object file and an unknown profile with the file name', async () => {
    await using dir = await configDir();
    const missing = `${dir.path}/nope.yaml`;
    const notFound = await failure(loadProviderConfig(missing, { env: {} }));
    expect(notFound.code).toBe('CONFIG_NOT_FOUND');
    expect(notFound.message).toContain(missing);
    const list = await dir.write('list.yaml', '- a\n- b\n');
    expect((await failure(loadProviderConfig(list, { env: {} }))).message).toContain(
      `${list}: the file must hold one object`,
    );
    const deep = await dir.write('deep.json', `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect((await failure(loadProviderConfig(deep, { env: {} }))).message).toContain(
      `${deep}: nested more than 64 levels`,
    );
    const profiles = await dir.write('p.json', { profiles: { dev: {}, prod: {} } });
    const unknown = await failure(loadProviderConfig(profiles, { profile: 'stage', env: {} }));
    expect(unknown.code).toBe('PROFILE_UNKNOWN');
    expect(unknown.message).toContain(profiles);
    expect(unknown.message).toContain('dev, prod');
  });

  it('nestedTooDeep (the depth check config readers share, mcs-chat too): 64 nested containers accepted, 65 refused, any depth checked without recursion', () => {
    const nested = (levels: number): unknown => {
      let value: unknown = 'leaf';
      for (let level = 0; level < levels; level++) value = level % 2 === 0 ? [value] : { key: value };
      return value;
    };
    expect(MAX_CONFIG_DEPTH).toBe(64);
    // The top value is level 0: 64 nested containers reach level 63.
    expect(nestedTooDeep(nested(64))).toBe(false);
    expect(nestedTooDeep(nested(65))).toBe(true);
    expect(nestedTooDeep(nested(3), 2)).toBe(true);
    expect(nestedTooDeep(nested(2), 2)).toBe(false);
    expect(nestedTooDeep(nested(200_000))).toBe(true);
    expect(nestedTooDeep({ a: 1, b: [null, 'x', { c: true }] })).toBe(false);
  });

  it('shows nested paths in the spelling they were written in', async () => {
    const error = await failure(
      loadProviderConfig(
        {
          transport_type: 'http',
          http_config: { base_url: 'ftp://x' },
          mcp: {
            backends: { a: { transport: 'http', url: 'http://127.0.0.1:1/', supervision: { request_timeout_ms: -1 } } },
          },
        },
        { env: {} },
      ),
    );
    expect(error.message).toContain('http_config.base_url: must be an http:// or https:// URL');
    expect(error.message).toContain('mcp.backends.a.supervision.request_timeout_ms:');
  });

  it('reports keys named like Object members (constructor, __proto__) as unknown, without crashing', async () => {
    await using dir = await configDir();
    const file = await dir.write(
      'odd.json',
      '{ "constructor": 1, "__proto__": { "maxSteps": 99 }, "profiles": { "dev": { "__proto__": { "model": "x" } } },' +
        ' "mcp": { "backends": { "a": { "transport": "stdio", "command": "x", "toString": 2 } } } }',
    );
    for (const profile of [undefined, 'dev']) {
      const error = await failure(loadProviderConfig(file, { env: {}, ...(profile ? { profile } : {}) }));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain('"constructor"');
      expect(error.message).toContain('"__proto__"');
      expect(error.message).toContain('mcp.backends.a: unknown key "toString"');
    }
  });

  it('refuses a key written in both spellings', async () => {
    const error = await failure(loadProviderConfig({ max_steps: 2, maxSteps: 3 }, { env: {} }));
    expect(error.message).toContain('max_steps: written twice');
  });
});

describe('environment overrides and precedence', () => {
  const base = {
    model: 'file-model',
    maxSteps: 2,
    temperature: 0.5,
    mcp: { backends: { 'web-search': { transport: 'http', url: 'http://127.0.0.1:1/mcp' } } },
    profiles: { prod: { maxSteps: 3, temperature: 0.6 } },
  };

  it('layers defaults < file < profile < env < overrides, and says who set what', async () => {
    const loaded = await loadProviderConfig(base, {
      profile: 'prod',
      env: { MCP_TEMPERATURE: '0.7', MCP_MODEL: 'env-model', MCP_MAX_STEPS: '5' },
      overrides: { max_steps: 6 },
    });
    expect(loaded.config).toMatchObject({ model: 'env-model', maxSteps: 6, temperature: 0.7, idleTimeoutMs: 60_000 });
    expect(loaded.sources).toMatchObject({
      model: 'env MCP_MODEL',
      maxSteps: 'option',
      temperature: 'env MCP_TEMPERATURE',
      'mcp.backends.web-search.url': 'config',
    });
    const profileOnly = await loadProviderConfig(base, { profile: 'prod', env: {} });
    expect(profileOnly.config).toMatchObject({ model: 'file-model', maxSteps: 3, temperature: 0.6 });
    expect(profileOnly.sources.maxSteps).toBe('profile prod');
  });

  it('maps MCP_<KEY_PATH> through maps, numbers, booleans and lists; ignores the rest with a hint', async () => {
    const loaded = await loadProviderConfig(base, {
      env: {
        MCP_MCP_BACKENDS_WEB_SEARCH_CALL_TIMEOUT_MS: '2500',
        MCP_MCP_BACKENDS_WEB_SEARCH_RETRY_TOOL_CALLS: 'search,fetch',
        MCP_PARALLEL_TOOL_CALLS: 'false',
        MCP_FALLBACK_MODELS: 'small-a,small-b',
        MCP_MAX_STEP: '9',
        MCP_CONFORMANCE_SCENARIO: 'initialize',
      },
    });
    expect(loaded.config.mcp?.backends['web-search']).toMatchObject({
      callTimeoutMs: 2500,
      retryToolCalls: ['search', 'fetch'],
    });
    expect(loaded.config).toMatchObject({
      parallelToolCalls: false,
      fallbackModels: ['small-a', 'small-b'],
      maxSteps: 2,
    });
    expect(loaded.ignoredEnv).toEqual([
      { variable: 'MCP_CONFORMANCE_SCENARIO' },
      { variable: 'MCP_MAX_STEP', didYouMean: 'MCP_MAX_STEPS' },
    ]);
    const ours = await loadProviderConfig(base, { env: { MCP_TIMEOUT_SECONDS: '5' } });
    expect(ours.config.mcp?.backends['web-search']?.callTimeoutMs).toBe(60_000);
    expect(ours.ignoredEnv).toEqual([
      { variable: 'MCP_TIMEOUT_SECONDS', reason: expect.stringContaining("the seed's connection layout") },
    ]);
    expect(explainProviderConfig(ours)).toContain("ignored MCP_TIMEOUT_SECONDS: the seed's connection layout");
    const fromEnv = await loadProviderConfig(
      {},
      {
        env: {
          MCP_TRANSPORT_TYPE: 'http',
          MCP_HTTP_CONFIG_BASE_URL: 'https://env.example/mcp',
          MCP_TIMEOUT_SECONDS: '5',
        },
      },
    );
    expect(fromEnv.config.mcp?.backends.mcp).toMatchObject({
      transport: 'http',
      url: 'https://env.example/mcp',
      callTimeoutMs: 5000,
    });
    const off = await loadProviderConfig(base, { env: { MCP_MAX_STEPS: '9' }, envPrefix: false });
    expect(off.config.maxSteps).toBe(2);
  });

  it('names the variable and the field of a bad value, never the value', async () => {
    const error = await failure(
      loadProviderConfig(base, {
        env: { MCP_MAX_STEPS: 'sk-live-0123456789', MCP_MCP_BACKENDS_WEB_SEARCH_URL: 'ftp://x' },
      }),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('maxSteps: Invalid input: expected number, received string (set by MCP_MAX_STEPS)');
    expect(error.message).toContain(
      'mcp.backends.web-search.url: must be an http:// or https:// URL (set by MCP_MCP_BACKENDS_WEB_SEARCH_URL)',
    );
    expect(error.message).not.toContain('sk-live');
  });
});

describe('the explained config', () => {
  it('lists every field with its source and redacts secrets', async () => {
    const loaded = await loadProviderConfig(
      {
        apiKey: 'sk-literal-in-file',
        mcp: {
          backends: {
            web: {
              transport: 'http',
              url: 'http://127.0.0.1:1/mcp',
              headers: { Authorization: 'Bearer hdr-secret', 'X-Team': 'core' },
            },
            local: { transport: 'stdio', command: 'node', env: { GITHUB_TOKEN: 'gh-secret', MODE: 'fast' } },
          },
        },
      },
      { env: { MCP_MAX_STEPS: '3' } },
    );
    const text = explainProviderConfig(loaded);
    expect(text).toContain('maxSteps = 3  (env MCP_MAX_STEPS)');
    expect(text).toContain('idleTimeoutMs = 60000  (default)');
    expect(text).toContain('apiKey = [redacted]  (config)');
    expect(text).toContain('mcp.backends.web.headers.Authorization = [redacted]');
    expect(text).toContain('mcp.backends.web.headers.X-Team = "core"');
    expect(text).toContain('mcp.backends.local.env.GITHUB_TOKEN = [redacted]');
    expect(text).toContain('mcp.backends.local.env.MODE = "fast"');
    for (const secret of ['sk-literal', 'hdr-secret', 'gh-secret']) expect(text).not.toContain(secret);
    const redacted = JSON.stringify(redactProviderConfig(loaded));
    for (const secret of ['sk-literal', 'hdr-secret', 'gh-secret']) expect(redacted).not.toContain(secret);
    expect(redacted).toContain('"X-Team":"core"');
  });
});

describe('the synchronous parse and createProvider', () => {
  it('accept snake_case and the seed connection layout too', () => {
    expect(
      parsePoolConfig({ backends: { a: { transport: 'stdio', command: 'x', call_timeout_ms: 5 } } }, { env: {} })
        .backends.a?.callTimeoutMs,
    ).toBe(5);
    const parsed = parseProviderConfig(
      {
        transport_type: 'grpc',
        grpc_config: { endpoint: '127.0.0.1:50051', use_tls: true },
        api_key_env_var: 'GW_TOKEN',
      },
      { env: { GW_TOKEN: 't' } },
    );
    expect(parsed.mcp?.backends.mcp).toMatchObject({
      transport: 'grpc',
      address: '127.0.0.1:50051',
      tls: {},
      token: 't',
    });
  });

  it('refuse a secret reference (it needs loadProviderConfig)', async () => {
    const error = await failure(() => parseProviderConfig({ apiKey: 'secret:vault:kv/app#key' }, { env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('apiKey: holds a secret reference: read the config with loadProviderConfig');
  });

  it('createProvider takes a loaded config as it is (no second profile choice or ${VAR} pass)', async () => {
    const loaded = await loadProviderConfig(
      { model: 'm', baseURL: 'http://127.0.0.1:1/v1', apiKey: 'secret:env:KEY', profiles: { prod: { maxSteps: 3 } } },
      { profile: 'prod', env: { KEY: 'pa$${word}' } },
    );
    expect(loaded.config.apiKey).toBe('pa$${word}');
    const provider = createProvider(loaded.config, { env: { MCP_PROFILE: 'other' } });
    await provider.close();
  });
});
