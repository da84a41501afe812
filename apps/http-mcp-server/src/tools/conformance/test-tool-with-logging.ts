import type { PackModule } from '../../pack-framework/pack-module.js';
import { delay } from './fixtures.js';

/** Sends three `info` log notifications, ~50 ms apart, while it runs. */
export const testToolWithLoggingTool: PackModule = {
  name: 'test_tool_with_logging',
  register(server) {
    server.registerTool(
      'test_tool_with_logging',
      { description: 'Sends three log notifications during execution' },
      async (ctx) => {
        await ctx.mcpReq.log('info', 'Tool execution started');
        await delay(50, ctx.mcpReq.signal);
        await ctx.mcpReq.log('info', 'Tool processing data');
        await delay(50, ctx.mcpReq.signal);
        await ctx.mcpReq.log('info', 'Tool execution completed');
        return { content: [{ type: 'text', text: 'Tool with logging executed successfully' }] };
      },
    );
  },
};
