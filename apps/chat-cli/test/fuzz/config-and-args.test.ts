// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} placeholders are part of these configs
// Property-based fuzzing (fast-check) of what a user hands mcs-chat: config files (the seed's
// config.json and a Claude Desktop mcpServers file with fields replaced by hostile values, any JSON,
// text that is neither, huge keys and values, lone surrogates, deep nesting) with a hostile `.env` next
// to them, and the command line (`parseCliArgs`, and `runCli` itself with no config, no model key and
// an empty stdin). Every input must end with a loaded config / parsed arguments / an exit code, or a
// ChatCliError with a code, a bounded message and no stack trace; never a throw out of runCli or a
// hang. Bounded: fixed seed, a few dozen runs per property; nothing is spawned or connected (loading a
// config starts no server).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ChatCliError } from '../../src/chat-cli-error.js';
import { loadChatConfig } from '../../src/chat-config.js';
import { runCli } from '../../src/cli.js';
import { parseCliArgs } from '../../src/cli-args.js';

const SEED = 20_261_207;
/** Longest message an error may have (a config error lists the bad keys, each bounded). */
const MAX_MESSAGE_CHARS = 4_096;
const root = mkdtempSync(join(tmpdir(), 'mcs-chat-fuzz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const seedConfig = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/seed/config.json', import.meta.url)), 'utf8'),
);
const claudeConfig = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../fixtures/claude-desktop/claude_desktop_config.json', import.meta.url)),
    'utf8',
  ),
);

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
    '${UNSET_FOR_FUZZ}',
    '{github_access_token}',
    '${',
    'stdio',
    'http',
    'sse',
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

/** `base` with a few fields, at one of the first three levels, set to hostile values or removed. */
function mutated(base: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const paths: string[][] = [];
  const walk = (value: unknown, path: string[]) => {
    if (path.length > 0) paths.push(path);
    if (path.length < 3 && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [key, child] of Object.entries(value)) walk(child, [...path, key]);
    }
  };
  walk(base, []);
  return fc
    .array(fc.tuple(fc.constantFrom(...paths), fc.option(hostileString, { nil: undefined }), fc.option(hostileValue)), {
      minLength: 1,
      maxLength: 4,
    })
    .map((changes) => {
      const copy = structuredClone(base);
      for (const [path, extraKey, value] of changes) {
        const full = extraKey === undefined ? path : [...path.slice(0, -1), extraKey];
        let parent: Record<string, unknown> = copy;
        for (const key of full.slice(0, -1)) {
          const next = parent[key];
          if (typeof next !== 'object' || next === null || Array.isArray(next)) parent[key] = {};
          parent = parent[key] as Record<string, unknown>;
        }
        const last = full.at(-1) as string;
        if (value === null) delete parent[last];
        else parent[last] = value;
      }
      return copy;
    });
}

const deep = fc.integer({ min: 50, max: 3_000 }).map((depth) => {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level += 1) value = { mcpServers: value };
  return value;
});

const configText = fc.oneof(
  mutated(seedConfig).map((config) => JSON.stringify(config)),
  mutated(claudeConfig).map((config) => JSON.stringify(config)),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  deep.map((value) => JSON.stringify(value)),
  fc.dictionary(huge, hostileValue, { maxKeys: 2 }).map((value) => JSON.stringify(value)),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom(`{"mcpServers": "${'9'.repeat(50_000)}"`, '\ufeff{}', ''),
);

const dotEnvText = fc.oneof(
  fc.constant(undefined),
  fc
    .array(fc.tuple(hostileString, hostileString), { maxLength: 4 })
    .map((pairs) => pairs.map(([key, value]) => `${key}=${value}`).join('\n')),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

/** A clear error: a ChatCliError (or the provider-sdk's error, which has the same shape), bounded. */
function checkError(error: unknown): void {
  const shape = error as { code?: unknown; message?: unknown };
  expect(error instanceof Error && typeof shape.code === 'string', String(error).slice(0, 500)).toBe(true);
  expect(error).not.toBeInstanceOf(TypeError);
  const message = String(shape.message);
  expect(message.length, message.slice(0, 300)).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
  expect(message).not.toMatch(/\n\s+at /);
}

let counter = 0;
async function workDir(): Promise<string> {
  counter += 1;
  const dir = join(root, `work-${counter}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

describe('mcs-chat config files fuzzed (fast-check)', () => {
  it('any config.json and .env: a loaded config or a bounded error with a code', { timeout: 90_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(configText, dotEnvText, async (text, dotEnv) => {
        const dir = await workDir();
        try {
          writeFileSync(join(dir, 'config.json'), text);
          if (dotEnv !== undefined) writeFileSync(join(dir, '.env'), dotEnv);
          const env: Record<string, string | undefined> = { HOME: dir };
          await loadChatConfig({ file: 'config.json', cwd: dir, env }).then(
            (loaded) => expect(loaded.input).toBeTypeOf('object'),
            (error: unknown) => checkError(error),
          );
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { seed: SEED, numRuns: 200, endOnFailure: true },
    );
  });
});

describe('mcs-chat arguments fuzzed (fast-check)', () => {
  const flag = fc.constantFrom(
    '--config',
    '-c',
    '--model',
    '-m',
    '-p',
    '--prompt',
    '--json',
    '--require-servers',
    '--resume',
    '--approve',
    '-y',
    '--yes',
    '--help',
    '-h',
    '--version',
    '-v',
    'logout',
    '--all',
    '--',
    '-',
    '--approve=sometimes',
    '--unknown',
  );
  const argv = fc.array(fc.oneof(flag, hostileString), { maxLength: 6 });

  it('parseCliArgs: parsed arguments or a bounded USAGE error', { timeout: 30_000 }, async () => {
    fc.assert(
      fc.property(argv, (args) => {
        try {
          const parsed = parseCliArgs(args);
          expect(['ask', 'auto', 'never']).toContain(parsed.approve);
        } catch (error) {
          checkError(error);
          expect(error).toBeInstanceOf(ChatCliError);
          expect((error as ChatCliError).code).toBe('USAGE');
        }
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('runCli without a config, a model key or input: an exit code, bounded output, no throw, no hang', {
    timeout: 120_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(argv, async (args) => {
        const dir = await workDir();
        const stdout = new PassThrough();
        const stderr = new PassThrough();
        let out = '';
        let err = '';
        stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
        });
        stderr.on('data', (chunk: Buffer) => {
          err += chunk.toString();
        });
        const env: Record<string, string | undefined> = {
          HOME: dir,
          XDG_CONFIG_HOME: join(dir, 'config'),
          XDG_STATE_HOME: join(dir, 'state'),
          XDG_DATA_HOME: join(dir, 'data'),
          // No model key: a turn fails at once (exit 4) instead of reaching a network.
          OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
        };
        try {
          const started = performance.now();
          const code = await runCli({
            argv: args,
            env,
            cwd: dir,
            stdin: Readable.from([]),
            stdout,
            stderr,
            onSignal: () => () => undefined,
          });
          expect(performance.now() - started).toBeLessThan(10_000);
          expect([0, 1, 2, 3, 4]).toContain(code);
          // Usage and version are a few lines; an error is one bounded line.
          expect(err.length, err.slice(0, 300)).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
          expect(err).not.toMatch(/\n\s+at /);
          expect(out.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { seed: SEED, numRuns: 40, endOnFailure: true },
    );
  });
});
