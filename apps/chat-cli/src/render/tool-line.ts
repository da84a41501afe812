import type { ContentPart } from '@mcs/provider-sdk';

/** Control characters (ESC included) a server or the model could use to move the cursor or recolour the screen. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are what is removed
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Text from outside (model, servers) made safe to print on a terminal: no escape sequences; tabs and newlines kept. */
export function terminalSafe(text: string): string {
  return text.replace(CONTROL, '');
}

/** One line of at most `max` characters (whitespace runs collapsed, `…` when cut). */
export function oneLine(text: string, max: number): string {
  const line = terminalSafe(text.replace(/\s+/g, ' ').trim());
  if (max <= 1) return line.slice(0, Math.max(0, max));
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** `server › tool` from a pool name `<server>.<tool>`. */
export function toolLabel(name: string): string {
  const dot = name.indexOf('.');
  return dot === -1 ? name : `${name.slice(0, dot)} › ${name.slice(dot + 1)}`;
}

/** Arguments as `key=value` pairs, each value shortened, the whole at most `max` characters. */
export function shortArgs(args: Record<string, unknown>, max: number): string {
  const pairs = Object.entries(args).map(([key, value]) => {
    const shown = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
    return `${key}=${shown.length > 40 ? `${shown.slice(0, 39)}…` : shown}`;
  });
  return oneLine(pairs.join(' '), max);
}

const bytes = (count: number): string =>
  count < 1024
    ? `${count} B`
    : count < 1024 * 1024
      ? `${(count / 1024).toFixed(1)} kB`
      : `${(count / 1024 / 1024).toFixed(1)} MB`;

/** A short description of one result part: text as its first words, binary and resources by kind and size. */
function partSummary(part: ContentPart): string {
  switch (part.type) {
    case 'text':
    case 'json':
      return part.text;
    case 'structured':
      return JSON.stringify(part.data);
    case 'image':
    case 'audio':
      return `[${part.type} ${part.mimeType}, ${bytes(part.byteLength)}]`;
    case 'resource':
      return `[resource ${part.uri}${part.mimeType ? ` ${part.mimeType}` : ''}, ${bytes(part.byteLength)}]`;
    case 'resource-link':
      return `[link ${part.uri}]`;
    case 'error':
      return part.message;
    case 'unknown':
      return `[${part.blockType ?? 'unknown content'}]`;
  }
}

/** A tool result on one line: its parts summarised in order (images and resources by kind and size). */
export function resultSummary(parts: readonly ContentPart[], content: string, max: number): string {
  const text = parts.length > 0 ? parts.map(partSummary).join(' · ') : content;
  return oneLine(text === '' ? '(empty)' : text, max);
}

/** `[█████░░░░░] 3/5` when the total is known, else the count so far. */
export function progressBar(progress: number, total: number | undefined, width = 20): string {
  if (total === undefined || !(total > 0)) return `${progress}`;
  const ratio = Math.min(1, Math.max(0, progress / total));
  const filled = Math.round(ratio * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${progress}/${total}`;
}
