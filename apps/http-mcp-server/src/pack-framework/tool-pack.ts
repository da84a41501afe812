import type { ServerCapabilities } from '@modelcontextprotocol/server';
import type { PackModule } from './pack-module.js';

/** A named set of tools, resources and prompts, and the server capabilities they need. */
export interface ToolPack {
  readonly name: string;
  readonly description: string;
  readonly tools: readonly PackModule[];
  readonly resources: readonly PackModule[];
  readonly prompts: readonly PackModule[];
  /** Capabilities the pack's items rely on (logging, completions, resources.subscribe, ...). */
  readonly capabilities: ServerCapabilities;
}
