// The official SDK's stateful example: one McpServer + NodeStreamableHTTPServerTransport per session,
// kept in this process' memory (sessions cannot move between processes).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { McpServer } from '@modelcontextprotocol/server';
import { registerReferenceTools } from './reference-tools.mjs';

const transports = new Map();

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

createServer(async (req, res) => {
  if (req.url !== '/mcp') return res.writeHead(404).end();
  const sessionId = req.headers['mcp-session-id'];
  let transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
  const body = req.method === 'POST' ? await readJson(req) : undefined;
  if (!transport) {
    if (body?.method !== 'initialize') return res.writeHead(404).end();
    transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => transports.set(id, transport),
    });
    transport.onclose = () => transports.delete(transport.sessionId);
    const server = new McpServer({ name: 'sdk-stateful', version: '1.0.0' });
    registerReferenceTools(server);
    await server.connect(transport);
  }
  await transport.handleRequest(req, res, body);
}).listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('ready\n'));
