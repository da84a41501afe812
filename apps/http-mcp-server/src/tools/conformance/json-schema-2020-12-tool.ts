import { fromJsonSchema } from '@modelcontextprotocol/server';
import type { PackModule } from '../../pack-framework/pack-module.js';

/**
 * SEP-1613 / SEP-2106: the input schema is a raw JSON Schema 2020-12 document, the conformance
 * suite's fixture; `$schema`, `$defs` (with `$anchor`), `$ref`, `additionalProperties`, composition
 * (`allOf`/`anyOf`) and conditional (`if`/`then`/`else`) keywords must reach `tools/list` unchanged,
 * so it is not built from zod.
 */
const inputSchema = fromJsonSchema<{
  name?: string;
  address?: { street?: string; city?: string };
  contactMethod?: 'phone' | 'email';
  phone?: string;
  email?: string;
}>({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: {
      $anchor: 'addressDef',
      type: 'object',
      properties: { street: { type: 'string' }, city: { type: 'string' } },
    },
  },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string' },
    email: { type: 'string' },
  },
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
  // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword `then`, not a thenable
  then: { required: ['phone'] },
  else: { required: ['email'] },
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
