import type { McpServer } from '@modelcontextprotocol/server';
import type { PackContext } from './pack-context.js';

/**
 * One tool, resource (or resource family) or prompt, in its own module. `register` adds it to one
 * McpServer; it runs once per server instance, so it must not keep per-session state in closures.
 */
export interface PackModule {
  readonly name: string;
  /** Checks the context before anything is registered; throws a PackError naming the bad setting. */
  validate?(context: PackContext): void;
  register(server: McpServer, context: PackContext): void;
}
