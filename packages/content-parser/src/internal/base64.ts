// Strict base64 (RFC 4648 section 4, standard alphabet). Buffer.from(s, 'base64') never fails: it
// skips unknown characters and stops at the first '=', so corrupt payloads would decode to silently
// wrong bytes. MCP producers emit padded standard base64; unpadded input is accepted because it is
// unambiguous, everything else (url-safe alphabet, whitespace, '=' in the middle) is rejected.

const alphabet = new Uint8Array(128);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') {
  alphabet[char.charCodeAt(0)] = 1;
}
const equalsSign = 61;

export type Base64Check = { ok: true; byteLength: number } | { ok: false; reason: string };

/**
 * Validates `text` and returns the decoded length without decoding, so size limits can be enforced
 * before any allocation.
 */
export function checkBase64(text: string): Base64Check {
  let end = text.length;
  let padding = 0;
  while (end > 0 && text.charCodeAt(end - 1) === equalsSign && padding < 2) {
    end -= 1;
    padding += 1;
  }
  for (let i = 0; i < end; i += 1) {
    const code = text.charCodeAt(i);
    if (code >= 128 || alphabet[code] !== 1) {
      const shown = code === equalsSign ? "'=' before the end" : `character ${JSON.stringify(text[i])}`;
      return { ok: false, reason: `${shown} at offset ${i} is not standard base64` };
    }
  }
  const remainder = end % 4;
  if (remainder === 1) return { ok: false, reason: `length ${text.length} is impossible for base64 (truncated data?)` };
  if (padding > 0 && (end + padding) % 4 !== 0) {
    return { ok: false, reason: `padding does not complete a 4-character group (length ${text.length})` };
  }
  const byteLength = Math.floor(end / 4) * 3 + (remainder === 0 ? 0 : remainder - 1);
  return { ok: true, byteLength };
}

/** Decodes text already accepted by {@link checkBase64}. */
export function decodeBase64(text: string): Uint8Array {
  const buffer = Buffer.from(text, 'base64');
  // Consumers get a plain Uint8Array that owns its memory. Small Buffers are slices of Node's shared
  // 8 KiB pool, so those are copied (cheap: pooled means small); large ones are re-wrapped as is.
  if (buffer.byteOffset === 0 && buffer.buffer.byteLength === buffer.byteLength) {
    return new Uint8Array(buffer.buffer, 0, buffer.byteLength);
  }
  return new Uint8Array(buffer);
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
