// Property-based fuzzing (fast-check) of what the server reads besides its environment's shape: the
// users file (`MCS_USERS_FILE`, and the same JSON in `MCS_USERS`), the signing keys (`MCS_SIGNING_KEYS`,
// parsed when the authorization server starts, not by loadConfig) and its one command,
// `hash-password` (stdin; the password never on the command line). Signing keys: a key ring or
// INVALID_CONFIG, bounded, quoting no 8 characters of the key material it was given. A users file must give a user store or
// INVALID_CONFIG with a bounded message that quotes no password hash it was given and no stack
// trace, never another error; `hash-password` exits 0 with one hash that verifies the password it
// read, or 2 with one bounded line. Bounded: fixed seed, tens to a hundred runs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { exportSigningKey, generateSigningKey } from '@mcs/auth';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { runHashPasswordCommand } from '../../src/auth/hash-password-command.js';
import { hashPassword, isPasswordHash, verifyPassword } from '../../src/auth/password-hash.js';
import { loadSigningKeys } from '../../src/auth/signing-keys.js';
import { UserStore } from '../../src/auth/user-store.js';
import type { OAuthSettings } from '../../src/config.js';
import { expectConfigError, FUZZ_SEED, runs } from './fuzz-harness.js';

const folder = mkdtempSync(join(tmpdir(), 'mcs-users-fuzz-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Real hashes to mix in: a refused file must not quote them back. */
const HASHES = await Promise.all(['correct horse', 'battery staple'].map((password) => hashPassword(password)));

const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme-composite', maxLength: 40 }),
  fc.constantFrom('\u0000', '\ud800', '\u001b[31m', '\r\n', '__proto__', 'constructor', ''),
  fc.integer({ min: 1_000, max: 100_000 }).map((length) => 'k'.repeat(length)),
);
const userName = fc.oneof(fc.stringMatching(/^[A-Za-z0-9._@-]{1,64}$/), hostileString);
const hashValue = fc.oneof(fc.constantFrom(...HASHES), hostileString, fc.constantFrom(`${HASHES[0]}x`, 'scrypt$'));
const usersObject = fc.dictionary(userName, fc.oneof(hashValue, fc.jsonValue()), { maxKeys: 30 });

/** What a users file may hold: valid-looking user lists, many bad entries, any JSON, not JSON, deep nesting. */
const usersText = fc.oneof(
  usersObject.map((users) => JSON.stringify(users)),
  fc
    .array(fc.tuple(hostileString, hashValue), { minLength: 50, maxLength: 2_000 })
    .map((entries) =>
      JSON.stringify(Object.fromEntries(entries.map(([name, hash], index) => [`${name}${index}`, hash]))),
    ),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
  fc.integer({ min: 1_000, max: 200_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.integer({ min: 1_000, max: 100_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  fc.constantFrom('', '\ufeff{}', '{"admin": null}', '[]', 'null', '{"a":"b"'),
);

function settings(users: Partial<Pick<OAuthSettings, 'users' | 'usersFile'>>): OAuthSettings {
  return { users: undefined, usersFile: undefined, ...users } as OAuthSettings;
}

/** A user store, or INVALID_CONFIG bounded, without a stack trace or a hash it was given. */
function expectStoreOrConfigError(load: () => UserStore): void {
  let store: UserStore;
  try {
    store = load();
  } catch (error) {
    const message = expectConfigError(error);
    for (const hash of HASHES) expect(message).not.toContain(hash);
    return;
  }
  expect(store.size).toBeGreaterThanOrEqual(0);
}

describe('fuzz: the users file and MCS_USERS', () => {
  it('any content: a user store or INVALID_CONFIG, bounded, quoting no hash', () => {
    let file = 0;
    fc.assert(
      fc.property(usersText, (text) => {
        const path = join(folder, `users-${file++}.json`);
        writeFileSync(path, text);
        expectStoreOrConfigError(() => UserStore.fromSettings(settings({ usersFile: path })));
        expectStoreOrConfigError(() => UserStore.fromSettings(settings({ users: text })));
      }),
      { seed: FUZZ_SEED, numRuns: runs(150) },
    );
  });

  it('any path: missing, a folder, huge, with controls or lone surrogates: INVALID_CONFIG, bounded', () => {
    const path = fc.oneof(
      hostileString.filter((value) => value.length > 0).map((name) => join(folder, name)),
      fc.constant(folder),
      fc.constantFrom('/dev/null/x', `${folder}/\u0000`, '\ud800', 'relative/missing.json'),
    );
    fc.assert(
      fc.property(path, (usersFile) => {
        expectStoreOrConfigError(() => UserStore.fromSettings(settings({ usersFile })));
      }),
      { seed: FUZZ_SEED, numRuns: runs(60) },
    );
  });

  it('a valid file is read: each user signs in with their password, nobody else', async () => {
    const path = join(folder, 'valid.json');
    writeFileSync(path, JSON.stringify({ alice: HASHES[0], 'bob@example.org': HASHES[1] }));
    const store = UserStore.fromSettings(settings({ usersFile: path }));
    expect(await store.authenticate('alice', 'correct horse')).toBe('alice');
    expect(await store.authenticate('bob@example.org', 'battery staple')).toBe('bob@example.org');
    expect(await store.authenticate('alice', 'battery staple')).toBeUndefined();
    expect(await store.authenticate('mallory', 'correct horse')).toBeUndefined();
  });
});

describe('fuzz: MCS_SIGNING_KEYS', () => {
  it('any value, and real keys cut or bent: a key ring or INVALID_CONFIG, bounded, quoting none of the key', async () => {
    const jwk = JSON.stringify(await exportSigningKey(await generateSigningKey({ alg: 'ES256' })));
    const secret = (JSON.parse(jwk) as { d: string }).d;
    const logger = pino({ level: 'silent' });
    const value = fc.oneof(
      // A key pasted short, or with something after it: what an operator's copy does.
      fc.integer({ min: 1, max: jwk.length - 1 }).map((cut) => jwk.slice(0, cut)),
      fc
        .tuple(fc.integer({ min: 0, max: jwk.length }), fc.string({ maxLength: 5 }))
        .map(([at, inserted]) => jwk.slice(0, at) + inserted + jwk.slice(at)),
      fc.constantFrom(`[${jwk}`, `${jwk},`, `{"keys":[${jwk}]`, `{"keys":"${secret}"}`, `"${secret}"`, secret),
      fc.jsonValue().map((json) => JSON.stringify(json)),
      hostileString,
    );
    await fc.assert(
      fc.asyncProperty(value, async (given) => {
        try {
          await loadSigningKeys(given, logger);
        } catch (error) {
          const message = expectConfigError(error);
          for (let at = 0; at + 8 <= secret.length; at += 1) expect(message).not.toContain(secret.slice(at, at + 8));
        }
      }),
      { seed: FUZZ_SEED, numRuns: runs(150) },
    );
  });
});

/** Runs the command on `input` as its stdin; what it wrote and its exit code. */
async function hashPasswordCommand(input: Uint8Array) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  stdin.end(input);
  const code = await runHashPasswordCommand(stdin, stdout, stderr);
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

describe('fuzz: hash-password', () => {
  it('any stdin: exit 0 with one hash that verifies what it read, or exit 2 with one bounded line', async () => {
    const stdin = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.string({ unit: 'grapheme-composite', maxLength: 60 }).map((text) => new TextEncoder().encode(text)),
      fc.constantFrom('', '\n', '\r\n', '\n\n', ' ', '\u0000', 'pässwörd\r\n').map((text) => Buffer.from(text)),
      fc.integer({ min: 10_000, max: 200_000 }).map((length) => Buffer.alloc(length, 0x61)),
    );
    await fc.assert(
      fc.asyncProperty(stdin, async (input) => {
        const { code, stdout, stderr } = await hashPasswordCommand(input);
        const password = new TextDecoder().decode(input).replace(/\r?\n$/, '');
        if (password.length === 0) {
          expect(code).toBe(2);
          expect(stdout).toBe('');
          expect(stderr.trim().split('\n')).toHaveLength(1);
          expect(stderr.length).toBeLessThan(300);
          return;
        }
        expect(code, stderr).toBe(0);
        const lines = stdout.split('\n');
        expect(lines).toHaveLength(2);
        expect(lines[1]).toBe('');
        const hash = lines[0] as string;
        expect(isPasswordHash(hash)).toBe(true);
        // The hash never carries the password.
        if (password.length >= 4) expect(hash).not.toContain(password);
        expect(await verifyPassword(password, hash)).toBe(true);
      }),
      { seed: FUZZ_SEED, numRuns: runs(20) },
    );
  });
});
