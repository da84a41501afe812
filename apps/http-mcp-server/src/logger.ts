import { type Logger, pino } from 'pino';
import type { AppConfig } from './config.js';

/** pino: pretty lines in a terminal (pino-pretty), JSON otherwise (or when `pretty` is false). */
export function createLogger(config: Pick<AppConfig, 'logLevel'>, options: { pretty?: boolean } = {}): Logger {
  const pretty = options.pretty ?? (process.stdout.isTTY === true && process.env.NODE_ENV !== 'production');
  return pino({
    level: config.logLevel,
    base: { service: 'http-mcp-server' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  });
}
