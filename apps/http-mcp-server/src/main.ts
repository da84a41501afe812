#!/usr/bin/env node
import { buildApp } from './app.js';
import { runHashPasswordCommand } from './auth/hash-password-command.js';
import { loadConfig, redactConfig } from './config.js';
import { createLogger } from './logger.js';

/** Process start: config, logger, listen, and a graceful stop on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`mcs-http-mcp-server: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config);
  logger.info({ config: redactConfig(config) }, 'starting');
  if (config.auth === 'off')
    logger.warn('MCS_AUTH=off: serving WITHOUT authorization; anyone who can reach the port can call every tool');

  let app: Awaited<ReturnType<typeof buildApp>>;
  try {
    app = await buildApp(config, { logger });
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    logger.fatal({ err: error }, (error as Error).message);
    process.exit(1);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(
    {
      url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/mcp`,
      publicUrl: config.publicUrl,
    },
    'listening',
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    const started = performance.now();
    logger.info({ signal }, 'stopping: no new connections, finishing in-flight requests');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    app.close().then(
      () => {
        logger.info({ durationMs: Math.round(performance.now() - started) }, 'stopped');
        logger.flush();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[2] === 'hash-password') process.exitCode = await runHashPasswordCommand();
else void main();
