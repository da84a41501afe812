import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkBase64, decodeBase64, encodeBase64 } from '../src/internal/base64.js';

describe('strict base64', () => {
  it('accepts padded base64 of every length remainder and predicts the decoded size', () => {
    for (let length = 0; length <= 70; length += 1) {
      const bytes = randomBytes(length);
      const text = bytes.toString('base64');
      expect(checkBase64(text)).toEqual({ ok: true, byteLength: length });
      expect(Buffer.from(decodeBase64(text)).equals(bytes)).toBe(true);
      expect(encodeBase64(decodeBase64(text))).toBe(text);
    }
  });

  it('accepts unpadded base64 (unambiguous) with the same decoded size', () => {
    const bytes = Buffer.from('hello!!');
    const unpadded = bytes.toString('base64').replace(/=+$/, '');
    expect(checkBase64(unpadded)).toEqual({ ok: true, byteLength: 7 });
    expect(Buffer.from(decodeBase64(unpadded)).toString()).toBe('hello!!');
  });

  it.each([
    ['url-safe alphabet', 'ab-_'],
    ['whitespace', 'QUJD RA=='],
    ['line break', 'QUJD\nRA=='],
    ['padding in the middle', 'QQ==QUJD'],
    ['three padding characters', 'Q==='],
    ['an impossible length', 'QUJDR'],
    ['padding that does not complete a group', 'QUJDRA='],
    ['non-ASCII', 'QUJDé==='],
    ['a data: URI prefix', 'data:image/png;base64,QUJD'],
  ])('rejects %s, which Buffer.from would silently accept', (_name, text) => {
    const check = checkBase64(text);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason.length).toBeGreaterThan(0);
    // The reason this module exists: Node decodes these without complaint.
    expect(() => Buffer.from(text, 'base64')).not.toThrow();
  });

  it('returns a plain Uint8Array that owns its memory, not a slice of Node’s buffer pool', () => {
    const small = decodeBase64('QUJD');
    expect(small.constructor).toBe(Uint8Array);
    expect(small.buffer.byteLength).toBe(3);
    const large = decodeBase64(randomBytes(64 * 1024).toString('base64'));
    expect(large.buffer.byteLength).toBe(64 * 1024);
  });
});
