import { mcsProject } from '@mcs/vitest-config';

// Real processes (redis-server, the built apps, pnpm deploy): each file shares one setup in beforeAll.
export default mcsProject({ name: '@mcs/test-e2e', include: ['*.test.ts'], testTimeout: 60_000 });
