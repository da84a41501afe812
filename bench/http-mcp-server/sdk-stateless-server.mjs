// The official SDK's stateless serving, as its docs show it: createMcpHandler (a fresh McpServer per
// request; 2026-07-28 and stateless 2025) mounted on node:http with toNodeHandler.
import { createServer } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { registerReferenceTools } from './reference-tools.mjs';

const handler = createMcpHandler(() => {
  const server = new McpServer(
    { name: 'sdk-stateless', version: '1.0.0' },
    { supportedProtocolVersions: ['2026-07-28', ...SUPPORTED_PROTOCOL_VERSIONS] },
  );
  registerReferenceTools(server);
  return server;
});
const node = toNodeHandler(handler);
createServer((req, res) => {
  if (req.url === '/mcp') void node(req, res);
  else res.writeHead(404).end();
}).listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('ready\n'));
