import { mcsProject } from '@mcs/vitest-config';

// One pack + npm install per file (beforeAll, bounded at 5 min); the calls after it are quick.
export default mcsProject({ name: '@mcs/test-install', include: ['*.test.ts'], testTimeout: 120_000 });
