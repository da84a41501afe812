import type { PackModule } from '../pack-framework/pack-module.js';
import { RED_PIXEL_PNG_BASE64 } from '../tools/conformance/fixtures.js';

export const testPromptWithImage: PackModule = {
  name: 'test_prompt_with_image',
  register(server) {
    server.registerPrompt('test_prompt_with_image', { description: 'A prompt with image content' }, () => ({
      messages: [
        { role: 'user', content: { type: 'image', data: RED_PIXEL_PNG_BASE64, mimeType: 'image/png' } },
        { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
      ],
    }));
  },
};
