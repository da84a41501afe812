// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} placeholders are part of these configs
// Property-based fuzzing (fast-check) of `loadProviderConfig`: config files (JSON and YAML) made from
// a valid config with fields replaced by hostile values, the seed's snake_case connection layout,
// profiles, `${VAR}` placeholders and `secret:env:` / `secret:file:` references, any JSON, text that
// is neither, alias bombs, 3,000-deep nesting, huge keys and values, lone surrogates; MCP_* variables
// and the profile option hostile too. Every input must end with a loaded config or a ProviderError
// with a code, a bounded message and no stack trace (never a TypeError or a hang). Bounded: fixed seed,
// a few dozen runs per property, no network (no vault / AWS reference is generated).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProviderConfig, ProviderError } from '../../src/index.js';

const SEED = 20_261_207;
/** Longest message a config error may have (it names the bad keys, each bounded). */
const MAX_MESSAGE_CHARS = 4_096;
const dir = mkdtempSync(join(tmpdir(), 'mcs-provider-config-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secretFile = join(dir, 'token.txt');
writeFileSync(secretFile, 'from-a-file\n');

const huge = fc.integer({ min: 1_000, max: 100_000 }).map((length) => 'k'.repeat(length));
const hostileString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    '',
    '\ud800',
    '\u0000',
    '__proto__',
    'constructor',
    '${HOME}',
    '${UNSET_VARIABLE_FOR_FUZZ}',
    '${',
    'secret:env:HOME',
    'secret:env:',
    'secret:file:/nonexistent/for-fuzz',
    `secret:file:${secretFile}`,
    'secret:unknown-scheme:x',
    'stdio',
    'http',
  ),
  huge,
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
);

const validConfig = {
  model: 'scripted-model',
  baseURL: 'http://127.0.0.1:9/v1',
  apiKey: 'test-key',
  mcp: { backends: { local: { transport: 'stdio', command: 'node', args: ['server.js'] } } },
  profiles: { dev: { model: 'other-model' } },
};
const seedLayout = {
  transport_type: 'stdio',
  stdio_config: { command: 'npx', args: ['x'] },
  timeout_seconds: 30,
};

const topKeys = [
  'model',
  'baseURL',
  'base_url',
  'apiKey',
  'maxSteps',
  'max_steps',
  'modelPolicy',
  'mcp',
  'profiles',
  'profile',
  'fallbackModels',
  'transport_type',
  'stdio_config',
  'http_config',
  'timeout_seconds',
  'observability',
];
const innerKeys = ['backends', 'local', 'transport', 'command', 'url', 'retry', 'dev', 'default', 'policy'];

const mutated = (base: Record<string, unknown>) =>
  fc
    .array(
      fc.tuple(
        fc.constantFrom(...topKeys),
        fc.option(fc.oneof(fc.constantFrom(...innerKeys), hostileString), { nil: undefined }),
        fc.option(hostileValue, { nil: undefined }),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((changes) => {
      const config = structuredClone(base);
      for (const [key, inner, value] of changes) {
        if (inner === undefined) {
          if (value === undefined) delete config[key];
          else config[key] = value;
        } else {
          const parent = typeof config[key] === 'object' && config[key] !== null ? config[key] : {};
          config[key] = { ...(parent as object), [inner]: value };
        }
      }
      return config;
    });

const deep = fc.integer({ min: 50, max: 3_000 }).map((depth) => {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level += 1) value = { mcp: value };
  return value;
});

const content = fc.oneof(
  mutated(validConfig).map((config) => ({ ext: '.json', text: JSON.stringify(config) })),
  mutated(validConfig).map((config) => ({ ext: '.yaml', text: JSON.stringify(config) })),
  mutated(seedLayout).map((config) => ({ ext: '.yml', text: JSON.stringify(config) })),
  fc.jsonValue({ maxDepth: 4 }).map((value) => ({ ext: '.json', text: JSON.stringify(value) })),
  deep.map((value) => ({ ext: '.json', text: JSON.stringify(value) })),
  fc.dictionary(huge, hostileValue, { maxKeys: 2 }).map((value) => ({ ext: '.json', text: JSON.stringify(value) })),
  fc.string({ unit: 'binary', maxLength: 300 }).map((text) => ({ ext: '.json', text })),
  fc.string({ unit: 'binary', maxLength: 300 }).map((text) => ({ ext: '.yaml', text })),
  fc.constantFrom(
    // An alias bomb: each level doubles the last.
    {
      ext: '.yaml',
      text: [
        'a: &a ["x","x"]',
        ...Array.from(
          { length: 20 },
          (_, i) => `${'b'.repeat(i + 1)}: &l${i} [${i === 0 ? '*a,*a' : `*l${i - 1},*l${i - 1}`}]`,
        ),
      ].join('\n'),
    },
    { ext: '.yaml', text: 'a: &a [*a]' },
    { ext: '.yaml', text: 'model: !!binary aGVsbG8=' },
    { ext: '.yaml', text: `model: ${'x'.repeat(50_000)}\n  bad indent` },
    { ext: '.json', text: `{"model": "${'9'.repeat(50_000)}"` },
    { ext: '.toml', text: 'model = "x"' },
    { ext: '', text: '{}' },
  ),
);

const envArb = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        'MCP_PROFILE',
        'MCS_PROFILE',
        'MCP_TRANSPORT_TYPE',
        'MCP_TIMEOUT_SECONDS',
        'MCP_MODEL',
        'MCP_MAX_STEPS',
        'MCP_HTTP_CONFIG_BASE_URL',
        'MCP_API_KEY',
        'OPENAI_API_KEY',
        'OPENAI_BASE_URL',
        'OPENAI_MODEL',
      ),
      hostileString,
    ),
    { maxLength: 3 },
  )
  .map((pairs) => Object.fromEntries(pairs.map(([key, value]) => [key, value.replaceAll('\u0000', '')])));

let counter = 0;
function write(file: { ext: string; text: string }): string {
  counter += 1;
  const path = join(dir, `config-${counter}${file.ext}`);
  writeFileSync(path, file.text);
  return path;
}

/** A clear error: a ProviderError with a code, bounded, without a stack trace in its message. */
function checkError(error: unknown): void {
  expect(ProviderError.isInstance(error), String(error).slice(0, 500)).toBe(true);
  const { code, message } = error as ProviderError;
  expect(typeof code).toBe('string');
  expect(message.length, message.slice(0, 300)).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
  expect(message).not.toMatch(/\n\s+at /);
}

describe('provider config files fuzzed (fast-check)', () => {
  it('any file, environment and profile: a loaded config or a bounded ProviderError', { timeout: 90_000 }, async () => {
    const profile = fc.option(fc.oneof(fc.constantFrom('dev', 'default', 'missing'), hostileString), {
      nil: undefined,
    });
    await fc.assert(
      fc.asyncProperty(content, envArb, profile, async (file, env, chosen) => {
        const path = write(file);
        try {
          const loaded = await loadProviderConfig(path, { env, ...(chosen === undefined ? {} : { profile: chosen }) });
          expect(loaded.config).toBeTypeOf('object');
        } catch (error) {
          checkError(error);
        } finally {
          rmSync(path, { force: true });
        }
      }),
      { seed: SEED, numRuns: 200, endOnFailure: true },
    );
  });

  it('a missing file, a folder, a huge or odd path: a bounded ProviderError', { timeout: 30_000 }, async () => {
    const path = fc.oneof(
      hostileString.map((name) => join(dir, 'missing', name.replaceAll('\u0000', ''))),
      fc.constant(dir),
      huge.map((name) => join(dir, `${name}.json`)),
    );
    await fc.assert(
      fc.asyncProperty(path, async (file) => {
        await loadProviderConfig(file, { env: {} }).then(
          () => undefined,
          (error: unknown) => checkError(error),
        );
      }),
      { seed: SEED, numRuns: 40, endOnFailure: true },
    );
  });

  it('an object given directly (not a file): a loaded config or a bounded ProviderError', {
    timeout: 30_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutated(validConfig), mutated(seedLayout)), envArb, async (config, env) => {
        await loadProviderConfig(config, { env }).then(
          (loaded) => expect(loaded.config).toBeTypeOf('object'),
          (error: unknown) => checkError(error),
        );
      }),
      { seed: SEED, numRuns: 150, endOnFailure: true },
    );
  });
});
