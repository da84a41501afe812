import { mcsProject } from '@mcs/vitest-config';

export default mcsProject({ name: '@mcs/test-reliability', include: ['*.test.ts'], testTimeout: 120_000 });
