import type { McpClientPool } from '@mcs/provider-sdk';
import { type LogLevel, logLevelRank } from './log-level.js';

/** Where server log lines go: the REPL sets it (it knows whether a turn draws the screen); none: `fallback`. */
export interface NoticeSlot {
  current: ((text: string) => void) | undefined;
}

const MAX_LOG_LINE = 500;

/** Server text is outside input: control characters (escape sequences, carriage returns) become spaces. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters removed
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;

/** `[everything] warning (logger): the message`: one line, clipped. */
export function formatServerLog(event: { backend: string; level: string; logger?: string; data: unknown }): string {
  let data: string;
  try {
    data = typeof event.data === 'string' ? event.data : (JSON.stringify(event.data) ?? String(event.data));
  } catch {
    data = String(event.data);
  }
  const text = data.replace(CONTROL, ' ').trim();
  const logger = event.logger ? ` (${event.logger.replace(CONTROL, ' ').slice(0, 60)})` : '';
  const line = `[${event.backend}] ${event.level}${logger}: ${text}`;
  return line.length > MAX_LOG_LINE ? `${line.slice(0, MAX_LOG_LINE - 1)}…` : line;
}

/**
 * Shows the servers' log messages (`notifications/message`) at `level` and above through `print`.
 * Filtered here too: a server may send before it got `logging/setLevel`, or ignore it.
 */
export function watchServerLogs(pool: McpClientPool, level: LogLevel, print: (text: string) => void): () => void {
  const least = logLevelRank(level);
  return pool.on('log', (event) => {
    // An unknown level (a server's own word) is shown: hiding it could hide an error.
    const rank = logLevelRank(event.level);
    if (rank !== -1 && rank < least) return;
    print(formatServerLog(event));
  });
}

/**
 * Asks every connected server for messages at `level` and above (`logging/setLevel`), all at once.
 * A server that does not offer logging refuses it (method not found, or the SDK's capability check):
 * that is not worth a word, unless debug messages were asked for.
 */
export async function setServerLogLevel(
  pool: McpClientPool,
  level: LogLevel,
  servers: readonly string[],
  print: (text: string) => void,
): Promise<void> {
  await Promise.all(
    servers.map((server) =>
      pool.setLoggingLevel(level, { backend: server, signal: AbortSignal.timeout(5_000) }).catch((error: unknown) => {
        if (level === 'debug') {
          print(`[${server}] does not take logging/setLevel: ${(error as Error).message.replace(CONTROL, ' ')}`);
        }
      }),
    ),
  );
}
