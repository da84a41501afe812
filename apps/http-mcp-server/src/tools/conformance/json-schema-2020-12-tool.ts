import { fromJsonSchema } from '@modelcontextprotocol/server';
import type { PackModule } from '../../packs/pack-module.js';

/**
 * SEP-1613: the input schema is a raw JSON Schema 2020-12 document; `$schema`, `$defs` and
 * `additionalProperties` must reach `tools/list` unchanged, so it is not built from zod.
 */
const inputSchema = fromJsonSchema<{ name?: string; address?: { street?: string; city?: string } }>({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } },
  },
  properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
  additionalProperties: false,
});

export const jsonSchema202012Tool: PackModule = {
  name: 'json_schema_2020_12_tool',
  register(server) {
    server.registerTool(
      'json_schema_2020_12_tool',
      { description: 'Tool with JSON Schema 2020-12 features', inputSchema },
      (args) => ({ content: [{ type: 'text', text: `Received: ${JSON.stringify(args)}` }] }),
    );
  },
};
