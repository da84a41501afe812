import { mcsProject } from '@mcs/vitest-config';

export default mcsProject({ name: '@mcs/transports', testTimeout: 60_000 });
