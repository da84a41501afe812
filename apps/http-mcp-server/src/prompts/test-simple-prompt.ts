import type { PackModule } from '../pack-framework/pack-module.js';

export const testSimplePrompt: PackModule = {
  name: 'test_simple_prompt',
  register(server) {
    server.registerPrompt('test_simple_prompt', { description: 'A simple prompt without arguments' }, () => ({
      messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
    }));
  },
};
