// Strict base64 (RFC 4648 section 4, standard alphabet). Buffer.from(s, 'base64') never fails: it
// skips unknown characters and stops at the first '=', so corrupt payloads would decode to silently
// wrong bytes. MCP producers emit padded standard base64; unpadded input is accepted because it is
// unambiguous, everything else (url-safe alphabet, whitespace, '=' in the middle, partial padding,
// non-zero unused bits in the last character) is rejected.

export type Base64Length = { ok: true; byteLength: number } | { ok: false; reason: string };
export type Base64Decoded = { ok: true; bytes: Uint8Array } | { ok: false; reason: string };

const equalsSign = 61;

/**
 * The decoded size implied by length and padding alone: constant time, so size limits can be
 * enforced before anything is decoded. Characters are checked by {@link decodeBase64}.
 */
export function base64DecodedLength(text: string): Base64Length {
  const length = text.length;
  const padding =
    length > 0 && text.charCodeAt(length - 1) === equalsSign
      ? length > 1 && text.charCodeAt(length - 2) === equalsSign
        ? 2
        : 1
      : 0;
  const end = length - padding;
  const remainder = end % 4;
  // A bad character explains a bad length better, so look for one (this path is the rare one).
  if (padding > 0 && length % 4 !== 0) {
    return {
      ok: false,
      reason: findInvalidCharacter(text) ?? `padding does not complete a 4-character group (length ${length})`,
    };
  }
  if (remainder === 1) {
    return {
      ok: false,
      reason: findInvalidCharacter(text) ?? `length ${length} is impossible for base64 (truncated data?)`,
    };
  }
  return { ok: true, byteLength: Math.floor(end / 4) * 3 + (remainder === 0 ? 0 : remainder - 1) };
}

/**
 * Decodes text whose length {@link base64DecodedLength} accepted. Validity is proven by a round trip
 * (Node's native decoder and encoder, several times faster than checking characters in JS): if any
 * character had been skipped or misread, the canonical re-encoding would differ from the input.
 */
export function decodeBase64(text: string): Base64Decoded {
  const buffer = Buffer.from(text, 'base64');
  const canonical = buffer.toString('base64');
  const missingPadding = (4 - (text.length % 4)) % 4;
  const valid =
    missingPadding === 0
      ? canonical === text
      : canonical.length === text.length + missingPadding && canonical.startsWith(text);
  if (!valid) {
    return {
      ok: false,
      reason: findInvalidCharacter(text) ?? 'the last character has non-zero unused bits (not a canonical encoding)',
    };
  }
  // Consumers get a plain Uint8Array that owns its memory. Small Buffers are slices of Node's shared
  // 8 KiB pool, so those are copied (cheap: pooled means small); large ones are re-wrapped as they are.
  if (buffer.byteOffset === 0 && buffer.buffer.byteLength === buffer.byteLength) {
    return { ok: true, bytes: new Uint8Array(buffer.buffer, 0, buffer.byteLength) };
  }
  return { ok: true, bytes: new Uint8Array(buffer) };
}

const alphabet = new Uint8Array(128);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') {
  alphabet[char.charCodeAt(0)] = 1;
}

/** Describes the first character that is not allowed where it is; only runs on invalid input. */
function findInvalidCharacter(text: string): string | undefined {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === equalsSign && text.length - end < 2) end -= 1;
  for (let i = 0; i < end; i += 1) {
    const code = text.charCodeAt(i);
    if (code >= 128 || alphabet[code] !== 1) {
      const shown = code === equalsSign ? "'='" : `character ${JSON.stringify(text[i])}`;
      return `${shown} at offset ${i} is not allowed in standard base64`;
    }
  }
  return undefined;
}
