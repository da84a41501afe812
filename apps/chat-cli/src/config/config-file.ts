import { readFile } from 'node:fs/promises';
import { MAX_CONFIG_DEPTH, nestedTooDeep } from '@mcs/provider-sdk';
import { ChatCliError } from '../chat-cli-error.js';

/** Reads a config file; a missing file is `CONFIG_NOT_FOUND`, any other failure `CONFIG_INVALID`. */
export async function readConfigText(file: string, shown: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ChatCliError('CONFIG_NOT_FOUND', `${shown}: config file not found (pass --config <file>)`, {
        cause: error,
      });
    }
    throw new ChatCliError('CONFIG_INVALID', `${shown}: cannot read the config file (${code ?? String(error)})`, {
      cause: error,
    });
  }
}

/** Line and column of a character offset, 1-based. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length} column ${(before.at(-1)?.length ?? 0) + 1}`;
}

/**
 * Parses the file as JSON. V8's message quotes the text around the mistake (`"Bearer sk-..." is not
 * valid JSON`), which may be a secret, so only its kind and the position are kept.
 */
export function parseConfigJson(text: string, shown: string): unknown {
  let data: unknown;
  try {
    // Editors on Windows may start the file with a byte order mark, which JSON.parse refuses.
    data = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message);
    const kind = message.replace(/^(Unexpected token '.'|[^,(]*?)(,| in JSON| \().*$/s, '$1').trim();
    const where = position ? ` at ${lineColumn(text, Number(position[1]))}` : '';
    throw new ChatCliError(
      'CONFIG_INVALID',
      `${shown}: not valid JSON${where}: ${kind || 'syntax error'} (fix the file; JSON allows no comments or trailing commas)`,
      { cause: error },
    );
  }
  // The later walks recurse (see nestedTooDeep).
  if (nestedTooDeep(data)) {
    throw new ChatCliError(
      'CONFIG_INVALID',
      `${shown}: nested more than ${MAX_CONFIG_DEPTH} levels deep (is it the config file?)`,
    );
  }
  return data;
}
