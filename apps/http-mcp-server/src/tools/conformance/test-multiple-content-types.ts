import { RED_PIXEL_PNG_BASE64 } from './fixtures.js';
import { staticContentTool } from './static-content-tool.js';

export const testMultipleContentTypesTool = staticContentTool(
  'test_multiple_content_types',
  'Returns text, image and embedded resource content',
  {
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: RED_PIXEL_PNG_BASE64, mimeType: 'image/png' },
      {
        type: 'resource',
        resource: {
          uri: 'test://mixed-content-resource',
          mimeType: 'application/json',
          text: JSON.stringify({ test: 'data', value: 123 }),
        },
      },
    ],
  },
);
