import type { UserWorkspaceConfig } from 'vitest/config';

export declare const sourceCondition: '@mcs/source';

export declare function mcsProject(options: {
  name: string;
  testTimeout?: number;
  setupFiles?: string[];
  // Test file globs; default: the .test.ts files under src/ and test/.
  include?: string[];
}): UserWorkspaceConfig;
