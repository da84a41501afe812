import { mcsProject } from '@mcs/vitest-config';

const project = mcsProject({ name: '@mcs/provider-sdk' });
// The AWS SDK's packages put their ESM build first under the `module` export condition; that build
// has extensionless imports only a bundler can load. Resolve this project's dependencies as Node does.
const nodeConditions = (conditions: string[] | undefined) => conditions?.filter((condition) => condition !== 'module');
if (project.resolve) project.resolve.conditions = nodeConditions(project.resolve.conditions);
if (project.ssr?.resolve) project.ssr.resolve.conditions = nodeConditions(project.ssr.resolve.conditions);

export default project;
