// The light stdio MCP server of the bench: the official SDK's McpServer with one tool (`echo`) over
// stdio, nothing else. Beside server-everything (about 250 ms of CPU to start per process, so three
// of them on two cores cannot start in the time of one), it shows what mcs-chat's own start and
// parallel connect cost when the servers themselves are cheap. Bench-only.
import { McpServer } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

const server = new McpServer({ name: 'bench-echo', version: '1.0.0' });
server.registerTool(
  'echo',
  { description: 'Returns its text', inputSchema: z.object({ text: z.string().max(10_000) }) },
  async ({ text }) => ({ content: [{ type: 'text', text }] }),
);
await server.connect(new StdioServerTransport());
