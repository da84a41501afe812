import { staticContentTool } from './static-content-tool.js';

export const testEmbeddedResourceTool = staticContentTool('test_embedded_resource', 'Returns an embedded resource', {
  content: [
    {
      type: 'resource',
      resource: {
        uri: 'test://embedded-resource',
        mimeType: 'text/plain',
        text: 'This is an embedded resource content.',
      },
    },
  ],
});
