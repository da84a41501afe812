import { parseArgs } from 'node:util';
import { boundErrorMessage } from '@mcs/resilience';
import { loadGatewayConfig } from './config.js';
import { GatewayError } from './gateway-error.js';
import { createGatewayLogger } from './logger.js';
import { type Gateway, startGateway } from './server.js';

/** What the CLI needs from its process; `process` in production, a stand-in in tests. */
export interface CliProcess {
  env: NodeJS.ProcessEnv;
  once(signal: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
  /** Where usage and fatal errors go (stderr in production). */
  error(message: string): void;
  /** Where `--help` goes (stdout in production). */
  print(message: string): void;
  /** Whether stdout is a terminal: logs are then pretty (pino-pretty) unless NODE_ENV=production. */
  stdoutIsTTY?: boolean;
}

/** Longest fatal message printed (a bad config's lists every bad key, each line bounded). */
const MAX_MESSAGE_CHARS = 4_000;

export const usage = 'usage: mcs-grpc-gateway --config <file.json|file.yaml>';

/**
 * `mcs-grpc-gateway --config <file>`: loads the config (GRPC_HOST / GRPC_PORT override it), starts the
 * gateway, and on SIGINT/SIGTERM drains calls, closes backends and exits 0. A bad config exits 2 with
 * the message naming the bad key; any other start failure exits 1. Resolves with the running gateway.
 */
export async function runCli(argv: readonly string[], host: CliProcess): Promise<Gateway | undefined> {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    if (values.help) {
      host.print(usage);
      return undefined;
    }
    if (values.config === undefined) throw new GatewayError('CONFIG_INVALID', `Missing --config. ${usage}`);
    const config = await loadGatewayConfig(values.config, host.env);
    const pretty = host.stdoutIsTTY === true && host.env.NODE_ENV !== 'production';
    const gateway = await startGateway(config, {
      env: host.env,
      logger: createGatewayLogger(config.logLevel, { pretty }),
    });
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      gateway.close().then(
        () => host.exit(0),
        (error: unknown) => {
          host.error(`mcs-grpc-gateway: error while stopping after ${signal}: ${String(error)}`);
          host.exit(1);
        },
      );
    };
    host.once('SIGINT', stop);
    host.once('SIGTERM', stop);
    return gateway;
  } catch (error) {
    // Every parseArgs refusal (unknown option, positional argument, --config without a value) is usage.
    const argsError = String((error as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS_');
    const isUsage = (GatewayError.isInstance(error) && error.code === 'CONFIG_INVALID') || argsError;
    // Bounded whatever threw: parseArgs quotes the refused argument as given (twice).
    const raw = error instanceof Error ? error.message : String(error);
    const message = argsError ? `${boundErrorMessage(raw, 300)} ${usage}` : raw;
    host.error(
      `mcs-grpc-gateway: ${message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}… (cut)` : message}`,
    );
    host.exit(isUsage ? 2 : 1);
    return undefined;
  }
}
