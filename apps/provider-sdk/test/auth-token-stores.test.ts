// The token stores: memory (copies, not shared objects) and the encrypted file store (round trip,
// key checks, file mode, damaged files) on a real temporary directory.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AuthorizationError,
  createEncryptedFileTokenStore,
  createMemoryTokenStore,
  type StoredAuthorization,
} from '../src/index.js';

const serverUrl = 'https://mcp.example/mcp';
const stored: StoredAuthorization = {
  version: 1,
  current: 'https://auth.example',
  issuers: {
    'https://auth.example': {
      client: { client_id: 'client-1' },
      tokens: { access_token: 'secret-access-token', token_type: 'Bearer', obtained_at: 1_700_000_000_000 },
    },
  },
};

const newKey = () => randomBytes(32).toString('base64');

async function tempDirectory(): Promise<AsyncDisposable & { path: string }> {
  const path = await mkdtemp(join(tmpdir(), 'mcs-provider-sdk-token-store-'));
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}

async function expectStoreError(promise: Promise<unknown>, message: RegExp): Promise<AuthorizationError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(AuthorizationError.isInstance(error)).toBe(true);
  const authError = error as AuthorizationError;
  expect(authError.code).toBe('TOKEN_STORE_FAILED');
  expect(authError.message).toMatch(message);
  expect(authError.message).not.toContain('secret-access-token');
  return authError;
}

describe('memory token store', () => {
  it('returns copies: changing what was saved or loaded does not change the store', async () => {
    const store = createMemoryTokenStore();
    expect(await store.load(serverUrl)).toBeUndefined();
    const value = structuredClone(stored);
    await store.save(serverUrl, value);
    value.current = 'changed';
    const loaded = await store.load(serverUrl);
    expect(loaded).toEqual(stored);
    if (loaded) loaded.issuers = {};
    expect(await store.load(serverUrl)).toEqual(stored);
    await store.delete(serverUrl);
    expect(await store.load(serverUrl)).toBeUndefined();
  });
});

describe('encrypted file token store', () => {
  it('round trip: what is saved loads back; the file is sealed (no token, no URL in clear), mode 0600', async () => {
    await using directory = await tempDirectory();
    const store = createEncryptedFileTokenStore({ directory: join(directory.path, 'tokens'), key: newKey() });
    expect(await store.load(serverUrl)).toBeUndefined();
    await store.save(serverUrl, stored);
    expect(await store.load(serverUrl)).toEqual(stored);

    const files = await readdir(join(directory.path, 'tokens'));
    expect(files).toHaveLength(1);
    const file = join(directory.path, 'tokens', files[0] as string);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('secret-access-token');
    expect(text).not.toContain('mcp.example');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(directory.path, 'tokens'))).mode & 0o777).toBe(0o700);

    await store.delete(serverUrl);
    expect(await store.load(serverUrl)).toBeUndefined();
    expect(await readdir(join(directory.path, 'tokens'))).toEqual([]);
  });

  it('refuses a file sealed with another key, and a file of another server', async () => {
    await using directory = await tempDirectory();
    const key = newKey();
    await createEncryptedFileTokenStore({ directory: directory.path, key }).save(serverUrl, stored);

    const otherKey = createEncryptedFileTokenStore({ directory: directory.path, key: newKey() });
    await expectStoreError(otherKey.load(serverUrl), /wrong key/);

    // The server's URL is the associated data: a file moved to another server's name does not open.
    const store = createEncryptedFileTokenStore({ directory: directory.path, key });
    const otherUrl = 'https://other.example/mcp';
    await store.save(otherUrl, { version: 1, issuers: {} });
    const names = await readdir(directory.path);
    expect(names).toHaveLength(2);
    const sealedForFirst = await readFile(join(directory.path, names[0] as string), 'utf8');
    for (const name of names) await writeFile(join(directory.path, name), sealedForFirst);
    const results = await Promise.allSettled([store.load(serverUrl), store.load(otherUrl)]);
    // Exactly one of the two files now holds a value sealed for another URL.
    expect(results.filter((result) => result.status === 'rejected')).toHaveLength(1);
  });

  it('a corrupted or truncated file is a clear TOKEN_STORE_FAILED error, not a crash', async () => {
    await using directory = await tempDirectory();
    const store = createEncryptedFileTokenStore({ directory: directory.path, key: newKey() });
    await store.save(serverUrl, stored);
    const [name] = await readdir(directory.path);
    const file = join(directory.path, name as string);
    const sealed = await readFile(file, 'utf8');

    await writeFile(file, sealed.slice(0, Math.floor(sealed.length / 2)));
    await expectStoreError(store.load(serverUrl), /could not open the stored tokens/);

    await writeFile(file, 'not a sealed value at all');
    await expectStoreError(store.load(serverUrl), /could not open the stored tokens/);

    // Saving again replaces the damaged file.
    await store.save(serverUrl, stored);
    expect(await store.load(serverUrl)).toEqual(stored);
  });

  it('a sealed value that is not stored authorization is refused with what to do', async () => {
    await using directory = await tempDirectory();
    const store = createEncryptedFileTokenStore({ directory: directory.path, key: newKey() });
    // A value of the wrong shape, sealed with the right key (an old or hand-made file).
    await store.save(serverUrl, { version: 2, issuers: {} } as unknown as StoredAuthorization);
    await expectStoreError(store.load(serverUrl), /does not hold stored authorization.*delete it to sign in again/);
  });

  it('refuses to start without a key, or with a key that is not 32 bytes', () => {
    const withoutKey = () => createEncryptedFileTokenStore({ directory: tmpdir(), key: '' });
    const previous = process.env.MCS_TOKEN_STORE_KEY;
    delete process.env.MCS_TOKEN_STORE_KEY;
    try {
      expect(withoutKey).toThrow(/needs a key/);
    } finally {
      if (previous !== undefined) process.env.MCS_TOKEN_STORE_KEY = previous;
    }
    expect(() =>
      createEncryptedFileTokenStore({ directory: tmpdir(), key: Buffer.from('short').toString('base64') }),
    ).toThrow(/key is not usable/);
  });
});
