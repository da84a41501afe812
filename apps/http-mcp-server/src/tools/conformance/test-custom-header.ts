import { fromJsonSchema } from '@modelcontextprotocol/server';
import type { PackModule } from '../../pack-framework/pack-module.js';

/**
 * SEP-2243 custom headers: `region` is declared `x-mcp-header: Region`, so a 2026-07-28 client sends
 * it as `Mcp-Param-Region` too (plain, or `=?base64?…?=`) and the SDK refuses a call whose header is
 * missing, malformed or disagrees with the body (400, -32020) before the tool runs.
 */
// `x-mcp-header` is an MCP extension keyword, unknown to the JSON Schema type.
const schema: Record<string, unknown> = {
  type: 'object',
  properties: {
    region: { type: 'string', description: 'Where to run; mirrored in Mcp-Param-Region', 'x-mcp-header': 'Region' },
    note: { type: 'string' },
  },
  required: ['region'],
};
const inputSchema = fromJsonSchema<{ region: string; note?: string }>(schema as Parameters<typeof fromJsonSchema>[0]);

export const testCustomHeaderTool: PackModule = {
  name: 'test_custom_header',
  register(server) {
    server.registerTool(
      'test_custom_header',
      { description: 'Echoes its region argument, which travels in the Mcp-Param-Region header as well', inputSchema },
      ({ region }) => ({ content: [{ type: 'text', text: `region: ${region}` }] }),
    );
  },
};
