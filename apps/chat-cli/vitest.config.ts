import { mcsProject } from '@mcs/vitest-config';

const project = mcsProject({ name: '@mcs/chat-cli', testTimeout: 60_000 });

export default { ...project, test: { ...project.test, globalSetup: ['test/global-setup.ts'] } };
