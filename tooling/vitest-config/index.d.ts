import type { UserWorkspaceConfig } from 'vitest/config';

export declare const sourceCondition: '@mcs/source';

export declare function mcsProject(options: {
  name: string;
  testTimeout?: number;
  setupFiles?: string[];
}): UserWorkspaceConfig;
