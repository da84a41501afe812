import * as z from 'zod';
import type { PackModule } from '../pack-framework/pack-module.js';

export const testPromptWithEmbeddedResource: PackModule = {
  name: 'test_prompt_with_embedded_resource',
  register(server) {
    server.registerPrompt(
      'test_prompt_with_embedded_resource',
      {
        description: 'A prompt that embeds a resource',
        argsSchema: z.object({ resourceUri: z.string().describe('URI of the resource to embed') }),
      },
      ({ resourceUri }) => ({
        messages: [
          {
            role: 'user',
            content: {
              type: 'resource',
              resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' },
            },
          },
          { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
        ],
      }),
    );
  },
};
