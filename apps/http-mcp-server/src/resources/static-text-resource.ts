import type { PackModule } from '../pack-framework/pack-module.js';

const URI = 'test://static-text';

export const staticTextResource: PackModule = {
  name: URI,
  register(server) {
    server.registerResource(
      'Static Text Resource',
      URI,
      { description: 'A static text resource for testing', mimeType: 'text/plain' },
      (uri) => ({
        contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'This is the content of the static text resource.' }],
      }),
    );
  },
};
