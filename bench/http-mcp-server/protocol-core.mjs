// The protocol layer alone, in one process, no sockets: CPU per 2026-07-28 tools/call of the app's
// protocol engine (a long-lived McpServer on a Lane, src/mcp/stateless/engine/) against the SDK's
// createMcpHandler (a web Request in, a web Response out, a pooled server per exchange, the way the
// app served these calls before the engine), for the same packs and tools. Less sensitive to a busy
// machine than the HTTP bench (no scheduling of three processes, no loopback TCP), and it shows what
// the protocol layer costs on its own: the rest of a request is Fastify and the socket.
// io includes the upstream request (its server runs in this process too): dominated by undici, noisy.
// BENCH_CORE_REQUESTS (default 3000, after 300 of warm-up), concurrency BENCH_CORE_CONCURRENCY (64).
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { classifyInboundRequest, createMcpHandler } from '@modelcontextprotocol/server';

const require = createRequire(import.meta.url);
const dist = dirname(require.resolve('@mcs/http-mcp-server'));
const load = (path) => import(pathToFileURL(join(dist, path)).href);
const { createServerFactory, createPooledServerFactory } = await load('mcp/shared/server-factory.js');
const { Lane } = await load('mcp/stateless/engine/lane.js');
const { pino } = await import(pathToFileURL(require.resolve('pino', { paths: [dist] })).href);

const requests = Number(process.env.BENCH_CORE_REQUESTS ?? 3000);
const concurrency = Number(process.env.BENCH_CORE_CONCURRENCY ?? 64);

const upstream = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[1,2,3],"source":"bench-upstream"}');
});
await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const baseUrl = `http://127.0.0.1:${upstream.address().port}`;

const factory = createServerFactory({
  packs: ['default', 'conformance'],
  context: { logger: pino({ level: 'silent' }), service: { baseUrl, confirm: 'off' } },
});
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const TOOLS = [
  { key: 'echo', name: 'echo', args: { text: 'bench-echo' } },
  { key: 'io', name: 'service', args: { method: 'GET', path: '/data' } },
  { key: 'progress', name: 'test_tool_with_progress', args: {}, progress: true },
];
const bodyOf = (tool) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: tool.name, arguments: tool.args, _meta: tool.progress ? { ...META, progressToken: 'p1' } : META },
});

// The engine: one lane, as the app keeps one per client identity.
const route = classifyInboundRequest({
  httpMethod: 'POST',
  protocolVersionHeader: '2026-07-28',
  mcpMethodHeader: 'tools/call',
  mcpNameHeader: 'echo',
  body: bodyOf(TOOLS[0]),
});
const lane = new Lane(factory(), route.classification);
await lane.open();
const viaEngine = (tool) =>
  new Promise((resolve) => {
    let frames = '';
    lane.dispatch(bodyOf(tool), {
      message: (message) => {
        frames += `event: message\ndata: ${JSON.stringify(message)}\n\n`;
      },
      answer: (message) => resolve(frames + JSON.stringify(message)),
    });
  });

// The SDK's handler with the app's pooled servers (what served these calls before the engine).
const handler = createMcpHandler(createPooledServerFactory(factory), { legacy: 'reject' });
const viaSdk = async (tool) => {
  const body = bodyOf(tool);
  const response = await handler.fetch(
    new Request('http://127.0.0.1/mcp', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': tool.name,
      },
    }),
    { parsedBody: body },
  );
  return response.text();
};

async function run(serve, tool, count) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      const text = await serve(tool);
      if (!text.includes('"result"')) throw new Error(`${tool.key}: unexpected answer ${text.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function measure(serve, tool) {
  await run(serve, tool, 300);
  const before = process.cpuUsage();
  const started = performance.now();
  await run(serve, tool, requests);
  const used = process.cpuUsage(before);
  return { cpu: (used.user + used.system) / requests, rps: (requests * 1000) / (performance.now() - started) };
}

console.log(`protocol layer alone, ${requests} calls each, ${concurrency} at a time (CPU per call incl. the tool)`);
for (const tool of TOOLS) {
  const engine = await measure(viaEngine, tool);
  const sdk = await measure(viaSdk, tool);
  console.log(
    `${tool.key.padEnd(9)} engine ${engine.cpu.toFixed(0).padStart(5)} µs  SDK handler ${sdk.cpu.toFixed(0).padStart(5)} µs  SDK / engine ${(sdk.cpu / engine.cpu).toFixed(2)}x`,
  );
}
await handler.close();
await lane.server.close();
upstream.close();
