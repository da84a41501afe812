/**
 * Error messages cross wires with hard size limits: a gRPC status message travels in a trailer
 * (percent-encoded, so a byte can become three) that a peer refuses past its header-list limit (8 KiB by
 * default in grpc-js), and that refusal fails the whole HTTP/2 session, every other call on it included.
 * An HTTP or JSON-RPC body has no such limit, but echoing a caller's megabyte back is an amplifier.
 * Every message that may carry a value from outside goes through these two functions.
 */

/** The most UTF-8 bytes an error message may have on any wire (at most 3 KiB percent-encoded). */
export const MAX_ERROR_MESSAGE_BYTES = 1024;

/** How many characters of an outside value a message quotes before shortening it. */
export const MAX_QUOTED_VALUE_CHARS = 120;

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators: they would break a log line,
// a header or a terminal. Tab stays.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g;

const ELLIPSIS = '…';

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character, marking the cut with "…". */
function cutToBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength(ELLIPSIS, 'utf8');
  let bytes = 0;
  let end = 0;
  for (const character of text) {
    const size = Buffer.byteLength(character, 'utf8');
    if (bytes + size > budget) break;
    bytes += size;
    end += character.length;
  }
  return `${text.slice(0, end)}${ELLIPSIS}`;
}

/**
 * A message fit for any wire: control characters replaced by spaces, at most `maxBytes` UTF-8 bytes
 * (default {@link MAX_ERROR_MESSAGE_BYTES}), a cut marked with "…".
 */
export function boundErrorMessage(message: string, maxBytes = MAX_ERROR_MESSAGE_BYTES): string {
  // Only the part that can survive the cut is cleaned, so a 100 MB message costs no more than a short one.
  const head = message.length > maxBytes ? message.slice(0, maxBytes + 1) : message;
  return cutToBytes(head.replace(CONTROL_CHARACTERS, ' '), maxBytes);
}

/**
 * An outside value (a name, a URI) as a message quotes it: in double quotes, control characters
 * escaped, and when longer than `maxChars` its start, "…" and its length, so that the reader still
 * knows what was sent.
 */
export function quoteValue(value: string, maxChars = MAX_QUOTED_VALUE_CHARS): string {
  const shown = value.length > maxChars ? value.slice(0, maxChars) : value;
  const escaped = JSON.stringify(shown)
    .slice(1, -1)
    .replace(
      /[\u007f-\u009f\u2028\u2029]/g,
      (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  return value.length > maxChars ? `"${escaped}${ELLIPSIS}" (${value.length} characters)` : `"${escaped}"`;
}
