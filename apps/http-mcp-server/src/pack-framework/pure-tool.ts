import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/server';
import type * as z from 'zod';
import type { PackModule, PureTool } from './pack-module.js';

export type { PureTool } from './pack-module.js';

export interface PureToolDefinition<Input extends z.ZodObject> {
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  readonly inputSchema: Input;
  readonly outputSchema?: z.ZodObject;
  readonly annotations?: ToolAnnotations;
  /** Computes the result from the validated arguments: no I/O, no side effects, no notifications. */
  call(args: z.output<Input>): CallToolResult;
}

/**
 * A tool that only computes its result from its arguments (and the clock): it never logs to the
 * client, reports progress, asks the client anything or changes state. It is registered on every
 * McpServer like any tool, and its `pure` member lets the app answer the common case (valid
 * arguments, a well-formed result) without building a server per request; anything else still goes
 * through the SDK, which then gives exactly the answer it always gives (see mcp/direct-tool-calls.ts).
 * Running it twice for one request is harmless, which is what makes that fallback safe.
 */
export function definePureTool<Input extends z.ZodObject>(
  definition: PureToolDefinition<Input>,
): PackModule & { readonly pure: PureTool } {
  const { name, call, inputSchema, ...config } = definition;
  // The schema validated the arguments: `call` gets exactly its own input type.
  const callValidated = call as PureTool['call'];
  const widenedInput: z.ZodObject = inputSchema;
  return {
    name,
    pure: {
      inputSchema,
      ...(definition.outputSchema ? { outputSchema: definition.outputSchema } : {}),
      call: callValidated,
    },
    register(server) {
      server.registerTool(name, { ...config, inputSchema: widenedInput }, (args) => callValidated(args));
    },
  };
}
