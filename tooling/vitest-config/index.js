// Shared Vitest settings. Workspace packages resolve each other through the "@mcs/source" export
// condition, so tests run against TypeScript sources and never need a build of their dependencies.
import { defineProject } from 'vitest/config';

export const sourceCondition = '@mcs/source';

/** @param {{ name: string, testTimeout?: number, setupFiles?: string[], include?: string[] }} options */
export function mcsProject({
  name,
  testTimeout = 20_000,
  setupFiles = [],
  include = ['src/**/*.test.ts', 'test/**/*.test.ts'],
}) {
  return defineProject({
    resolve: { conditions: [sourceCondition, 'import', 'module', 'node', 'default'] },
    ssr: { resolve: { conditions: [sourceCondition, 'import', 'module', 'node', 'default'] } },
    test: {
      name,
      environment: 'node',
      include,
      testTimeout,
      hookTimeout: 60_000,
      setupFiles,
    },
  });
}
