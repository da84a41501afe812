import type { CallToolResult } from '@modelcontextprotocol/server';
import type { PackModule } from '../../pack-framework/pack-module.js';

/** A fixture tool without arguments that always returns the same content. */
export function staticContentTool(name: string, description: string, result: CallToolResult): PackModule {
  return {
    name,
    register(server) {
      server.registerTool(name, { description, annotations: { readOnlyHint: true } }, () => structuredClone(result));
    },
  };
}
