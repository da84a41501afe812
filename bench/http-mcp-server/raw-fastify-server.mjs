// The ceiling: Fastify answering every POST /mcp with a fixed JSON-RPC echo result.
import Fastify from 'fastify';

const app = Fastify();
app.post('/mcp', async (request) => ({
  jsonrpc: '2.0',
  id: request.body?.id ?? null,
  result: { content: [{ type: 'text', text: request.body?.params?.arguments?.text ?? '' }] },
}));
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) });
process.stdout.write('ready\n');
