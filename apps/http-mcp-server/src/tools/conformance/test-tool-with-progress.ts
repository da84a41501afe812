import type { PackModule } from '../../pack-framework/pack-module.js';
import { delay } from './fixtures.js';

/** Reports progress 0, 50 and 100 of 100 (when the request carries a progress token). */
export const testToolWithProgressTool: PackModule = {
  name: 'test_tool_with_progress',
  register(server) {
    server.registerTool(
      'test_tool_with_progress',
      { description: 'Reports progress notifications during execution' },
      async (ctx) => {
        const progressToken = ctx.mcpReq._meta?.progressToken;
        for (const progress of [0, 50, 100]) {
          if (progress > 0) await delay(50, ctx.mcpReq.signal);
          if (progressToken !== undefined) {
            await ctx.mcpReq.notify({
              method: 'notifications/progress',
              params: { progressToken, progress, total: 100, message: `Completed ${progress}%` },
            });
          }
        }
        return { content: [{ type: 'text', text: 'Tool with progress executed successfully' }] };
      },
    );
  },
};
