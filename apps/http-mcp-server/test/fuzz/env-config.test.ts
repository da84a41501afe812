// Property-based fuzzing (fast-check) of the server's configuration, the environment (and .env) it
// reads: every documented variable with hostile values (huge, lone surrogates, controls, numbers out
// of range, URLs of other schemes, garbage keys and user lists), a few at a time. Every environment
// must give a config or INVALID_CONFIG with a bounded message that quotes no secret it was given
// (signing keys, secret keys, client secrets, the Redis URL's password) and no stack trace; never
// another error. Bounded: fixed seed, a few hundred runs (loadConfig starts nothing).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { expectConfigError, FUZZ_SEED, runs } from './fuzz-harness.js';

const VARIABLES = [
  'HOST',
  'PORT',
  'PUBLIC_URL',
  'REDIS_URL',
  'MCS_AUTH',
  'MCS_TOOL_PACKS',
  'MCS_ALLOWED_HOSTS',
  'MCS_ALLOWED_ORIGINS',
  'MCS_DNS_REBINDING_PROTECTION',
  'MCS_BODY_LIMIT_BYTES',
  'MCS_SESSION_IDLE_TTL_MS',
  'MCS_SSE_RETRY_MS',
  'MCS_SERVER_CACHE_MAX_SERVERS',
  'MCS_SERVER_CACHE_MAX_BYTES',
  'MCS_SERVER_CACHE_TTL_MS',
  'MCS_SSE_KEEPALIVE_MS',
  'MCS_SHUTDOWN_TIMEOUT_MS',
  'MCS_DIRECT_TOOL_CALLS',
  'MCS_SERVICE_BASE_URL',
  'MCS_SERVICE_CONFIRM',
  'MCS_SIGNING_KEYS',
  'MCS_USERS',
  'MCS_USERS_FILE',
  'MCS_AUTH_SCOPES',
  'MCS_ACCESS_TOKEN_TTL_S',
  'MCS_REFRESH_TOKEN_TTL_S',
  'MCS_AUTH_RATE_LIMIT_PER_MIN',
  'MCS_CIMD_ALLOW_LOOPBACK',
  'MCS_AUTH_OIDC_ISSUER',
  'MCS_AUTH_OIDC_CLIENT_ID',
  'MCS_AUTH_OIDC_CLIENT_SECRET',
  'MCS_UPSTREAM_ISSUER',
  'MCS_UPSTREAM_CLIENT_ID',
  'MCS_UPSTREAM_CLIENT_SECRET',
  'MCS_UPSTREAM_SCOPES',
  'MCS_UPSTREAM_REDIRECT_URI',
  'MCS_SECRET_KEYS',
  'LOG_LEVEL',
] as const;
/** Values of these must never be quoted back (a refused key is still a key). */
const SECRET_VARIABLES = new Set([
  'MCS_SIGNING_KEYS',
  'MCS_SECRET_KEYS',
  'MCS_AUTH_OIDC_CLIENT_SECRET',
  'MCS_UPSTREAM_CLIENT_SECRET',
  'MCS_USERS',
]);

const huge = fc.integer({ min: 1_000, max: 100_000 }).map((length) => 'v'.repeat(length));
const value = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }).map((text) => text.replaceAll('\u0000', '')),
  fc.constantFrom(
    '',
    ' ',
    '\ud800',
    'on',
    'off',
    '0',
    '-1',
    '1e309',
    '99999999999999999999',
    'NaN',
    'default,conformance',
    'nope,,,',
    'http://127.0.0.1:1',
    'https://issuer.example',
    'redis://user:s3cret-redis-password@127.0.0.1:1',
    'rediss://:only-a-password-xyz@[::1]:6379/0',
    'file:///etc/passwd',
    'javascript:alert(1)',
    '{"keys":[{"kty":"oct","k":"c2VjcmV0LXNpZ25pbmcta2V5"}]}',
    'not-base64-secret-key-material!!',
    'alice:$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
    'a:b:c:d',
    '/nonexistent/users.json',
  ),
  fc.integer().map(String),
  huge,
);

const envArb = fc
  .array(fc.tuple(fc.constantFrom(...VARIABLES), value), { minLength: 1, maxLength: 6 })
  .map((pairs) => Object.fromEntries(pairs) as Record<string, string>);

describe('the environment fuzzed (fast-check)', () => {
  it('any mix of variables: a config or INVALID_CONFIG, bounded, quoting no secret', () => {
    fc.assert(
      fc.property(envArb, fc.boolean(), (env, authOff) => {
        // MCS_AUTH defaults to on, which needs users and keys: half the runs start from off.
        try {
          const config = loadConfig({ ...(authOff ? { MCS_AUTH: 'off' } : {}), ...env });
          expect(typeof config.port).toBe('number');
        } catch (error) {
          const message = expectConfigError(error);
          for (const [name, given] of Object.entries(env)) {
            if (SECRET_VARIABLES.has(name) && given.length >= 8) expect(message, name).not.toContain(given);
          }
          for (const password of ['s3cret-redis-password', 'only-a-password-xyz', 'c2VjcmV0LXNpZ25pbmcta2V5']) {
            expect(message).not.toContain(password);
          }
        }
      }),
      { seed: FUZZ_SEED, numRuns: runs(400) },
    );
  });
});
