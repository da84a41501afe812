import { describe, expect, it } from 'vitest';
import { createSecretBox, generateSecretBoxKey } from '../src/index.js';
import { expectAuthError } from './expect-auth-error.js';

const k1 = { id: 'k1', key: generateSecretBoxKey() };
const k2 = { id: 'k2', key: generateSecretBoxKey() };
const owner = { associatedData: 'session:abc' };
const attempt = (fn: () => unknown) => new Promise((resolve) => resolve(fn()));

describe('secret box', () => {
  it('seals and opens text, bytes and JSON in the v1 compact format', () => {
    const box = createSecretBox({ keys: [k1], activeKeyId: 'k1' });
    const sealed = box.seal('refresh-token-123', owner);
    expect(sealed).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(box.openText(sealed, owner)).toBe('refresh-token-123');
    expect(box.open(box.seal(new Uint8Array([0, 1, 255]), owner), owner)).toEqual(Buffer.from([0, 1, 255]));
    const json = { accessToken: 'a', expiresAt: 1 };
    expect(box.openJson(box.sealJson(json, owner), owner)).toEqual(json);
    expect(box.openText(box.seal('', owner), owner)).toBe('');
  });

  it('uses a fresh nonce for every message', () => {
    const box = createSecretBox({ keys: [k1] });
    const nonces = new Set(Array.from({ length: 50 }, () => box.seal('same', owner).split('.')[2]));
    expect(nonces.size).toBe(50);
  });

  it('detects tampering with the ciphertext, the tag or the nonce', async () => {
    const box = createSecretBox({ keys: [k1] });
    const [version, kid, nonce, body] = box.seal('secret', owner).split('.') as [string, string, string, string];
    const flip = (part: string, index: number) => {
      const bytes = Buffer.from(part, 'base64url');
      bytes[index] = (bytes[index] ?? 0) ^ 0x01;
      return bytes.toString('base64url');
    };
    await expectAuthError(
      attempt(() => box.open(`${version}.${kid}.${nonce}.${flip(body, 0)}`, owner)),
      'SECRET_BOX_DECRYPT_FAILED',
    );
    await expectAuthError(
      attempt(() =>
        box.open(`${version}.${kid}.${nonce}.${flip(body, Buffer.from(body, 'base64url').length - 1)}`, owner),
      ),
      'SECRET_BOX_DECRYPT_FAILED',
    );
    await expectAuthError(
      attempt(() => box.open(`${version}.${kid}.${flip(nonce, 3)}.${body}`, owner)),
      'SECRET_BOX_DECRYPT_FAILED',
    );
  });

  it('refuses to open with other associated data (another owner)', async () => {
    const box = createSecretBox({ keys: [k1] });
    const sealed = box.seal('secret', owner);
    await expectAuthError(
      attempt(() => box.open(sealed, { associatedData: 'session:other' })),
      'SECRET_BOX_DECRYPT_FAILED',
    );
    await expectAuthError(
      attempt(() => box.open(sealed, { associatedData: '' })),
      'INVALID_CONFIG',
    );
  });

  it('refuses a key id that is not configured, and a key id swapped into the envelope', async () => {
    const sealedWithK2 = createSecretBox({ keys: [k2] }).seal('secret', owner);
    const onlyK1 = createSecretBox({ keys: [k1] });
    await expectAuthError(
      attempt(() => onlyK1.open(sealedWithK2, owner)),
      'SECRET_BOX_UNKNOWN_KEY',
    );
    const both = createSecretBox({ keys: [k1, k2] });
    const relabelled = sealedWithK2.replace(/^v1\.k2\./, 'v1.k1.');
    await expectAuthError(
      attempt(() => both.open(relabelled, owner)),
      'SECRET_BOX_DECRYPT_FAILED',
    );
  });

  it('opens old ciphertext after rotation to a new active key', () => {
    const before = createSecretBox({ keys: [k1], activeKeyId: 'k1' });
    const oldSealed = before.seal('old secret', owner);
    const after = createSecretBox({ keys: [k1, k2], activeKeyId: 'k2' });
    expect(after.openText(oldSealed, owner)).toBe('old secret');
    const newSealed = after.seal('new secret', owner);
    expect(after.keyIdOf(newSealed)).toBe('k2');
    expect(after.keyIdOf(oldSealed)).toBe('k1');
  });

  it('rejects malformed input and unknown versions', async () => {
    const box = createSecretBox({ keys: [k1] });
    await expectAuthError(
      attempt(() => box.open('garbage', owner)),
      'SECRET_BOX_MALFORMED',
    );
    await expectAuthError(
      attempt(() => box.open('v1.k1.short.xx', owner)),
      'SECRET_BOX_MALFORMED',
    );
    const error = await expectAuthError(
      attempt(() => box.open('v2.k1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA', owner)),
      'SECRET_BOX_MALFORMED',
    );
    expect(error.message).toContain('v2');
    await expectAuthError(
      attempt(() => box.openJson(box.seal('not json', owner), owner)),
      'SECRET_BOX_MALFORMED',
    );
  });

  it('validates the key config', () => {
    expect(() => createSecretBox({ keys: [{ id: 'k', key: Buffer.alloc(16).toString('base64') }] })).toThrow(
      /32 bytes/,
    );
    expect(() => createSecretBox({ keys: [{ id: 'has.dot', key: k1.key }] })).toThrow(/key id/);
    expect(() => createSecretBox({ keys: [k1], activeKeyId: 'nope' })).toThrow(/activeKeyId/);
    expect(() => createSecretBox({ keys: [k1, { ...k1 }] })).toThrow(/Duplicate/);
  });
});
