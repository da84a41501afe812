import { mcsProject } from '@mcs/vitest-config';

export default mcsProject({ name: '@mcs/protos', testTimeout: 60_000 });
