import { type Logger, pino } from 'pino';

/**
 * The gateway's pino logger: one JSON line per event (what log collectors read), or pretty lines through
 * the pino-pretty transport when `pretty` is set (the CLI sets it when stdout is a terminal).
 */
export function createGatewayLogger(level: string, { pretty = false }: { pretty?: boolean } = {}): Logger {
  return pino({
    level,
    base: { service: 'mcs-grpc-gateway' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  });
}
