import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type Base64Decoded, base64DecodedLength, decodeBase64 } from '../src/internal/base64.js';

/** Both steps, as the parser runs them (length first, for the limits; then the decode). */
function strictDecode(text: string): Base64Decoded {
  const length = base64DecodedLength(text);
  return length.ok ? decodeBase64(text) : length;
}

describe('strict base64', () => {
  it('accepts padded base64 of every length remainder and predicts the decoded size from the length', () => {
    for (let length = 0; length <= 70; length += 1) {
      const bytes = randomBytes(length);
      const text = bytes.toString('base64');
      expect(base64DecodedLength(text)).toEqual({ ok: true, byteLength: length });
      const decoded = strictDecode(text);
      expect(decoded.ok && Buffer.from(decoded.bytes).equals(bytes)).toBe(true);
    }
  });

  it('accepts unpadded base64 (unambiguous) with the same decoded size', () => {
    const unpadded = Buffer.from('hello!!').toString('base64').replace(/=+$/, '');
    expect(base64DecodedLength(unpadded)).toEqual({ ok: true, byteLength: 7 });
    const decoded = strictDecode(unpadded);
    expect(decoded.ok && Buffer.from(decoded.bytes).toString()).toBe('hello!!');
  });

  it.each([
    ['url-safe alphabet', 'ab-_', /character "-" at offset 2/],
    ['whitespace', 'QUJD RA==', /character " " at offset 4/],
    ['a line break', 'QUJD\nRA==', /character "\\n" at offset 4/],
    ['padding in the middle', 'QQ==QUJD', /'=' at offset 2/],
    ['three padding characters', 'Q===', /impossible|'='/],
    ['an impossible length', 'QUJDR', /impossible/],
    ['padding that does not complete a group', 'QUJDRA=', /padding/],
    ['non-ASCII', 'QUJDé===', /character "é" at offset 4/],
    ['a data: URI prefix', 'data:image/png;base64,QUJD', /character ":" at offset 4/],
    ['non-zero unused bits (non-canonical)', 'QR==', /unused bits/],
  ])('rejects %s, which Buffer.from would silently accept', (_name, text, reason) => {
    const result = strictDecode(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
    // The reason this module exists: Node decodes these without complaint.
    expect(() => Buffer.from(text, 'base64')).not.toThrow();
  });

  it('returns a plain Uint8Array that owns its memory, not a slice of Node’s buffer pool', () => {
    const small = strictDecode('QUJD');
    expect(small.ok && small.bytes.constructor).toBe(Uint8Array);
    expect(small.ok && small.bytes.buffer.byteLength).toBe(3);
    const large = strictDecode(randomBytes(64 * 1024).toString('base64'));
    expect(large.ok && large.bytes.buffer.byteLength).toBe(64 * 1024);
  });
});
