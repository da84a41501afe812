// The grpc-gateway image's HEALTHCHECK: asks grpc.health.v1.Health/Check of the gateway in this
// container (plaintext, 127.0.0.1:$GRPC_PORT, or the address given) and exits 0 only for SERVING.
// It runs from the deploy bundle's folder (/app), so @grpc/grpc-js and grpc-health-check are the
// gateway's own dependencies. Kubernetes uses its native gRPC probe instead (infra/k8s).
import grpc from '@grpc/grpc-js';
import health from 'grpc-health-check';

const address = process.argv[2] ?? `127.0.0.1:${process.env.GRPC_PORT || 50051}`;
const Health = grpc.makeGenericClientConstructor(health.service, 'Health');
const client = new Health(address, grpc.credentials.createInsecure());
client.Check({ service: '' }, { deadline: Date.now() + 3_000 }, (error, answer) => {
  client.close();
  if (error) {
    console.error(`grpc health check of ${address} failed: ${error.message}`);
    process.exit(1);
  }
  if (answer.status !== 'SERVING') console.error(`grpc health check of ${address}: ${answer.status}`);
  process.exit(answer.status === 'SERVING' ? 0 : 1);
});
