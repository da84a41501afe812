import type { ToolPack } from './tool-pack.js';

/** The fixtures `@modelcontextprotocol/conformance` (`server --suite active`) calls. */
export const conformancePack: ToolPack = {
  name: 'conformance',
  description: 'fixture tools, resources and prompts of the MCP conformance suite',
  tools: [],
  resources: [],
  prompts: [],
  capabilities: {
    tools: { listChanged: true },
    resources: { subscribe: true, listChanged: true },
    prompts: { listChanged: true },
    logging: {},
    completions: {},
  },
};
