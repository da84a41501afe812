import type { PackModule } from '../../pack-framework/pack-module.js';

/** Always fails; the SDK turns the thrown error into an `isError: true` result. */
export const testErrorHandlingTool: PackModule = {
  name: 'test_error_handling',
  register(server) {
    server.registerTool('test_error_handling', { description: 'Always returns an error result' }, () => ({
      isError: true,
      content: [{ type: 'text', text: 'This tool intentionally returns an error for testing' }],
    }));
  },
};
