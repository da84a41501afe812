import { gatewayServiceName } from '@mcs/protos';
import type { BackendConnection } from '@mcs/transports';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';

/**
 * `grpc.health.v1.Health`: `""` and `mcs.v1.ContextGateway` are SERVING while every backend is ready
 * (NOT_SERVING when one is down or restarting, so a load balancer can prefer a healthy replica), and
 * `mcs.v1.ContextGateway/<backend>` reports each backend on its own. Everything is NOT_SERVING once
 * shutdown starts.
 */
export class GatewayHealth {
  readonly implementation = new HealthImplementation({ '': 'NOT_SERVING', [gatewayServiceName]: 'NOT_SERVING' });
  private shuttingDown = false;

  constructor(private readonly backends: readonly BackendConnection[]) {
    for (const backend of backends) backend.on('status', () => this.update());
    this.update();
  }

  update(): void {
    let all: ServingStatus = 'SERVING';
    for (const backend of this.backends) {
      const status: ServingStatus = !this.shuttingDown && backend.status === 'ready' ? 'SERVING' : 'NOT_SERVING';
      if (status !== 'SERVING') all = 'NOT_SERVING';
      this.implementation.setStatus(`${gatewayServiceName}/${backend.name}`, status);
    }
    if (this.shuttingDown) all = 'NOT_SERVING';
    this.implementation.setStatus('', all);
    this.implementation.setStatus(gatewayServiceName, all);
  }

  markShuttingDown(): void {
    this.shuttingDown = true;
    this.update();
  }
}
