import { ResourceTemplate } from '@modelcontextprotocol/server';
import type { PackModule } from '../pack-framework/pack-module.js';

/** Ids offered by completion for `{id}`; any id can be read. */
const SUGGESTED_IDS = ['1', '2', '3', '42', '123'];

/** `test://template/{id}/data`: a JSON document that echoes the id of the URI. */
export const templateDataResource: PackModule = {
  name: 'test://template/{id}/data',
  register(server) {
    server.registerResource(
      'Resource Template',
      new ResourceTemplate('test://template/{id}/data', {
        list: undefined,
        complete: { id: (value) => SUGGESTED_IDS.filter((id) => id.startsWith(value)) },
      }),
      { description: 'A resource template with parameter substitution', mimeType: 'application/json' },
      (uri, variables) => {
        const raw = variables.id;
        const id = Array.isArray(raw) ? raw.join(',') : String(raw);
        return {
          contents: [
            {
              uri: uri.href,
              mimeType: 'application/json',
              text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
            },
          ],
        };
      },
    );
  },
};
