// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} placeholders are hostile input here
// Property-based fuzzing (fast-check) of what an operator hands the gateway: config files (JSON and
// YAML, valid configs with fields replaced by hostile values, any JSON, text that is neither, huge
// keys and values, lone surrogates), the GRPC_HOST / GRPC_PORT / LOG_LEVEL overrides, and the bin's
// arguments (`runCli`, the whole of main.ts but the process). Every input must end with a valid
// config or CONFIG_INVALID naming the problem, a bounded message and no stack trace; the CLI exits 2
// (usage, bad config) or 1, never throws. Bounded: fixed seed, a few dozen runs per property.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliProcess, runCli } from '../../src/cli.js';
import { loadGatewayConfig } from '../../src/config.js';
import { GatewayError } from '../../src/gateway-error.js';

const SEED = 20_261_207;
/** Longest message an error about a bad config may print (it names every bad key, each bounded). */
const MAX_MESSAGE_CHARS = 4_096;
const dir = mkdtempSync(join(tmpdir(), 'mcs-gateway-config-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const huge = fc.integer({ min: 1_000, max: 100_000 }).map((length) => 'k'.repeat(length));
const hostileString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('', '\ud800', '\u0000', '__proto__', 'constructor', '../../etc/passwd', '${HOME}', '0x50'),
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
);

/** A config that parses, the shape an operator starts from. */
const validConfig = {
  host: '127.0.0.1',
  port: 0,
  logLevel: 'silent',
  auth: { mode: 'off' },
  backends: { probe: { transport: 'stdio', command: process.execPath, args: ['-e', ''] } },
};

/** The valid config with some fields (top level or one level down) set to hostile values or removed. */
const mutatedConfig = fc
  .array(
    fc.tuple(
      fc.constantFrom('host', 'port', 'logLevel', 'auth', 'backends', 'limits', 'tls', 'metrics', 'tracing'),
      fc.option(fc.oneof(hostileString, fc.constantFrom('mode', 'transport', 'url', 'command', 'probe')), {
        nil: undefined,
      }),
      fc.option(hostileValue, { nil: undefined }),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((changes) => {
    const config = structuredClone(validConfig) as Record<string, unknown>;
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
  for (let level = 0; level < depth; level += 1) value = { backends: value };
  return value;
});

const fileContent = fc.oneof(
  mutatedConfig.map((config) => ({ ext: '.json', text: JSON.stringify(config) })),
  mutatedConfig.map((config) => ({ ext: '.yaml', text: JSON.stringify(config) })),
  fc.jsonValue({ maxDepth: 4 }).map((value) => ({ ext: '.json', text: JSON.stringify(value) })),
  deep.map((value) => ({ ext: '.json', text: JSON.stringify(value) })),
  fc.dictionary(huge, hostileValue, { maxKeys: 2 }).map((value) => ({ ext: '.json', text: JSON.stringify(value) })),
  fc.string({ unit: 'binary', maxLength: 300 }).map((text) => ({ ext: '.json', text })),
  fc.string({ unit: 'binary', maxLength: 300 }).map((text) => ({ ext: '.yml', text })),
  fc.constantFrom(
    { ext: '.yaml', text: 'a: &a [*a]' },
    { ext: '.yaml', text: 'port: !!binary aGVsbG8=' },
    { ext: '.yaml', text: `key: ${'x'.repeat(50_000)}\n  bad indent` },
    { ext: '.json', text: `{"port": "${'9'.repeat(50_000)}"` },
    { ext: '.txt', text: '{}' },
  ),
);

const envArb = fc.record(
  {
    GRPC_HOST: hostileString,
    GRPC_PORT: fc.oneof(hostileString, fc.integer().map(String), fc.constant('0')),
    LOG_LEVEL: hostileString,
  },
  { requiredKeys: [] },
);

let fileCounter = 0;
function writeConfig(content: { ext: string; text: string }): string {
  fileCounter += 1;
  const file = join(dir, `config-${fileCounter}${content.ext}`);
  writeFileSync(file, content.text);
  return file;
}

/** A clear error: CONFIG_INVALID, bounded, no stack trace in the message. */
function checkConfigError(error: unknown): void {
  expect(GatewayError.isInstance(error), String(error)).toBe(true);
  const { code, message } = error as GatewayError;
  expect(code).toBe('CONFIG_INVALID');
  expect(message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
  expect(message).not.toMatch(/\n\s+at /);
}

describe('gateway config files fuzzed (fast-check)', () => {
  it('any file content and environment: a valid config or CONFIG_INVALID with a bounded message', {
    timeout: 60_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fileContent, envArb, async (content, env) => {
        const file = writeConfig(content);
        try {
          const config = await loadGatewayConfig(file, env);
          expect(typeof config.port).toBe('number');
        } catch (error) {
          checkConfigError(error);
        } finally {
          rmSync(file, { force: true });
        }
      }),
      { seed: SEED, numRuns: 200, endOnFailure: true },
    );
  });

  it('a missing file, a folder, a huge or odd path: CONFIG_INVALID with a bounded message', {
    timeout: 30_000,
  }, async () => {
    const path = fc.oneof(
      hostileString.map((name) => join(dir, 'missing', name)),
      fc.constant(dir),
      huge.map((name) => join(dir, name)),
      fc.string({ unit: 'binary', maxLength: 40 }).filter((text) => !text.includes('\u0000')),
    );
    await fc.assert(
      fc.asyncProperty(path, async (file) => {
        await loadGatewayConfig(file, {}).then(
          () => undefined,
          (error: unknown) => checkConfigError(error),
        );
      }),
      { seed: SEED, numRuns: 60, endOnFailure: true },
    );
  });
});

describe('mcs-grpc-gateway arguments fuzzed (fast-check)', () => {
  it('any argv: usage or a start; exit 2 or 1 with a bounded message, never a throw', {
    timeout: 60_000,
  }, async () => {
    const validFile = writeConfig({ ext: '.json', text: JSON.stringify(validConfig) });
    const badFile = writeConfig({ ext: '.json', text: '{"port": "x"}' });
    const token = fc.oneof(
      fc.constantFrom('--config', '-c', '--help', '-h', '--', '-', '--config=', '--port', '--verbose', '-cx'),
      fc.constantFrom(validFile, badFile, join(dir, 'missing.json')),
      hostileString,
    );
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 5 }), async (argv) => {
        const exits: number[] = [];
        const errors: string[] = [];
        const printed: string[] = [];
        const host: CliProcess = {
          // A config that parses binds a free loopback port, never the default 50051.
          env: { GRPC_HOST: '127.0.0.1', GRPC_PORT: '0', LOG_LEVEL: 'silent' },
          once: () => undefined,
          exit: (code) => exits.push(code),
          error: (message) => errors.push(message),
          print: (message) => printed.push(message),
        };
        const gateway = await runCli(argv, host);
        if (gateway !== undefined) {
          await gateway.close();
          expect(exits).toEqual([]);
          return;
        }
        if (exits.length === 0) {
          // Only --help ends without an exit code (it printed the usage).
          expect(printed.join('\n')).toContain('usage: mcs-grpc-gateway');
          return;
        }
        expect(exits).toHaveLength(1);
        expect([1, 2]).toContain(exits[0]);
        expect(errors).toHaveLength(1);
        expect(errors[0]?.length ?? 0).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
        expect(errors[0]).not.toMatch(/\n\s+at /);
      }),
      { seed: SEED, numRuns: 80, endOnFailure: true },
    );
  });
});
