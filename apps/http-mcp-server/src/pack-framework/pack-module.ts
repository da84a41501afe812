import type { CallToolResult, McpServer } from '@modelcontextprotocol/server';
import type * as z from 'zod';
import type { PackContext } from './pack-context.js';

/**
 * One tool, resource (or resource family) or prompt, in its own module. `register` adds it to one
 * McpServer. The app builds a server per request, so `register` must be cheap (parse settings once
 * per PackContext) and must not keep session state in closures (keep it per PackContext or in a
 * store the context provides).
 */
export interface PackModule {
  readonly name: string;
  /** Checks the context before anything is registered; throws a PackError naming the bad setting. */
  validate?(context: PackContext): void;
  register(server: McpServer, context: PackContext): void;
  /** Set by `definePureTool`: the app may answer this tool's calls without an McpServer. */
  readonly pure?: PureTool;
}

/**
 * What the app needs to answer `tools/call` of a pure tool itself, without an McpServer: the same
 * schemas the server validates with, and the function it runs.
 */
export interface PureTool {
  readonly inputSchema: z.ZodObject;
  readonly outputSchema?: z.ZodObject;
  call(args: Record<string, unknown>): CallToolResult;
}
