import { mcsProject } from '@mcs/vitest-config';

export default mcsProject({ name: '@mcs/provider-sdk' });
