import type { PackModule } from '../pack-framework/pack-module.js';
import { RED_PIXEL_PNG_BASE64 } from '../tools/conformance/fixtures.js';

const URI = 'test://static-binary';

export const staticBinaryResource: PackModule = {
  name: URI,
  register(server) {
    server.registerResource(
      'Static Binary Resource',
      URI,
      { description: 'A static binary resource (1x1 PNG) for testing', mimeType: 'image/png' },
      (uri) => ({ contents: [{ uri: uri.href, mimeType: 'image/png', blob: RED_PIXEL_PNG_BASE64 }] }),
    );
  },
};
