// The ceiling: Fastify doing each tool's work with no MCP machinery. `echo` is a fixed JSON-RPC reply;
// `service` awaits the same upstream request the MCP servers' tool makes and answers its body;
// `test_tool_with_progress` writes the same three progress notifications, 50 ms apart, and the
// result as an SSE stream.
import Fastify from 'fastify';

const baseUrl = process.env.MCS_SERVICE_BASE_URL;
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const sse = (message) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;

const app = Fastify();
app.post('/mcp', async (request, reply) => {
  const id = request.body?.id ?? null;
  const params = request.body?.params;
  if (params?.name === 'service') {
    const url = new URL(params.arguments?.path ?? '/', baseUrl).href;
    const response = await fetch(url, { redirect: 'manual' });
    const body = await response.json();
    const contentType = response.headers.get('content-type');
    const result = { status: response.status, ok: response.ok, url, contentType, encoding: 'json', body };
    return {
      jsonrpc: '2.0',
      id,
      result: {
        content: [{ type: 'text', text: `HTTP ${response.status}\n${JSON.stringify(body)}` }],
        structuredContent: result,
      },
    };
  }
  if (params?.name === 'test_tool_with_progress') {
    const progressToken = params._meta?.progressToken;
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const progress of [0, 50, 100]) {
      if (progress > 0) await delay(50);
      reply.raw.write(
        sse({
          jsonrpc: '2.0',
          method: 'notifications/progress',
          params: { progressToken, progress, total: 100, message: `Completed ${progress}%` },
        }),
      );
    }
    reply.raw.end(
      sse({
        jsonrpc: '2.0',
        id,
        result: { content: [{ type: 'text', text: 'Tool with progress executed successfully' }] },
      }),
    );
    return reply;
  }
  return { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: params?.arguments?.text ?? '' }] } };
});
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) });
process.stdout.write('ready\n');
