import type { BackendConnectionOptions, SupervisionOptionsInput } from '@mcs/transports';
import type { GatewayBackendConfig } from '../config.js';

/**
 * The gateway's `backends` as @mcs/transports' `createBackendPool` takes them: the transport part of
 * each entry, and per backend the connection options (client info, supervision). The gateway's own
 * fields (`tools` filter, `callTimeoutMs`) stay with the gateway.
 */
export function backendPoolConfig(backends: Readonly<Record<string, GatewayBackendConfig>>): {
  configs: Record<string, unknown>;
  options: (name: string) => BackendConnectionOptions;
} {
  const configs: Record<string, unknown> = {};
  const supervision = new Map<string, SupervisionOptionsInput>();
  for (const [name, config] of Object.entries(backends)) {
    const { tools: _tools, callTimeoutMs: _callTimeoutMs, supervision: settings, ...transport } = config;
    configs[name] = transport;
    if (settings !== undefined) supervision.set(name, settings as SupervisionOptionsInput);
  }
  return {
    configs,
    options: (name) => {
      const settings = supervision.get(name);
      return {
        clientInfo: { name: 'mcs-grpc-gateway', version: '0.1.0' },
        ...(settings === undefined ? {} : { supervision: settings }),
      };
    },
  };
}
