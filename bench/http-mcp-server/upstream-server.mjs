// The upstream of the I/O tool: a node:http server answering every request with a small JSON body,
// in its own process so that its CPU is not counted as the MCP server's.
import { createServer } from 'node:http';

const body = JSON.stringify({ items: [1, 2, 3], source: 'bench-upstream' });
createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}).listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('ready\n'));
