import type { McpClientPool } from '@mcs/provider-sdk';
import { type LogLevel, logLevelRank } from './log-level.js';
import { serverLine } from './server-text.js';

/** Where server log lines go: the REPL sets it (it knows whether a turn draws the screen); none: `fallback`. */
export interface NoticeSlot {
  current: ((text: string) => void) | undefined;
}

const MAX_LOG_LINE = 500;

/** `[everything] warning (logger): the message`: one line, clipped. */
export function formatServerLog(event: { backend: string; level: string; logger?: string; data: unknown }): string {
  let data: string;
  try {
    data = typeof event.data === 'string' ? event.data : (JSON.stringify(event.data) ?? String(event.data));
  } catch {
    data = String(event.data);
  }
  const text = serverLine(data);
  const logger = event.logger ? ` (${serverLine(event.logger, 60)})` : '';
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
 * Asks each server for messages at `level` and above (`logging/setLevel`) as soon as it is ready: at
 * the start, and when it connects later (a server down at the start, `/servers reconnect`, `/login`).
 * Only servers that announce the `logging` capability are asked (the others would refuse it, or be
 * confused by it); a server that took the level keeps it across restarts (the pool's connection
 * sends it again to each new session), so it is asked once. Call before connecting. A failure is not
 * worth a word unless debug messages were asked for. Returns the function that stops it.
 */
export function keepServerLogLevel(pool: McpClientPool, level: LogLevel, print: (text: string) => void): () => void {
  const taken = new Set<string>();
  const asking = new Set<string>();
  const ask = (server: string) => {
    if (taken.has(server) || asking.has(server)) return;
    let offered: boolean;
    try {
      offered = pool.serverCapabilities(server)?.logging !== undefined;
    } catch {
      return; // closed meanwhile
    }
    if (!offered) {
      if (level === 'debug') print(`[${server}] does not offer logging: no logging/setLevel sent`);
      return;
    }
    asking.add(server);
    pool
      .setLoggingLevel(level, { backend: server, signal: AbortSignal.timeout(5_000) })
      .then(
        () => taken.add(server),
        (error: unknown) => {
          if (level === 'debug') {
            print(`[${server}] did not take logging/setLevel: ${serverLine((error as Error).message)}`);
          }
        },
      )
      .finally(() => asking.delete(server));
  };
  return pool.on('status', ({ backend, status }) => {
    if (status === 'ready') ask(backend);
  });
}
