import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ChatCliError } from '../chat-cli-error.js';
import { stateDir } from '../user-dirs.js';
import { isPrivateLine } from './secret-line.js';

/** Entries kept by default (readline's own default is 30). */
export const DEFAULT_HISTORY_SIZE = 1000;
/** Entries longer than this are not kept: a pasted document does not belong in the history. */
const MAX_ENTRY_LENGTH = 4096;

const HistorySizeSchema = z.coerce
  .number({ error: 'must be a whole number' })
  .int('must be a whole number')
  .min(0, 'must be 0 (no history file) or more')
  .max(100_000, 'must be at most 100000');

/** The REPL's input history, kept in a file between runs. */
export interface LineHistory {
  /** The file, or `undefined` when the history is not kept (`MCS_CHAT_HISTORY_SIZE=0`). */
  readonly file: string | undefined;
  readonly size: number;
  /** Newest first, as readline's `history` option wants them. */
  readonly entries: readonly string[];
  /**
   * Adds a submitted line (newest; an older equal entry is dropped) and writes the file. Private
   * lines (a leading space, or what looks like a credential) are not kept. Rejects when the file
   * cannot be written.
   */
  add(line: string): Promise<void>;
}

/** The history size from `MCS_CHAT_HISTORY_SIZE` (a `CONFIG_INVALID` error when it is not a count). */
export function historySize(env: Record<string, string | undefined>): number {
  const raw = env.MCS_CHAT_HISTORY_SIZE;
  if (raw === undefined || raw.trim() === '') return DEFAULT_HISTORY_SIZE;
  const parsed = HistorySizeSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ChatCliError(
      'CONFIG_INVALID',
      `MCS_CHAT_HISTORY_SIZE: ${parsed.error.issues[0]?.message ?? 'invalid'} (got "${raw.slice(0, 40)}")`,
    );
  }
  return parsed.data;
}

/**
 * Opens the history file (`$XDG_STATE_HOME/mcs-chat/history`, one JSON string per line, oldest
 * first). A missing or unreadable file is an empty history: it is only a convenience.
 */
export async function openLineHistory(env: Record<string, string | undefined>): Promise<LineHistory> {
  const size = historySize(env);
  if (size === 0) return { file: undefined, size, entries: [], add: async () => {} };
  const file = join(stateDir(env), 'history');
  let entries = await readEntries(file, size);
  // One write at a time, in order: each rewrites the whole (small) file.
  let writing: Promise<void> = Promise.resolve();
  return {
    file,
    size,
    get entries() {
      return [...entries].reverse();
    },
    add(line) {
      if (line.trim() === '' || line.length > MAX_ENTRY_LENGTH || isPrivateLine(line)) return Promise.resolve();
      const write = async () => {
        // Re-read first: another mcs-chat may have added lines since (its entries are kept too).
        const current = (await readEntries(file, size)).filter((entry) => entry !== line);
        entries = [...current, line].slice(-size);
        await mkdir(dirname(file), { recursive: true, mode: 0o700 });
        const temporary = `${file}.${process.pid}.tmp`;
        await writeFile(temporary, entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''), { mode: 0o600 });
        await rename(temporary, file);
      };
      writing = writing.then(write, write);
      return writing;
    },
  };
}

async function readEntries(file: string, size: number): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  const entries: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const entry: unknown = JSON.parse(line);
      if (typeof entry === 'string') entries.push(entry);
    } catch {
      // A damaged line (e.g. an older format): left out.
    }
  }
  return entries.slice(-size);
}
