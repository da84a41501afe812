// Diagnostic tools of the `server-stateless` scenario (SEP-2575) of `@modelcontextprotocol/conformance`
// 0.2.0-alpha: a capability the client must declare, a request stream that carries no server-to-client
// request, no log without a requested log level, and list changes delivered to listen streams.
import { acceptedContent, inputRequired, inputResponse } from '@modelcontextprotocol/server';
import type { PackModule } from '../../pack-framework/pack-module.js';

function text(value: string) {
  return { content: [{ type: 'text' as const, text: value }] };
}

/**
 * Needs the client's model: it asks for a sampling round. A 2026-07-28 request whose client
 * capabilities lack `sampling` is refused by the SDK before the input request leaves (-32021
 * MissingRequiredClientCapability, HTTP 400, `requiredCapabilities: { sampling: {} }`); a tool
 * error result would not do, the suite wants the protocol error.
 */
export const testMissingCapabilityTool: PackModule = {
  name: 'test_missing_capability',
  register(server) {
    server.registerTool(
      'test_missing_capability',
      { description: "Requires the client's sampling capability (asks for one sampling round)" },
      // biome-ignore lint/suspicious/noExplicitAny: CallToolResult or an input-required result
      (ctx): any => {
        if (inputResponse(ctx.mcpReq.inputResponses, 'sample').kind === 'sampling') return text('Success');
        return inputRequired({
          inputRequests: {
            sample: inputRequired.createMessage({
              messages: [{ role: 'user', content: { type: 'text', text: 'Say anything' } }],
              maxTokens: 10,
            }),
          },
        });
      },
    );
  },
};

/**
 * Asks for input the 2026-07-28 way: an input-required result on the request's own stream, never an
 * independent `elicitation/create` request (2025-era sessions get the SDK's push-style request).
 */
export const testStreamingElicitationTool: PackModule = {
  name: 'test_streaming_elicitation',
  register(server) {
    server.registerTool(
      'test_streaming_elicitation',
      { description: 'Asks for a value through an input-required result, then echoes it' },
      // biome-ignore lint/suspicious/noExplicitAny: CallToolResult or an input-required result
      (ctx): any => {
        const value = acceptedContent(ctx.mcpReq.inputResponses, 'value')?.value;
        if (typeof value === 'string') return text(`Streaming complete: ${value}`);
        return inputRequired({
          inputRequests: {
            value: inputRequired.elicit({
              message: 'A value, please',
              requestedSchema: { type: 'object', properties: { value: { type: 'string' } }, required: ['value'] },
            }),
          },
        });
      },
    );
  },
};

/** Logs one `info` line: the SDK sends it only when the request asked for a log level. */
export const testLoggingTool: PackModule = {
  name: 'test_logging_tool',
  register(server) {
    server.registerTool('test_logging_tool', { description: 'Logs one info line' }, async (ctx) => {
      await ctx.mcpReq.log('info', 'Diagnostic trace logging activated');
      return text('Logging evaluated');
    });
  },
};

/**
 * "The tool list changed" (`notifications/tools/list_changed`) to every `subscriptions/listen` stream
 * that asked for it, on every replica (the app's event bus).
 */
export const testTriggerToolChangeTool: PackModule = {
  name: 'test_trigger_tool_change',
  register(server, context) {
    server.registerTool('test_trigger_tool_change', { description: 'Announces a tool list change' }, () => {
      context.changes?.toolsChanged();
      return text('Mutation triggered');
    });
  },
};

/** The same for the prompt list (`notifications/prompts/list_changed`). */
export const testTriggerPromptChangeTool: PackModule = {
  name: 'test_trigger_prompt_change',
  register(server, context) {
    server.registerTool('test_trigger_prompt_change', { description: 'Announces a prompt list change' }, () => {
      context.changes?.promptsChanged();
      return text('Mutation triggered');
    });
  },
};
