import { RED_PIXEL_PNG_BASE64 } from './fixtures.js';
import { staticContentTool } from './static-content-tool.js';

export const testImageContentTool = staticContentTool('test_image_content', 'Returns image content (1x1 PNG)', {
  content: [{ type: 'image', data: RED_PIXEL_PNG_BASE64, mimeType: 'image/png' }],
});
