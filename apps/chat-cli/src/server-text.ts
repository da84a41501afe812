/**
 * Text from an MCP server shown in the terminal (log lines, sampling requests, elicitation
 * questions) is outside input: no escape sequence, carriage return or other control character may
 * reach the screen, and a server must not be able to draw lines that look like mcs-chat's own
 * prompt or questions.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters removed
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters removed (newline kept)
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]+/g;
/** Unicode's line and paragraph separators: some terminals and fonts break the line there too. */
const LINE_BREAKS = /\r\n|[\u2028\u2029]/g;

/** What marks each continuation line of a server's multi-line text (it never starts a line as mcs-chat's own do). */
export const SERVER_TEXT_INDENT = '  │ ';

const clipped = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max - 1)}… (${text.length} characters)` : text;

/** Server text on one line: control characters (newlines too) become a space; clipped to `max` when given. */
export function serverLine(text: string, max?: number): string {
  const line = text.replace(CONTROL, ' ').trim();
  return max === undefined || line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/**
 * Server text that may span lines (a system prompt, a message): control characters other than the
 * newline become a space, and every line after the first starts with `indent`, so none of them can
 * pass for mcs-chat's prompt, a question or a status line. Clipped to `max` characters first.
 */
export function serverBlock(text: string, max: number, indent = SERVER_TEXT_INDENT): string {
  const clean = text.replace(LINE_BREAKS, '\n').replace(CONTROL_BUT_NEWLINE, ' ');
  return clipped(clean, max).split('\n').join(`\n${indent}`);
}
