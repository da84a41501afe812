// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} placeholders are the subject of these tests
// Config handling: ${VAR} interpolation, profiles, and errors that name the bad field. No processes
// start: createMcpClientPool validates everything before any backend is touched.
import { describe, expect, it } from 'vitest';
import {
  createMcpClientPool,
  interpolateEnv,
  ProviderError,
  parsePoolConfig,
  parseProviderConfig,
} from '../src/index.js';

const failure = (fn: () => unknown): ProviderError => {
  try {
    fn();
  } catch (error) {
    if (ProviderError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ProviderError');
};

describe('environment interpolation', () => {
  it('replaces ${VAR} and ${VAR:-default} in every string, and keeps $${VAR} literal', () => {
    const env = { TOKEN: 's3cret', HOST: 'mcp.example' };
    expect(
      interpolateEnv({ a: 'Bearer ${TOKEN}', b: ['https://${HOST}/mcp', '${PORT:-8080}'], c: '$${TOKEN}', d: 3 }, env),
    ).toEqual({ a: 'Bearer s3cret', b: ['https://mcp.example/mcp', '8080'], c: '${TOKEN}', d: 3 });
  });

  it('names the field and the variable when one is missing', () => {
    const error = failure(() =>
      parsePoolConfig({ backends: { remote: { transport: 'http', url: '${MCP_URL}' } } }, { env: {} }),
    );
    expect(error.code).toBe('ENV_MISSING');
    expect(error.message).toContain('backends.remote.url');
    expect(error.message).toContain('MCP_URL');
  });

  it('onMissing gets the variable and the path of a missing one and decides instead of the ENV_MISSING error', () => {
    const seen: [string, readonly (string | number)[]][] = [];
    const result = interpolateEnv(
      { headers: { a: 'Bearer ${GONE}' }, args: ['${SET}', '${ALSO_GONE}'] },
      { SET: 'x' },
      [],
      {
        onMissing: (name, path) => {
          seen.push([name, path]);
          return `<${name}>`;
        },
      },
    );
    expect(result).toEqual({ headers: { a: 'Bearer <GONE>' }, args: ['x', '<ALSO_GONE>'] });
    expect(seen).toEqual([
      ['GONE', ['headers', 'a']],
      ['ALSO_GONE', ['args', 1]],
    ]);
  });
});

describe('profiles', () => {
  const config = {
    backends: { remote: { transport: 'http', url: 'http://127.0.0.1:1/mcp', headers: { 'x-team': 'core' } } },
    profiles: {
      dev: { backends: { local: { transport: 'stdio', command: 'node' } } },
      prod: { backends: { remote: { url: '${PROD_URL}' } } },
    },
  };

  it('deep-merges the selected profile over the base, and interpolates only what is selected', () => {
    const dev = parsePoolConfig(config, { profile: 'dev', env: {} });
    expect(Object.keys(dev.backends)).toEqual(['remote', 'local']);
    const prod = parsePoolConfig(config, { profile: 'prod', env: { PROD_URL: 'https://prod.example/mcp' } });
    expect(prod.backends.remote).toMatchObject({ url: 'https://prod.example/mcp', headers: { 'x-team': 'core' } });
    expect(Object.keys(prod.backends)).toEqual(['remote']);
  });

  it('takes the profile from the config or MCS_PROFILE when none is passed', () => {
    expect(Object.keys(parsePoolConfig({ ...config, profile: 'dev' }, { env: {} }).backends)).toContain('local');
    expect(Object.keys(parsePoolConfig(config, { env: { MCS_PROFILE: 'dev' } }).backends)).toContain('local');
  });

  it('refuses an unknown profile, listing the known ones', () => {
    const error = failure(() => parsePoolConfig(config, { profile: 'staging', env: {} }));
    expect(error.code).toBe('PROFILE_UNKNOWN');
    expect(error.message).toContain('dev, prod');
  });
});

describe('validation', () => {
  it.each([
    [{ backends: {} }, 'backends: configure at least one backend'],
    [{ backends: { 'a.b': { transport: 'stdio', command: 'x' } } }, 'no dots'],
    [{ backends: { web: { transport: 'http', url: 'ftp://x' } } }, 'backends.web.url'],
    [{ backends: { web: { transport: 'carrier-pigeon' } } }, 'backends.web.transport'],
    [{ backends: { gw: { transport: 'grpc' } } }, 'backends.gw.address'],
    [{ backends: { local: { transport: 'stdio', command: 'x', comand: 'typo' } } }, 'comand'],
    [{ backends: { local: { transport: 'stdio', command: 'x' } }, extra: 1 }, 'extra'],
  ])('%j -> CONFIG_INVALID naming %s', (config, expected) => {
    const error = failure(() => createMcpClientPool(config, { env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.category).toBe('invalid_input');
    expect(error.message).toContain(expected);
  });

  it('checks each backend policy with @mcs/resilience and names the backend', () => {
    const error = failure(() =>
      createMcpClientPool({
        backends: { local: { transport: 'stdio', command: 'x', policy: { retry: { maxRetries: -1 } } } },
      }),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('backends.local.policy');
    expect(error.message).toContain('maxRetries');
  });

  it('checks modelPolicy, fallback and backend policies when the config is read, naming each path', () => {
    const error = failure(() =>
      parseProviderConfig(
        {
          model: 'm',
          modelPolicy: { retry: { maxRetries: -1, max_delay: 5 }, circuitBreaker: { failureTreshold: 2 } },
          fallbackModels: [{ model: 'n', modelPolicy: { timeout: { timeoutMs: 'soon' } } }],
          mcp: {
            backends: { local: { transport: 'stdio', command: 'x', policy: { retry: { baseDelayMs: 60_000 } } } },
          },
        },
        { env: {} },
      ),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('modelPolicy.retry.maxRetries: Too small');
    expect(error.message).toContain('modelPolicy.retry: unknown key "max_delay" (did you mean "max_delay_ms"?)');
    expect(error.message).toContain(
      'modelPolicy.circuitBreaker: unknown key "failureTreshold" (did you mean "failureThreshold"?)',
    );
    expect(error.message).toContain('fallbackModels.0.modelPolicy.timeout.timeoutMs');
    // A check across fields, against the defaults of what is not written (maxDelayMs 30 000).
    expect(error.message).toContain(
      'mcp.backends.local.policy.retry.maxDelayMs: maxDelayMs must be greater than or equal to baseDelayMs',
    );
    // snake_case inside a policy is read like everywhere else in the config.
    const parsed = parseProviderConfig({ model: 'm', model_policy: { retry: { max_retries: 1 } } }, { env: {} });
    expect(parsed.modelPolicy).toEqual({ retry: { maxRetries: 1 } });
  });
});
