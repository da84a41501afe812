import { mcsProject } from '@mcs/vitest-config';

export default mcsProject({ name: '@mcs/grpc-gateway', testTimeout: 60_000 });
