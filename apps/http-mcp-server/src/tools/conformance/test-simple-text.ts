import { staticContentTool } from './static-content-tool.js';

export const testSimpleTextTool = staticContentTool('test_simple_text', 'Returns simple text content', {
  content: [{ type: 'text', text: 'This is a simple text response for testing.' }],
});
