import { describe, expect, it } from 'vitest';
import { boundErrorMessage, MAX_ERROR_MESSAGE_BYTES, quoteValue } from './bounded-message.js';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('boundErrorMessage', () => {
  it('leaves a short message as it is', () => {
    expect(boundErrorMessage('Unknown tool "a.b".')).toBe('Unknown tool "a.b".');
  });

  it('cuts a long message to the byte limit and marks the cut', () => {
    const bounded = boundErrorMessage('x'.repeat(100_000));
    expect(bytes(bounded)).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_BYTES);
    expect(bounded.endsWith('…')).toBe(true);
  });

  it('counts UTF-8 bytes, not characters, and never splits a character', () => {
    for (const unit of ['é', '€', '😀']) {
      const bounded = boundErrorMessage(unit.repeat(5_000), 100);
      expect(bytes(bounded)).toBeLessThanOrEqual(100);
      expect(bounded.replace('…', '')).toBe(unit.repeat([...bounded].length - 1));
    }
  });

  it('replaces control characters (newlines, NUL, line separators) and keeps tabs', () => {
    expect(boundErrorMessage('a\nb\r\u0000c\u2028d\te')).toBe('a b  c d\te');
  });
});

describe('quoteValue', () => {
  it('quotes a short value with control characters escaped', () => {
    expect(quoteValue('a"b\n')).toBe('"a\\"b\\n"');
    expect(quoteValue('x\u2028y')).toBe('"x\\u2028y"');
  });

  it('shortens a long value and says how long it was', () => {
    const quoted = quoteValue('z'.repeat(100_000));
    expect(quoted).toBe(`"${'z'.repeat(120)}…" (100000 characters)`);
  });
});
