#!/usr/bin/env node
// Process entry: `mcs-grpc-gateway --config <file.json|file.yaml>`. Loads the config (GRPC_HOST /
// GRPC_PORT override it), starts the gateway, and on SIGINT/SIGTERM drains calls, closes backends and
// exits 0. A config error exits 2 with the message naming the bad key.
import { parseArgs } from 'node:util';
import { loadGatewayConfig } from './config.js';
import { GatewayError } from './gateway-error.js';
import { startGateway } from './server.js';

const usage = 'usage: mcs-grpc-gateway --config <file.json|file.yaml>';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  if (values.config === undefined) throw new GatewayError('CONFIG_INVALID', `Missing --config. ${usage}`);
  const config = await loadGatewayConfig(values.config);
  const gateway = await startGateway(config);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`mcs-grpc-gateway: error while stopping after ${signal}:`, error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  const isConfig = GatewayError.isInstance(error) && error.code === 'CONFIG_INVALID';
  console.error(`mcs-grpc-gateway: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(isConfig ? 2 : 1);
});
