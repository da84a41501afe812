import type { GatewayBackendConfig } from '../config.js';
import type { GatewayBackend } from './gateway-backend.js';
import { SdkBackend } from './sdk-backend.js';

/** The one place that decides which implementation serves a configured backend. */
export function createBackend(name: string, config: GatewayBackendConfig): GatewayBackend {
  return new SdkBackend(name, config);
}
