import type { BackendConnection } from '@mcs/transports';
import { createBackendConnection } from '@mcs/transports';
import type { GatewayBackendConfig } from '../config.js';

/**
 * One supervised `@mcs/transports` connection per configured backend: one long-lived MCP session shared
 * by every gRPC caller, restarted with backoff when it dies, pinged, behind a circuit breaker.
 */
export function createBackend(name: string, config: GatewayBackendConfig): BackendConnection {
  const { tools: _tools, callTimeoutMs: _callTimeoutMs, supervision, ...transport } = config;
  return createBackendConnection(name, transport, {
    clientInfo: { name: 'mcs-grpc-gateway', version: '0.1.0' },
    ...(supervision === undefined ? {} : { supervision }),
  });
}
